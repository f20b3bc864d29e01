using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// Word embeddings for a window classifier: each example is <see cref="Window"/> token ids
/// w_0 … w_{m−1} (ints: the model's <c>ReadOnlySpan&lt;int&gt;</c> overloads), and the output row is the concatenation
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

    /// <summary>
    /// y[i, p·d .. (p+1)·d) = L[tokens[i·m + p]] for <paramref name="batch"/> examples of m = <see cref="Window"/> ids each.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="Vocabulary"/>) (the message names its example and position); y may be partly written.</exception>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> y, int batch, ParameterArena arena)
    {
        CheckShapes(tokens, y.Length, nameof(y), batch, arena);
        ReadOnlySpan<float> table = arena.ValuesOf(Table);
        for (int i = 0; i < batch * Window; i++)
            table.Slice(Token(tokens[i], i) * Dimension, Dimension).CopyTo(y.Slice(i * Dimension, Dimension));
    }

    /// <summary>
    /// ∂J/∂L[w] += dy[i, p·d .. (p+1)·d) for every example i and position p with tokens[i·m + p] = w (repeated
    /// words accumulate, in example-then-position order); marks those rows touched.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="Vocabulary"/>); rows before it were already accumulated.</exception>
    public void Backward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dy, int batch, ParameterArena arena)
    {
        CheckShapes(tokens, dy.Length, nameof(dy), batch, arena);
        Span<float> gradient = arena.GradientOf(Table);
        TouchedRows touched = arena.TouchedRowsOf(Table);
        for (int i = 0; i < batch * Window; i++)
        {
            int token = Token(tokens[i], i);
            touched.Touch(token);
            Blas1.Axpy(1f, dy.Slice(i * Dimension, Dimension), gradient.Slice(token * Dimension, Dimension));
        }
    }

    /// <summary>Not supported: an embedding reads token ids, not floats; the model calls <see cref="Forward(ReadOnlySpan{int}, Span{float}, int, ParameterArena)"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, ParameterArena arena) => throw FloatInput();

    /// <summary>Not supported: an embedding reads token ids, not floats; the model calls <see cref="Backward(ReadOnlySpan{int}, ReadOnlySpan{float}, int, ParameterArena)"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, int batch, ParameterArena arena) => throw FloatInput();

    private void CheckShapes(ReadOnlySpan<int> tokens, int outputLength, string outputName, int batch, ParameterArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (tokens.Length < (long)batch * Window)
            throw new ArgumentException($"{Name}: tokens has {tokens.Length} ids but batch {batch} × window {Window} need {(long)batch * Window}", nameof(tokens));
        if (outputLength < (long)batch * OutputSize)
            throw new ArgumentException($"{Name}: {outputName} has {outputLength} floats but batch {batch} × {OutputSize} outputs need {(long)batch * OutputSize}", outputName);
    }

    private NotSupportedException FloatInput() => new($"{Name}: an embedding reads token ids as ints; use the ReadOnlySpan<int> overloads of Model, Trainer and Embedding");

    private int Token(int token, int position)
    {
        if ((uint)token >= (uint)Vocabulary)
            throw new ArgumentOutOfRangeException("tokens", token, $"{Name}: token {token} at example {position / Window}, position {position % Window} is not an id in [0, {Vocabulary})");
        return token;
    }

    /// <inheritdoc/>
    public override string Architecture => $"Embedding {Vocabulary} × {Dimension}, window {Window}";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Architecture} → {OutputSize}";
}
