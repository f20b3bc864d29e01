namespace Simd.Network;

/// <summary>One named parameter tensor inside a <see cref="ParameterArena"/>: a (rows × cols) row-major block.</summary>
/// <param name="Name">Unique name, e.g. "dense1.weight".</param>
/// <param name="Rows">Rows (for a dense weight: inputs).</param>
/// <param name="Cols">Columns (for a dense weight: outputs).</param>
/// <param name="Offset">Start within the arena, a multiple of <see cref="ParameterArena.Alignment"/> floats.</param>
/// <param name="IsWeight">True for weight matrices and embedding tables (L2 applies); false for biases.</param>
public sealed record Parameter(string Name, int Rows, int Cols, int Offset, bool IsWeight)
{
    /// <summary>Rows · Cols.</summary>
    public int Length => Rows * Cols;
}

/// <summary>
/// All parameters of a model in one contiguous float array, with a gradient twin of the same layout:
/// zeroing gradients is one <c>Clear</c>, and optimizers and clipping run one flat loop over the arena.
/// Parameters are declared first, then the arena is allocated once by <see cref="Seal"/>.
/// </summary>
public sealed class ParameterArena
{
    /// <summary>Parameter starts are multiples of this many floats (64 bytes) so vector loads of each tensor start on a cache line boundary relative to the arena.</summary>
    public const int Alignment = 16;

    private readonly List<Parameter> _parameters = [];
    private float[] _values = [];
    private float[] _gradients = [];
    private int _length;

    /// <summary>Declared parameters in declaration order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>True once <see cref="Seal"/> has allocated storage.</summary>
    public bool IsSealed { get; private set; }

    /// <summary>Total floats, padding included.</summary>
    public int Length => _length;

    /// <summary>Declares a (rows × cols) parameter.</summary>
    /// <exception cref="InvalidOperationException">The arena is already sealed.</exception>
    /// <exception cref="ArgumentException">The name is taken or the shape is not positive.</exception>
    public Parameter Declare(string name, int rows, int cols, bool isWeight)
    {
        if (IsSealed) throw new InvalidOperationException($"cannot declare '{name}': the parameter arena is already allocated");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (_parameters.Exists(p => p.Name == name)) throw new ArgumentException($"a parameter named '{name}' already exists", nameof(name));
        long length = (long)rows * cols;
        long end = _length + length;
        long aligned = (end + Alignment - 1) / Alignment * Alignment;
        if (aligned > Array.MaxLength) throw new ArgumentException($"parameter '{name}' ({rows}×{cols}) does not fit in one arena", nameof(rows));
        var parameter = new Parameter(name, rows, cols, _length, isWeight);
        _parameters.Add(parameter);
        _length = (int)aligned;
        return parameter;
    }

    /// <summary>Allocates values and gradients (zeroed). Idempotent.</summary>
    public void Seal()
    {
        if (IsSealed) return;
        _values = new float[_length];
        _gradients = new float[_length];
        IsSealed = true;
    }

    /// <summary>All values, padding included (padding stays zero).</summary>
    public Span<float> Values => Sealed(_values);

    /// <summary>All gradients, same layout as <see cref="Values"/>.</summary>
    public Span<float> Gradients => Sealed(_gradients);

    /// <summary>The values of one parameter.</summary>
    public Span<float> ValuesOf(Parameter parameter) => Sealed(_values).Slice(parameter.Offset, parameter.Length);

    /// <summary>The gradient of one parameter.</summary>
    public Span<float> GradientOf(Parameter parameter) => Sealed(_gradients).Slice(parameter.Offset, parameter.Length);

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Sealed(_gradients).Clear();

    private Span<float> Sealed(float[] array) =>
        IsSealed ? array : throw new InvalidOperationException("the parameter arena is not allocated yet; build the model first");
}
