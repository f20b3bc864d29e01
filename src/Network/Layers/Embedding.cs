using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// Word embeddings for a window classifier: each example is <see cref="Window"/> token indices
/// w_0 … w_{m−1} (passed as floats holding exact integers), and the output row is the concatenation
/// x = [L_{w_0}, …, L_{w_{m−1}}] of their rows of the table L (vocabulary × dimension).
/// Backward scatters the slice dy[p·d .. (p+1)·d) of each position p into row w_p of ∂J/∂L,
/// accumulating when a word repeats, and touches only the rows that were used: the table is a row-sparse
/// parameter, so zeroing its gradient and a plain SGD update cost O(rows used), not O(vocabulary).
/// </summary>
public sealed class Embedding : Layer
{
    private Parameter? _table;

    /// <summary>Creates an embedding of <paramref name="vocabulary"/> words in <paramref name="dimension"/> dimensions, read in windows of <paramref name="window"/> words.</summary>
    public Embedding(int vocabulary, int dimension, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        if (vocabulary > 1 << 24) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "token indices travel as floats: at most 2^24 words");
        Vocabulary = vocabulary;
        Dimension = dimension;
        Window = window;
    }

    /// <summary>|V|.</summary>
    public int Vocabulary { get; }
    /// <summary>d.</summary>
    public int Dimension { get; }
    /// <summary>m, tokens per example.</summary>
    public int Window { get; }
    /// <inheritdoc/>
    public override int InputSize => Window;
    /// <inheritdoc/>
    public override int OutputSize => Window * Dimension;
    /// <summary>L (vocabulary × dimension).</summary>
    public Parameter Table => _table ?? throw new InvalidOperationException($"{Name} is not part of a built model");

    /// <inheritdoc/>
    public override void DeclareParameters(ParameterArena arena) =>
        _table = arena.Declare($"{Name}.table", Vocabulary, Dimension, isWeight: true, rowSparse: true);

    /// <inheritdoc/>
    public override void InitializeParameters(ParameterArena arena, Rng rng) =>
        Initializers.Fill(Initializer.SmallNormal, arena.ValuesOf(Table), Vocabulary, Dimension, rng);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, ParameterArena arena)
    {
        ReadOnlySpan<float> table = arena.ValuesOf(Table);
        for (int i = 0; i < batch * Window; i++)
            table.Slice(Token(x[i], i) * Dimension, Dimension).CopyTo(y.Slice(i * Dimension, Dimension));
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, int batch, ParameterArena arena)
    {
        Span<float> gradient = arena.GradientOf(Table);
        TouchedRows touched = arena.TouchedRowsOf(Table);
        for (int i = 0; i < batch * Window; i++)
        {
            int token = Token(x[i], i);
            touched.Touch(token);
            Blas1.Axpy(1f, dy.Slice(i * Dimension, Dimension), gradient.Slice(token * Dimension, Dimension));
        }
    }

    private int Token(float value, int position)
    {
        int token = (int)value;
        if (token != value || (uint)token >= (uint)Vocabulary)
            throw new ArgumentOutOfRangeException("tokens", value, $"{Name}: token {value} at example {position / Window}, position {position % Window} is not an index in [0, {Vocabulary})");
        return token;
    }

    /// <inheritdoc/>
    public override string Architecture => $"Embedding {Vocabulary} × {Dimension}, window {Window}";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Architecture} → {OutputSize}";
}
