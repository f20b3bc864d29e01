namespace Simd.Kernels;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>op(X) = X.</summary>
    None = 0,
    /// <summary>op(X) = Xᵀ.</summary>
    Transposed = 1,
}

/// <summary>
/// Single-precision general matrix multiply on row-major matrices: C = alpha·op(A)·op(B) + beta·C,
/// with a fused bias-and-activation form for dense layers and an accumulating form for weight
/// gradients. BLIS structure: five loops (jc → pc → ic → jr → ir) around a per-level MR×NR
/// micro-kernel on packed panels; threads split C into disjoint tiles (a large row split hands its
/// rows out per k block, one thread at a time on each tile, in k order). One row or one column of C
/// (batch 1), and k = 1, take matrix–vector and rank-1 loops instead, split between threads by outputs.
/// </summary>
/// <remarks>
/// Row-major: element (i, j) of a matrix X with leading dimension ldX is X[i·ldX + j]. A stored matrix
/// of r rows and w columns needs ldX ≥ w and at least (r − 1)·ldX + w elements. The accumulation order
/// over k depends only on the shapes and the <see cref="SimdLevel"/>, never on the thread count, so
/// results are bitwise identical for any <see cref="MaxDegreeOfParallelism"/>.
/// </remarks>
public static unsafe class Gemm
{
    /// <summary>
    /// Forwards to <see cref="Parallelism.MaxDegreeOfParallelism"/>, the one thread setting of every
    /// kernel: the most threads one call uses (the caller plus library workers), default and maximum
    /// <see cref="Environment.ProcessorCount"/> (larger values are clamped). Calls below a work threshold
    /// run on the caller only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => Parallelism.MaxDegreeOfParallelism;
        set => Parallelism.MaxDegreeOfParallelism = value;
    }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k, op(B) is k×n and C is m×n:
    /// c[i·ldc + j] = alpha·Σ_{p&lt;k} op(A)(i, p)·op(B)(p, j) + beta·c[i·ldc + j].
    /// </summary>
    /// <param name="transA">Whether A is stored as m×k (<see cref="Transpose.None"/>) or k×m (<see cref="Transpose.Transposed"/>).</param>
    /// <param name="transB">Whether B is stored as k×n (<see cref="Transpose.None"/>) or n×k (<see cref="Transpose.Transposed"/>).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Leading dimension of A: at least its stored width (k, or m when transposed).</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Leading dimension of B: at least its stored width (n, or k when transposed).</param>
    /// <param name="beta">Scale of the existing C. When 0, C is not read: NaN or infinity in C does not propagate.</param>
    /// <param name="c">C, m×n row-major with leading dimension <paramref name="ldc"/>; elements outside the m×n view are not touched.</param>
    /// <param name="ldc">Leading dimension of C: at least n.</param>
    /// <remarks>
    /// alpha = 0 or k = 0 gives C = beta·C (A and B are not read). NaN and infinity in A or B propagate
    /// as in IEEE arithmetic. C must not overlap A or B (exact aliasing included).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or a leading dimension is smaller than the stored width.</exception>
    /// <exception cref="ArgumentException">A span is too short for its matrix, or C overlaps A or B.</exception>
    public static void Multiply(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        CheckArguments(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, ActivationFunction.None, hasEpilogue: false);
    }

    /// <summary>
    /// C = A·B for dense row-major matrices: A is m×k (m·k elements), B is k×n, C is m×n:
    /// c[i·n + j] = Σ_{p&lt;k} a[i·k + p]·b[p·n + j]. C is not read. Same rules as the general overload.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length is not its matrix's size, or C overlaps A or B.</exception>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        CheckDense(m, n, k, a, b, c);
        Multiply(Transpose.None, Transpose.None, m, n, k, 1f, a, Math.Max(1, k), b, Math.Max(1, n), 0f, c, Math.Max(1, n));
    }

    /// <summary>
    /// The dense-layer forward pass in one call: C = σ(op(A)·op(B) + 1·biasᵀ), that is
    /// c[i·ldc + j] = σ(Σ_{p&lt;k} op(A)(i, p)·op(B)(p, j) + bias[j]), with σ the given activation.
    /// The bias and activation are applied to each block of C right after its last k step, while it
    /// is still in cache. C is not read (NaN in C does not propagate). Shapes, leading dimensions and
    /// aliasing as in <see cref="Multiply(Transpose, Transpose, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>.
    /// </summary>
    /// <param name="transA">Whether A is stored as m×k or k×m.</param>
    /// <param name="transB">Whether B is stored as k×n or n×k.</param>
    /// <param name="m">Rows of C (the batch).</param>
    /// <param name="n">Columns of C (the outputs).</param>
    /// <param name="k">The inner dimension (the inputs).</param>
    /// <param name="a">A with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Leading dimension of A.</param>
    /// <param name="b">B with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Leading dimension of B.</param>
    /// <param name="bias">A row of n values added to every row of the product.</param>
    /// <param name="activation">σ, applied element-wise as by <see cref="Activations.Forward"/>.</param>
    /// <param name="c">C, m×n with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Leading dimension of C.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, a leading dimension is too small, or the activation is unknown.</exception>
    /// <exception cref="ArgumentException">A span is too short, bias does not have n elements, or C overlaps A, B or bias.</exception>
    public static void MultiplyBiasActivation(Transpose transA, Transpose transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> bias, ActivationFunction activation, Span<float> c, int ldc)
    {
        CheckArguments(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (bias.Length != n)
            throw new ArgumentException($"bias has {bias.Length} elements but C is m×n = {m}×{n}; bias needs n = {n}.", nameof(bias));
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        Guard.Disjoint(bias, c[..(int)Guard.Required(m, n, ldc)], nameof(bias), nameof(c));
        Run(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc, bias, activation, hasEpilogue: true);
    }

    /// <summary>
    /// Dense form of the fused forward pass: y = σ(x·W + 1·biasᵀ) with x m×k (m·k elements), W k×n,
    /// bias n and y m×n: y[i·n + j] = σ(Σ_p x[i·k + p]·w[p·n + j] + bias[j]). y is not read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or the activation is unknown.</exception>
    /// <exception cref="ArgumentException">A span's length does not match its shape, or y overlaps an input.</exception>
    public static void MultiplyBiasActivation(int m, int n, int k, ReadOnlySpan<float> x, ReadOnlySpan<float> w,
        ReadOnlySpan<float> bias, ActivationFunction activation, Span<float> y)
    {
        Guard.NonNegative(m, nameof(m));
        Guard.NonNegative(n, nameof(n));
        Guard.NonNegative(k, nameof(k));
        Guard.DenseMatrix(x.Length, m, k, nameof(x), "m×k");
        Guard.DenseMatrix(w.Length, k, n, nameof(w), "k×n");
        Guard.DenseMatrix(y.Length, m, n, nameof(y), "m×n");
        MultiplyBiasActivation(Transpose.None, Transpose.None, m, n, k, x, Math.Max(1, k), w, Math.Max(1, n), bias, activation, y, Math.Max(1, n));
    }

    /// <summary>
    /// The leading dimension to store a (rows × <paramref name="cols"/>) matrix with when it will be the B operand
    /// of many products with few rows of C (a recurrent weight multiplied at every time step): <paramref name="cols"/>
    /// itself, unless its rows would then be a multiple of 4 KiB apart; then <paramref name="cols"/> + 16 (one cache
    /// line more). Rows 4 KiB apart all map to one L1 set, so the GEMM must copy such a B into a packed buffer on
    /// every call instead of reading it where it is stored.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cols"/> is negative.</exception>
    public static int InPlaceLeadingDimension(int cols)
    {
        Guard.NonNegative(cols, nameof(cols));
        return cols > 0 && cols % Pack.L1SetPeriodFloats == 0 ? checked(cols + 16) : cols;
    }

    /// <summary>
    /// The weight gradient of a dense layer, accumulated: dW += xᵀ·δ with x batch×inputs, δ
    /// batch×outputs and dW inputs×outputs, all dense:
    /// dW[i·outputs + j] += Σ_{b&lt;batch} x[b·inputs + i]·δ[b·outputs + j].
    /// Equivalent to Multiply(Transposed, None, inputs, outputs, batch, 1, x, inputs, δ, outputs, 1, dW, outputs).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match its shape, or dW overlaps x or δ.</exception>
    public static void AccumulateWeightGradient(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> delta, Span<float> weightGradient)
    {
        Guard.NonNegative(batch, nameof(batch));
        Guard.NonNegative(inputs, nameof(inputs));
        Guard.NonNegative(outputs, nameof(outputs));
        Guard.DenseMatrix(x.Length, batch, inputs, nameof(x), "batch×inputs");
        Guard.DenseMatrix(delta.Length, batch, outputs, nameof(delta), "batch×outputs");
        Guard.DenseMatrix(weightGradient.Length, inputs, outputs, nameof(weightGradient), "inputs×outputs");
        Guard.Disjoint(x, weightGradient, nameof(x), nameof(weightGradient));
        Guard.Disjoint(delta, weightGradient, nameof(delta), nameof(weightGradient));
        Run(Transpose.Transposed, Transpose.None, inputs, outputs, batch, 1f, x, Math.Max(1, inputs), delta, Math.Max(1, outputs), 1f,
            weightGradient, Math.Max(1, outputs), default, ActivationFunction.None, hasEpilogue: false);
    }

    private static void CheckDense(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        Guard.NonNegative(m, nameof(m));
        Guard.NonNegative(n, nameof(n));
        Guard.NonNegative(k, nameof(k));
        Guard.DenseMatrix(a.Length, m, k, nameof(a), "m×k");
        Guard.DenseMatrix(b.Length, k, n, nameof(b), "k×n");
        Guard.DenseMatrix(c.Length, m, n, nameof(c), "m×n");
    }

    private static void CheckArguments(Transpose transA, Transpose transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        Guard.NonNegative(m, nameof(m));
        Guard.NonNegative(n, nameof(n));
        Guard.NonNegative(k, nameof(k));
        if (transA is not (Transpose.None or Transpose.Transposed))
            throw new ArgumentOutOfRangeException(nameof(transA), transA, "Unknown transpose.");
        if (transB is not (Transpose.None or Transpose.Transposed))
            throw new ArgumentOutOfRangeException(nameof(transB), transB, "Unknown transpose.");
        bool ta = transA == Transpose.Transposed, tb = transB == Transpose.Transposed;
        Guard.Matrix(a.Length, ta ? k : m, ta ? m : k, lda, nameof(a), nameof(lda), "m×k", ta);
        Guard.Matrix(b.Length, tb ? n : k, tb ? k : n, ldb, nameof(b), nameof(ldb), "k×n", tb);
        Guard.Matrix(c.Length, m, n, ldc, nameof(c), nameof(ldc), "m×n");
        if (m == 0 || n == 0) return;
        Span<float> used = c[..(int)Guard.Required(m, n, ldc)];
        if (k > 0)
        {
            Guard.Disjoint(a[..(int)Guard.Required(ta ? k : m, ta ? m : k, lda)], used, nameof(a), nameof(c));
            Guard.Disjoint(b[..(int)Guard.Required(tb ? n : k, tb ? k : n, ldb)], used, nameof(b), nameof(c));
        }
    }

    /// <summary>The checked arguments as a <see cref="GemmJob"/>, handed to the path table.</summary>
    private static void Run(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias, ActivationFunction activation, bool hasEpilogue)
    {
        if (m == 0 || n == 0) return;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            var job = new GemmJob
            {
                A = pa, B = pb, C = pc, Bias = pbias,
                Lda = lda, Ldb = ldb, Ldc = ldc,
                M = m, N = n, K = alpha == 0f ? 0 : k,
                Alpha = alpha, Beta = beta,
                TransA = transA == Transpose.Transposed, TransB = transB == Transpose.Transposed,
                ActivationFunction = activation, HasEpilogue = hasEpilogue,
                Level = SimdLevels.Current,
            };
            GemmPaths.Run(ref job);
        }
    }
}
