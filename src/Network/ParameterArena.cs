using Simd.Kernels;

namespace Simd.Network;

/// <summary>One named parameter tensor inside a <see cref="ParameterArena"/>: a (rows × cols) row-major block.</summary>
/// <param name="Name">Unique name, e.g. "dense1.weight".</param>
/// <param name="Rows">Rows (for a dense weight: inputs).</param>
/// <param name="Cols">Columns (for a dense weight: outputs).</param>
/// <param name="Offset">Start within the arena, a multiple of <see cref="ParameterArena.Alignment"/> floats.</param>
/// <param name="IsWeight">True for weight matrices and embedding tables (L2 applies); false for biases.</param>
/// <param name="IsRowSparse">
/// True when a step's gradient is nonzero only in the rows its layer reports through
/// <see cref="TouchedRows.Touch"/> (an embedding table): zeroing and plain SGD then touch only those rows.
/// </param>
public sealed record Parameter(string Name, int Rows, int Cols, int Offset, bool IsWeight, bool IsRowSparse = false)
{
    /// <summary>Rows · Cols.</summary>
    public int Length => Rows * Cols;

    /// <summary>Position in its arena's declaration order.</summary>
    internal int Index { get; init; }
}

/// <summary>
/// All parameters of a model in one contiguous float array, with a gradient twin of the same layout:
/// optimizers and clipping run one flat loop over the arena. Parameters are declared first, then the
/// arena is allocated once by <see cref="Seal"/>.
/// </summary>
/// <remarks>
/// Layers add to gradients only: ∇ += (a product, row sums, or anything through <see cref="GradientOf(Parameter)"/>).
/// Zeroing is lazy for dense parameters, and only this class knows it: <see cref="ZeroGradients"/> marks
/// them; <see cref="AccumulateProduct"/> and <see cref="AccumulateRowSums"/> then overwrite instead of
/// adding (a weight gradient's stale block is never read), and every other accessor clears a
/// still-marked gradient before returning it, so readers always see zeros.
/// </remarks>
public sealed class ParameterArena
{
    /// <summary>Parameter starts are multiples of this many floats (64 bytes) so vector loads of each tensor start on a cache line boundary relative to the arena.</summary>
    public const int Alignment = 16;

    private readonly List<Parameter> _parameters = [];
    private readonly Dictionary<string, Parameter> _byName = [];
    private float[] _values = [];
    private float[] _gradients = [];
    private TouchedRows?[] _trackers = [];
    private (int Offset, int Length)[] _denseRuns = [];
    private bool[] _stale = [];
    private int _staleCount;
    private int _length;

    /// <summary>Declared parameters in declaration order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>True once <see cref="Seal"/> has allocated storage.</summary>
    public bool IsSealed { get; private set; }

    /// <summary>The trainer whose computed gradient the arena holds, not yet applied or discarded (null: none); see PendingGradient.</summary>
    internal object? PendingGradientOwner { get; set; }

    /// <summary>Total floats, padding included.</summary>
    public int Length => _length;

    /// <summary>Declares a (rows × cols) parameter; <paramref name="rowSparse"/> declares an embedding-like table (see <see cref="Parameter.IsRowSparse"/>).</summary>
    /// <exception cref="InvalidOperationException">The arena is already sealed.</exception>
    /// <exception cref="ArgumentException">The name is taken or the shape is not positive.</exception>
    public Parameter Declare(string name, int rows, int cols, bool isWeight, bool rowSparse = false)
    {
        if (IsSealed) throw new InvalidOperationException($"cannot declare '{name}': the parameter arena is already allocated");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"a parameter named '{name}' already exists", nameof(name));
        long length = (long)rows * cols;
        long end = _length + length;
        long aligned = (end + Alignment - 1) / Alignment * Alignment;
        if (aligned > Array.MaxLength) throw new ArgumentException($"parameter '{name}' ({rows}×{cols}) does not fit in one arena", nameof(rows));
        var parameter = new Parameter(name, rows, cols, _length, isWeight, rowSparse) { Index = _parameters.Count };
        _parameters.Add(parameter);
        _byName.Add(name, parameter);
        _length = (int)aligned;
        return parameter;
    }

    /// <summary>Allocates values and gradients (zeroed), and the row trackers of row-sparse parameters. Idempotent.</summary>
    public void Seal()
    {
        if (IsSealed) return;
        _values = new float[_length];
        _gradients = new float[_length];
        _trackers = new TouchedRows?[_parameters.Count];
        _stale = new bool[_parameters.Count];
        var dense = new List<(int Offset, int Length)>();
        int runStart = 0;
        for (int i = 0; i < _parameters.Count; i++)
        {
            Parameter parameter = _parameters[i];
            if (!parameter.IsRowSparse) continue;
            _trackers[i] = new TouchedRows(parameter.Rows);
            if (parameter.Offset > runStart) dense.Add((runStart, parameter.Offset - runStart));
            runStart = parameter.Offset + parameter.Length;
        }
        if (_length > runStart) dense.Add((runStart, _length - runStart));
        _denseRuns = [.. dense];
        IsSealed = true;
    }

    /// <summary>All values, padding included (padding stays zero).</summary>
    public Span<float> Values => Sealed(_values);

    /// <summary>All gradients, same layout as <see cref="Values"/>.</summary>
    public Span<float> Gradients
    {
        get
        {
            ClearStale();
            return Sealed(_gradients);
        }
    }

    /// <summary>
    /// The whole gradient arena as one contiguous span, the memory of <see cref="Gradients"/>, for a caller that
    /// may write anywhere in it (an all-reduce that sums or averages the arena across processes, say). Every row of
    /// every row-sparse parameter is marked touched, so the gradient norm, clipping, the update and the next
    /// <see cref="ZeroGradients"/> cover whatever the caller writes there; that is the cost too: until the next
    /// zeroing those tables count as dense. Padding between parameters is zero and must stay zero.
    /// </summary>
    public Span<float> GradientsForWriting()
    {
        Span<float> gradients = Gradients;
        foreach (TouchedRows? tracker in _trackers) tracker?.TouchAll();
        return gradients;
    }

    /// <summary>The parameter named <paramref name="name"/>, e.g. "dense1.weight".</summary>
    /// <exception cref="ArgumentException">No parameter has that name; the message lists the names.</exception>
    public Parameter this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            return _byName.TryGetValue(name, out Parameter? parameter) ? parameter
                : throw new ArgumentException($"no parameter is named '{name}'; the parameters are {string.Join(", ", _parameters.Select(p => $"'{p.Name}'"))}", nameof(name));
        }
    }

    /// <summary>The values of the parameter named <paramref name="name"/> (see <see cref="this[string]"/>), (rows × cols) row-major.</summary>
    /// <exception cref="ArgumentException">No parameter has that name.</exception>
    public Span<float> ValuesOf(string name) => ValuesOf(this[name]);

    /// <summary>
    /// The gradient of the parameter named <paramref name="name"/>, (rows × cols) row-major, as <see cref="GradientOf(Parameter)"/>.
    /// Writing outside the touched rows of a row-sparse parameter needs <see cref="GradientsForWriting"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No parameter has that name.</exception>
    public Span<float> GradientOf(string name) => GradientOf(this[name]);

    /// <summary>The values of one parameter.</summary>
    public Span<float> ValuesOf(Parameter parameter) => Sealed(_values).AsSpan(parameter.Offset, parameter.Length);

    /// <summary>The gradient of one parameter.</summary>
    /// <exception cref="ArgumentException">The parameter is not in this arena.</exception>
    public Span<float> GradientOf(Parameter parameter)
    {
        Span<float> gradient = Sealed(_gradients).AsSpan(parameter.Offset, parameter.Length);
        if (IsStale(parameter))
        {
            ExtentOf(parameter).Clear();
            MarkFresh(parameter);
        }
        return gradient;
    }

    /// <summary>
    /// ∇p += op(A)·op(B) for a dense parameter p of (rows × cols): op(A) is (rows × k) and op(B) is
    /// (k × cols), stored as <see cref="Gemm.Multiply(Transpose, Transpose, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// reads them. The layer's weight gradients go through here (or <see cref="AccumulateRowSums"/>), so
    /// no layer needs to know that right after <see cref="ZeroGradients"/> the product overwrites the
    /// gradient instead of adding to zeros (same values, one pass less over the block).
    /// </summary>
    /// <exception cref="ArgumentException">The parameter is not in this arena, or is row-sparse; or an operand does not fit its shape.</exception>
    public void AccumulateProduct(Parameter parameter, Transpose transA, Transpose transB, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb)
    {
        Span<float> gradient = DenseGradient(parameter, out bool zero);
        Gemm.Multiply(transA, transB, parameter.Rows, parameter.Cols, k, 1f, a, lda, b, ldb, zero ? 0f : 1f, gradient, parameter.Cols);
    }

    /// <summary>
    /// ∇p[j] += Σ_{i&lt;rows} δ[i·cols + j] for a dense parameter p of (1 × cols), such as a bias, with δ
    /// (rows × cols). Zeroing is handled as by <see cref="AccumulateProduct"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter is not in this arena, is row-sparse or has more than one row; or δ does not fit.</exception>
    public void AccumulateRowSums(Parameter parameter, ReadOnlySpan<float> delta, int rows)
    {
        if (parameter.Rows != 1)
            throw new ArgumentException($"'{parameter.Name}' is {parameter.Rows}×{parameter.Cols}; row sums accumulate into a 1×cols parameter", nameof(parameter));
        Span<float> gradient = DenseGradient(parameter, out bool zero);
        Biases.BiasGradient(delta, gradient, rows, parameter.Cols, accumulate: !zero);
    }

    /// <summary>
    /// The gradient of a dense parameter that the caller is about to write in full; <paramref name="zero"/>
    /// tells whether it is logically zero with its memory not cleared (then it must be overwritten).
    /// </summary>
    private Span<float> DenseGradient(Parameter parameter, out bool zero)
    {
        Span<float> gradient = Sealed(_gradients).AsSpan(parameter.Offset, parameter.Length);
        if (parameter.IsRowSparse)
            throw new ArgumentException($"'{parameter.Name}' is row-sparse: take its gradient with GradientOf and report rows through TouchedRowsOf", nameof(parameter));
        zero = IsStale(parameter);
        if (zero)
        {
            ExtentOf(parameter)[parameter.Length..].Clear();
            MarkFresh(parameter);
        }
        return gradient;
    }

    /// <summary>
    /// Sets every gradient to zero. Dense parameters are only marked (see the remarks on
    /// <see cref="ParameterArena"/>); for a row-sparse parameter only the rows touched since the last
    /// call are cleared (the others are zero already), and its tracker starts empty again.
    /// </summary>
    public void ZeroGradients()
    {
        Span<float> gradients = Sealed(_gradients);
        for (int i = 0; i < _parameters.Count; i++)
            if (!_parameters[i].IsRowSparse && !_stale[i])
            {
                _stale[i] = true;
                _staleCount++;
            }
        for (int i = 0; i < _trackers.Length; i++)
        {
            if (_trackers[i] is not TouchedRows tracker) continue;
            Parameter parameter = _parameters[i];
            if (tracker.All) GradientOf(parameter).Clear();
            else
                foreach (int row in tracker.Rows) gradients.Slice(parameter.Offset + row * parameter.Cols, parameter.Cols).Clear();
            tracker.Reset();
        }
    }

    /// <summary>
    /// The tracker of a row-sparse parameter: a layer calls <see cref="TouchedRows.Touch"/> for every
    /// row it writes a gradient into, before writing. Fetch it once per backward pass.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter is not row-sparse or not in this arena.</exception>
    public TouchedRows TouchedRowsOf(Parameter parameter)
    {
        TouchedRows?[] trackers = Sealed(_trackers);
        int index = 0;
        while (index < _parameters.Count && !ReferenceEquals(_parameters[index], parameter)) index++;
        if (index == _parameters.Count || trackers[index] is not TouchedRows tracker)
            throw new ArgumentException($"'{parameter.Name}' is not a row-sparse parameter of this arena", nameof(parameter));
        return tracker;
    }

    /// <summary>
    /// The gradient ranges that may be nonzero in this step, as (offset, length) within the arena: the
    /// dense parameters (padding included) and the touched rows of row-sparse ones, rows in the order
    /// they were first touched. Allocation-free; do not touch rows while enumerating.
    /// </summary>
    public ActiveRanges ActiveGradientRanges()
    {
        ClearStale();
        return new(this);
    }

    /// <summary>Enumerates <see cref="ActiveGradientRanges"/>: the dense runs, then each row-sparse parameter's rows.</summary>
    public struct ActiveRanges
    {
        private readonly ParameterArena _arena;
        private int _dense, _parameter, _row;

        internal ActiveRanges(ParameterArena arena)
        {
            _arena = arena;
            _dense = -1;
            _parameter = 0;
            _row = -1;
            Current = default;
        }

        /// <summary>The current (offset, length).</summary>
        public (int Offset, int Length) Current { get; private set; }

        /// <summary>For <c>foreach</c>.</summary>
        public readonly ActiveRanges GetEnumerator() => this;

        /// <summary>Advances to the next range.</summary>
        public bool MoveNext()
        {
            if (++_dense < _arena._denseRuns.Length)
            {
                Current = _arena._denseRuns[_dense];
                return true;
            }
            for (; _parameter < _arena._trackers.Length; _parameter++, _row = -1)
            {
                if (_arena._trackers[_parameter] is not TouchedRows tracker) continue;
                Parameter parameter = _arena._parameters[_parameter];
                if (tracker.All)
                {
                    if (_row >= 0) continue;
                    _row = parameter.Rows;
                    Current = (parameter.Offset, parameter.Length);
                    return true;
                }
                if (++_row < tracker.Count)
                {
                    Current = (parameter.Offset + tracker.Rows[_row] * parameter.Cols, parameter.Cols);
                    return true;
                }
            }
            return false;
        }
    }

    private bool IsStale(Parameter parameter)
    {
        if ((uint)parameter.Index >= (uint)_parameters.Count || !ReferenceEquals(_parameters[parameter.Index], parameter))
            throw new ArgumentException($"'{parameter.Name}' is not a parameter of this arena", nameof(parameter));
        return _stale[parameter.Index];
    }

    /// <summary>The parameter's gradient and the alignment padding after it, up to the next parameter.</summary>
    private Span<float> ExtentOf(Parameter parameter)
    {
        int end = parameter.Index + 1 < _parameters.Count ? _parameters[parameter.Index + 1].Offset : _length;
        return _gradients.AsSpan(parameter.Offset, end - parameter.Offset);
    }

    private void MarkFresh(Parameter parameter)
    {
        _stale[parameter.Index] = false;
        _staleCount--;
    }

    /// <summary>Clears every gradient still marked by <see cref="ZeroGradients"/>.</summary>
    private void ClearStale()
    {
        if (_staleCount == 0) return;
        for (int i = 0; i < _parameters.Count; i++)
            if (_stale[i])
            {
                ExtentOf(_parameters[i]).Clear();
                _stale[i] = false;
            }
        _staleCount = 0;
    }

    private T[] Sealed<T>(T[] array) =>
        IsSealed ? array : throw new InvalidOperationException("the parameter arena is not allocated yet; build the model first");
}

/// <summary>
/// The rows of one row-sparse parameter that may hold a nonzero gradient: those touched since the
/// last <see cref="ParameterArena.ZeroGradients"/>, in the order first touched, or all of them.
/// </summary>
public sealed class TouchedRows
{
    private readonly int[] _rows;
    private readonly bool[] _touched;

    internal TouchedRows(int rows)
    {
        _rows = new int[rows];
        _touched = new bool[rows];
    }

    /// <summary>How many distinct rows were touched.</summary>
    public int Count { get; private set; }

    /// <summary>True when every row counts as touched (see <see cref="TouchAll"/>).</summary>
    public bool All { get; private set; }

    /// <summary>The touched rows, in the order first touched.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>Records row <paramref name="row"/>; repeated rows are recorded once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside the parameter.</exception>
    public void Touch(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)_touched.Length, nameof(row));
        if (All || _touched[row]) return;
        _touched[row] = true;
        _rows[Count++] = row;
    }

    /// <summary>Marks every row as touched: a dense term (L2) was added to the whole gradient.</summary>
    public void TouchAll() => All = true;

    internal void Reset()
    {
        foreach (int row in Rows) _touched[row] = false;
        Count = 0;
        All = false;
    }
}
