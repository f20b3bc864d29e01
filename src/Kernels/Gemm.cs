using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    private static int s_maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// The most threads one call uses (the caller plus library workers); default
    /// <see cref="Environment.ProcessorCount"/>. Calls below a work threshold run on the caller only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegreeOfParallelism;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be at least 1.");
            s_maxDegreeOfParallelism = value;
        }
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
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, Activation.None, hasEpilogue: false);
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
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> bias, Activation activation, Span<float> c, int ldc)
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
        ReadOnlySpan<float> bias, Activation activation, Span<float> y)
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
            weightGradient, Math.Max(1, outputs), default, Activation.None, hasEpilogue: false);
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

    private static void Run(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias, Activation activation, bool hasEpilogue)
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
                Activation = activation, HasEpilogue = hasEpilogue,
                Level = SimdLevels.Current,
            };
            if (job.K > 0 && (m == 1 || n == 1))
            {
                Vector(ref job);
                return;
            }
            if (job.K == 1)
            {
                RankOne(ref job);
                return;
            }
            bool narrow = n <= NarrowColumns && job.K > 0;
            switch (job.Level)
            {
                case SimdLevel.Vector512 when narrow: Narrow<Vector512Kernel>(ref job); break;
                case SimdLevel.Vector512: Dispatch<Vector512Kernel>(ref job); break;
                case SimdLevel.Vector256: Skinny<Vector256Kernel>(ref job, narrow); break;
                case SimdLevel.Vector128: Skinny<Vector128Kernel>(ref job, narrow); break;
                default: Dispatch<ScalarKernel>(ref job); break;
            }
        }
    }

    /// <summary>
    /// A level with column and dot kernels: n ≤ 16 (<paramref name="narrow"/>) takes the dot or the column
    /// path, a small batch times a transposed B the wide dot path, the rest the blocked path.
    /// </summary>
    private static void Skinny<TKernel>(ref GemmJob job, bool narrow) where TKernel : IGemmKernel, IColumnGemmKernel, IDotGemmKernel
    {
        if (narrow && TakesDots<TKernel>(ref job)) Dots<TKernel>(ref job);
        else if (narrow) Columns<TKernel>(ref job);
        else if (TakesWideDots<TKernel>(ref job)) WideDots<TKernel>(ref job);
        else Dispatch<TKernel>(ref job);
    }

    /// <summary>
    /// One row or one column of C (batch 1, one output) as a matrix–vector product with
    /// <see cref="Gemv"/>: the vector operand is gathered into a contiguous buffer when strided, the
    /// matrix is read in place, and the result goes through a scratch vector into C. Large products
    /// split the outputs between threads (see <see cref="VectorParts"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector(ref GemmJob job)
    {
        int k = job.K;
        GemmWorkspace workspace = GemmWorkspace.Current;
        bool row = job.M == 1;
        int length = row ? job.N : job.M;
        // The vector: op(A)'s row 0 for one row of C, op(B)'s column 0 for one column.
        float* vector = row ? job.A : job.B;
        nint vectorStride = row ? (job.TransA ? job.Lda : 1) : (job.TransB ? 1 : job.Ldb);
        // The matrix runs along y when it is B as stored (k×n) or A transposed (k×m).
        bool alongY = row ? !job.TransB : job.TransA;
        fixed (GemmJob* context = &job)
        {
            var vectorJob = new VectorJob
            {
                Job = context,
                X = Contiguous(vector, vectorStride, k, workspace.A(k)),
                Y = workspace.B(length),
                Matrix = row ? job.B : job.A,
                Ld = row ? job.Ldb : job.Lda,
                AlongY = alongY,
                Length = length,
            };
            int parts = VectorParts((long)length * k, length, VectorChunk(alongY));
            if (parts <= 1) VectorRange(ref vectorJob, 0, length);
            else WorkerPool.Run(&VectorPart, &vectorJob, parts);
        }
    }

    /// <summary>Outputs per piece of a threaded matrix–vector product; see <see cref="VectorPart"/>.</summary>
    private static int VectorChunk(bool alongY) => alongY ? 64 : 4;

    /// <summary>
    /// Threads for a matrix–vector or rank-1 product of the given work (multiply–adds or elements) over
    /// length outputs cut in pieces of chunk: one per <see cref="GemmTuning.VectorParallelThreshold"/>,
    /// at most one per piece.
    /// </summary>
    private static int VectorParts(long work, int length, int chunk)
        => (int)Math.Min(Math.Min(MaxDegreeOfParallelism, length / chunk), Math.Max(1, work / GemmTuning.VectorParallelThreshold));

    /// <summary>
    /// One thread's share: whole pieces of <see cref="VectorChunk"/> outputs, the last part to the end.
    /// Along y, parts of whole 64-column pieces compute every column with the vector width a serial call
    /// uses for it, and the last part ends in the same tail; a dot product's value does not depend on
    /// the rows around it. So the bits do not depend on the thread count.
    /// </summary>
    private static void VectorPart(void* context, int part, int parts)
    {
        ref VectorJob vectorJob = ref Unsafe.AsRef<VectorJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(vectorJob.Job->Level);
        int chunk = VectorChunk(vectorJob.AlongY), pieces = vectorJob.Length / chunk;
        int first = (int)((long)pieces * part / parts) * chunk;
        int last = part == parts - 1 ? vectorJob.Length : (int)((long)pieces * (part + 1) / parts) * chunk;
        VectorRange(ref vectorJob, first, last);
    }

    /// <summary>Outputs [first, last) of the matrix–vector product, into C with alpha, beta and the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VectorRange(ref VectorJob vectorJob, int first, int last)
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(vectorJob.Job);
        int k = job.K, count = last - first;
        float* y = vectorJob.Y + first;
        if (vectorJob.AlongY) Gemv.AxpyRows(job.Level, k, count, vectorJob.X, vectorJob.Matrix + first, vectorJob.Ld, y);
        else Gemv.DotRows(job.Level, k, count, vectorJob.X, vectorJob.Matrix + first * vectorJob.Ld, vectorJob.Ld, y);
        bool row = job.M == 1;
        nint cStride = row ? 1 : job.Ldc;
        float* c = job.C + first * cStride;
        for (int j = 0; j < count; j++)
        {
            float* target = c + j * cStride;
            *target = job.Beta == 0f ? job.Alpha * y[j] : job.Alpha * y[j] + job.Beta * *target;
        }
        if (!job.HasEpilogue) return;
        if (row) Epilogue(ref job, 0, 1, first, count);
        else Epilogue(ref job, first, count, 0, 1);
    }

    /// <summary>
    /// k = 1 (a weight gradient at batch 1): C = alpha·a·bᵀ + beta·C with a = op(A)'s column and b =
    /// op(B)'s row, through <see cref="Gemv.RankOne"/>; nothing is packed, and C is written once. Large
    /// products split the rows of C between threads; each element is one product, so the bits do not
    /// depend on the split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RankOne(ref GemmJob job)
    {
        job.SharedB = Contiguous(job.B, job.TransB ? job.Ldb : 1, job.N, GemmWorkspace.Current.B(job.N));
        // Memory-bound: one thread per threshold of elements written, as for the matrix–vector products' reads.
        int parts = VectorParts((long)job.M * job.N, job.M, 1);
        if (parts <= 1)
        {
            RankOneRows(ref job, 0, job.M);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&RankOnePart, context, parts);
    }

    private static void RankOnePart(void* context, int part, int parts)
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        RankOneRows(ref job, (int)((long)job.M * part / parts), (int)((long)job.M * (part + 1) / parts));
    }

    private static void RankOneRows(ref GemmJob job, int first, int last)
    {
        nint xStride = job.TransA ? 1 : job.Lda;
        Gemv.RankOne(job.Level, last - first, job.N, job.A + first * xStride, xStride, job.SharedB, job.Alpha, job.Beta, job.C + first * job.Ldc, job.Ldc);
        if (job.HasEpilogue)
            Epilogue(ref job, first, last - first, 0, job.N);
    }

    /// <summary>The count floats source[i·stride]: source itself when the stride is 1, else gathered into buffer.</summary>
    private static float* Contiguous(float* source, nint stride, int count, float* buffer)
    {
        if (stride == 1) return source;
        for (int i = 0; i < count; i++) buffer[i] = source[i * stride];
        return buffer;
    }

    /// <summary>Widest C that takes the narrow path: the width of the narrow kernels' B rows.</summary>
    internal const int NarrowColumns = 16;

    /// <summary>
    /// The Vector512 path for n ≤ 16 (output layers): B is copied once into a k×16 zero-padded block, A is
    /// read in place, and each call of the narrow kernel computes NarrowRows full rows of C over all of k.
    /// Vector256 and Vector128 take <see cref="Dots"/> or <see cref="Columns"/> instead; Vector512 has not
    /// been measured with them (it needs AVX-512 hardware).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow<TKernel>(ref GemmJob job) where TKernel : INarrowGemmKernel
    {
        job.SharedB = NarrowB(ref job);
        InBlocks<NarrowBlocks<TKernel>>(ref job);
    }

    /// <summary>
    /// A path's work on the rows [first, last) of C, or on its columns when <see cref="Length"/> is n,
    /// computed in blocks of BlockSize; a thread's part is whole blocks, the last part ending at Length.
    /// </summary>
    private interface IBlocks
    {
        static abstract int BlockSize { get; }
        /// <summary>How far the blocks run: m along the rows (the default), n along the columns.</summary>
        static virtual int Length(ref GemmJob job) => job.M;
        static abstract void Run(ref GemmJob job, int first, int last);
    }

    private readonly struct NarrowBlocks<TKernel> : IBlocks where TKernel : INarrowGemmKernel
    {
        public static int BlockSize => TKernel.NarrowRows;
        public static void Run(ref GemmJob job, int first, int last) => NarrowRows<TKernel>(ref job, first, last);
    }

    private readonly struct ColumnBlocks<TKernel> : IBlocks where TKernel : IColumnGemmKernel
    {
        public static int BlockSize => TKernel.ColumnRows;
        public static void Run(ref GemmJob job, int first, int last) => ColumnRows<TKernel>(ref job, first, last);
    }

    private readonly struct DotBlocks<TKernel> : IBlocks where TKernel : IDotGemmKernel
    {
        public static int BlockSize => DotBlockRows;
        public static void Run(ref GemmJob job, int first, int last) => DotRows<TKernel>(ref job, first, last);
    }

    private readonly struct WideDotBlocks<TKernel> : IBlocks where TKernel : IDotGemmKernel
    {
        public static int BlockSize => TKernel.MaxDotColumns;
        public static int Length(ref GemmJob job) => job.N;
        public static void Run(ref GemmJob job, int first, int last) => WideDotColumns<TKernel>(ref job, first, last);
    }

    /// <summary>TBlocks over all of C: on <see cref="BlockParts"/> threads, or on the caller's alone when that is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InBlocks<TBlocks>(ref GemmJob job) where TBlocks : IBlocks
    {
        int length = TBlocks.Length(ref job);
        int parts = BlockParts(ref job, length, TBlocks.BlockSize);
        if (parts <= 1)
        {
            TBlocks.Run(ref job, 0, length);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&BlocksPart<TBlocks>, context, parts);
    }

    private static void BlocksPart<TBlocks>(void* context, int part, int parts) where TBlocks : IBlocks
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        var (first, last) = PartRows(TBlocks.Length(ref job), TBlocks.BlockSize, part, parts);
        TBlocks.Run(ref job, first, last);
    }

    /// <summary>
    /// Threads for a product computed in blocks of blockSize rows (or columns) out of length: one per
    /// <see cref="GemmTuning.ParallelThreshold"/> of m·n·k, at most one per block.
    /// </summary>
    private static int BlockParts(ref GemmJob job, int length, int blockSize)
    {
        int blocks = (length + blockSize - 1) / blockSize;
        long work = (long)job.M * job.N * job.K;
        return (int)Math.Min(Math.Min(MaxDegreeOfParallelism, blocks), Math.Max(1, work / GemmTuning.ParallelThreshold));
    }

    /// <summary>
    /// The rows [first, last) of part <paramref name="part"/>: whole blocks of blockRows, the last part to m.
    /// A column split passes n and NR: the same split along the columns; claimed units pass m and MR for a
    /// unit's rows, and their count and 1 for a part's units.
    /// </summary>
    private static (int First, int Last) PartRows(int m, int blockRows, int part, int parts)
    {
        int blocks = (m + blockRows - 1) / blockRows;
        int first = (int)((long)blocks * part / parts), last = (int)((long)blocks * (part + 1) / parts);
        return (first * blockRows, Math.Min(m, last * blockRows));
    }

    /// <summary>op(B) (k×n, n ≤ 16) copied once into a k×16 block, columns n to 15 zero: packed[p·16 + j] = op(B)(p, j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* NarrowB(ref GemmJob job)
    {
        int k = job.K, n = job.N;
        float* packed = GemmWorkspace.Current.B((nint)k * NarrowColumns);
        if (job.TransB)
        {
            new Span<float>(packed, k * NarrowColumns).Clear();
            for (int j = 0; j < n; j++)
            {
                float* source = job.B + j * job.Ldb;
                for (int p = 0; p < k; p++) packed[p * NarrowColumns + j] = source[p];
            }
        }
        else
        {
            // Whole 16-float rows are copied and masked to n columns while a full row can be read
            // without passing the end of B's extent, (k − 1)·ldb + n floats: p·ldb + 16 ≤ (k − 1)·ldb + n.
            Vector256<int> index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            Vector256<float> low = Vector256.LessThan(index, Vector256.Create(n)).AsSingle();
            Vector256<float> high = Vector256.LessThan(index + Vector256.Create(8), Vector256.Create(n)).AsSingle();
            int p = 0;
            nint ldb = job.Ldb;
            int vectorRows = k - (int)((NarrowColumns - n + ldb - 1) / ldb);
            for (; p < vectorRows; p++)
            {
                float* source = job.B + p * ldb;
                float* target = packed + (nint)p * NarrowColumns;
                (Vector256.Load(source) & low).Store(target);
                (Vector256.Load(source + 8) & high).Store(target + 8);
            }
            for (; p < k; p++)
            {
                float* source = job.B + p * job.Ldb;
                float* target = packed + (nint)p * NarrowColumns;
                for (int j = 0; j < n; j++) target[j] = source[j];
                for (int j = n; j < NarrowColumns; j++) target[j] = 0f;
            }
        }
        return packed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : INarrowGemmKernel
    {
        int r = TKernel.NarrowRows, k = job.K, n = job.N;
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* tile = workspace.Tile;
        nint rowStride = job.TransA ? 1 : job.Lda, colStride = job.TransA ? job.Lda : 1;
        for (int i = rowStart; i < rowEnd; i += r)
        {
            int rows = Math.Min(r, rowEnd - i);
            int skip = 0;
            if (rows < r && rowEnd >= r)
            {
                // Last rows: recompute the tile that ends at rowEnd and keep only its new rows. Each row's
                // value does not depend on the tile it is computed in, so this is exact and cheaper than a copy.
                skip = r - rows;
                TKernel.NarrowKernel(k, job.A + (rowEnd - r) * rowStride, rowStride, colStride, job.SharedB, tile);
            }
            else if (rows == r)
            {
                TKernel.NarrowKernel(k, job.A + i * rowStride, rowStride, colStride, job.SharedB, tile);
            }
            else
            {
                float* a = job.A + i * rowStride;
                // Last rows: a zero-padded dense copy, so the kernel never reads past A.
                float* copy = workspace.A((nint)r * k);
                for (int row = 0; row < r; row++)
                    for (int p = 0; p < k; p++)
                        copy[row * k + p] = row < rows ? a[row * rowStride + p * colStride] : 0f;
                TKernel.NarrowKernel(k, copy, k, 1, job.SharedB, tile);
            }
            MergeTile(ref job, tile + skip * NarrowColumns, NarrowColumns, i, rows, 0, n);
            if (job.HasEpilogue)
                Epilogue(ref job, i, rows, 0, n);
        }
    }

    /// <summary>
    /// C[row0 .. row0 + rows, col0 .. col0 + n) ← alpha·tile + beta·C (C not read when beta is 0), from
    /// a row-major tile whose rows are ld floats apart and of which the first n columns are used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeTile(ref GemmJob job, float* tile, nint ld, int row0, int rows, int col0, int n)
    {
        for (int row = 0; row < rows; row++)
        {
            float* source = tile + row * ld;
            float* target = job.C + (row0 + row) * job.Ldc + col0;
            int j = 0;
            if (job.Beta == 0f)
            {
                for (; j + 8 <= n; j += 8)
                    (Vector256.Create(job.Alpha) * Vector256.Load(source + j)).Store(target + j);
                for (; j < n; j++) target[j] = job.Alpha * source[j];
            }
            else
            {
                for (; j + 8 <= n; j += 8)
                    (Vector256.Create(job.Alpha) * Vector256.Load(source + j) + Vector256.Create(job.Beta) * Vector256.Load(target + j)).Store(target + j);
                for (; j < n; j++) target[j] = job.Alpha * source[j] + job.Beta * target[j];
            }
        }
    }

    /// <summary>
    /// Whether a product with n ≤ 16 takes the dot path rather than the column path: k at least one
    /// vector, and either fewer rows than one column block, which the column path would compute in full
    /// from a zero-padded copy (Zen 3, m = 2 to 15, k = 20 to 784, A not transposed: the dot path 1.2 to
    /// 5 times as fast; A transposed is first transposed back), or A not transposed and a deep sum
    /// (<see cref="IDotGemmKernel.DotMinDepth"/>).
    /// </summary>
    private static bool TakesDots<TKernel>(ref GemmJob job) where TKernel : IColumnGemmKernel, IDotGemmKernel =>
        job.K >= TKernel.DotLanes && (job.M < TKernel.ColumnRows || !job.TransA && job.K >= TKernel.DotMinDepth);

    /// <summary>Rows of C that the dot path computes into the tile before merging them into C and running the epilogue.</summary>
    private const int DotBlockRows = 16;

    /// <summary>Row stride of the dot path's tile: 16 columns, plus room for the kernel's writes up to a multiple of 4 past the last group.</summary>
    private const int DotTileColumns = NarrowColumns + 8;

    /// <summary>
    /// The path for n ≤ 16 (Vector256, Vector128) chosen by <see cref="TakesDots"/> (the forward pass of
    /// an output layer, X·W): each element of C is a dot product of a row of A, read in place (a transposed A,
    /// which comes here only with fewer than 16 rows, is transposed back first), with a row of op(B)ᵀ,
    /// which is B itself when B is stored transposed and otherwise a transposed copy made once per call
    /// (k·n floats, shared by the threads). Rows of C are computed DotRows at a time into a tile,
    /// merged into C (alpha, beta) and given the epilogue <see cref="DotBlockRows"/> rows at a time. Wider than MaxDotColumns, C is computed in even
    /// column groups, as on the column path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots<TKernel>(ref GemmJob job) where TKernel : IDotGemmKernel
    {
        if (job.TransA)
        {
            // Fewer rows than one column block: A's m columns transposed into rows, m·k floats.
            float* rows = GemmWorkspace.Current.A((nint)job.M * job.K);
            Pack.Transpose(job.A, job.Lda, job.M, job.K, rows, job.K);
            job.A = rows;
            job.Lda = job.K;
            job.TransA = false;
        }
        if (!job.TransB)
        {
            job.SharedB = GemmWorkspace.Current.B((nint)job.K * job.N);
            Pack.Transpose(job.B, job.Ldb, job.N, job.K, job.SharedB, job.K);
        }
        InBlocks<DotBlocks<TKernel>>(ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : IDotGemmKernel
    {
        int r = TKernel.DotRows, k = job.K, n = job.N;
        // m = 1 takes the matrix–vector path, so there are always r rows to compute together.
        Debug.Assert(job.M >= r && DotBlockRows % r == 0);
        float* b = job.TransB ? job.B : job.SharedB;
        nint ldb = job.TransB ? job.Ldb : k;
        // Tile row t holds C row i + t; r spare rows in front hold a recomputed pair that starts before i.
        float* tile = GemmWorkspace.Current.Tile + r * DotTileColumns;
        int groups = (n + TKernel.MaxDotColumns - 1) / TKernel.MaxDotColumns;
        for (int i = rowStart; i < rowEnd; i += DotBlockRows)
        {
            int rows = Math.Min(DotBlockRows, rowEnd - i);
            for (int s = i; s < i + rows; s += r)
            {
                // Last rows: recompute the r rows that end at rowEnd (m, as parts end on whole blocks). A
                // row's value does not depend on the rows computed with it, so this is exact.
                int start = Math.Min(s, rowEnd - r);
                float* a = job.A + start * job.Lda;
                float* target = tile + (start - i) * DotTileColumns;
                // Groups in order: a group's writes past its last column are overwritten by the next group.
                for (int g = 0, j = 0; g < groups; g++)
                {
                    int count = (n - j) / (groups - g);
                    DotGroup<TKernel>(count, k, a, job.Lda, b + j * ldb, ldb, target + j, DotTileColumns);
                    j += count;
                }
            }
            MergeTile(ref job, tile, DotTileColumns, i, rows, 0, n);
            if (job.HasEpilogue)
                Epilogue(ref job, i, rows, 0, n);
        }
    }

    /// <summary>The dot kernel compiled for <paramref name="count"/> columns.</summary>
    private static void DotGroup<TKernel>(int count, int k, float* a, nint lda, float* b, nint ldb, float* tile, nint ldTile) where TKernel : IDotGemmKernel
    {
        switch (count)
        {
            case 1: TKernel.DotKernel<Columns1>(k, a, lda, b, ldb, tile, ldTile); break;
            case 2: TKernel.DotKernel<Columns2>(k, a, lda, b, ldb, tile, ldTile); break;
            case 3: TKernel.DotKernel<Columns3>(k, a, lda, b, ldb, tile, ldTile); break;
            case 4: TKernel.DotKernel<Columns4>(k, a, lda, b, ldb, tile, ldTile); break;
            case 5: TKernel.DotKernel<Columns5>(k, a, lda, b, ldb, tile, ldTile); break;
            default: Debug.Assert(count == 6); TKernel.DotKernel<Columns6>(k, a, lda, b, ldb, tile, ldTile); break;
        }
    }

    /// <summary>
    /// Whether a product wider than 16 columns takes the wide dot path (<see cref="WideDots"/>): B stored
    /// transposed and A not (the backward pass to a layer's input, δ·Wᵀ, at a small batch), at most
    /// <see cref="IDotGemmKernel.WideDotMaxRows"/> rows, and a sum at least <see
    /// cref="IDotGemmKernel.WideDotDepthPerRow"/> times as deep as m. The blocked path transposes all of B into panels, k·n floats however few rows share
    /// them, while the dot path reads B in place and pays a horizontal sum per element of C instead,
    /// which weighs less the deeper the sum.
    /// </summary>
    private static bool TakesWideDots<TKernel>(ref GemmJob job) where TKernel : IDotGemmKernel =>
        !job.TransA && job.TransB && job.M <= TKernel.WideDotMaxRows && job.K >= TKernel.WideDotDepthPerRow * job.M;

    /// <summary>
    /// The path (Vector256, Vector128) chosen by <see cref="TakesWideDots"/>: each element of C is the dot
    /// product of a row of A with a row of B, both read in place, nothing packed. Threads take even ranges
    /// of columns.
    /// </summary>
    private static void WideDots<TKernel>(ref GemmJob job) where TKernel : IDotGemmKernel => InBlocks<WideDotBlocks<TKernel>>(ref job);

    /// <summary>
    /// Columns [colStart, colEnd) of C for <see cref="WideDots"/>, computed into the thread's scratch and
    /// then merged into C (alpha, beta) and given the epilogue. Column groups are the outer loop, so a
    /// group's rows of B stay in L1 while every row pair of A meets them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WideDotColumns<TKernel>(ref GemmJob job, int colStart, int colEnd) where TKernel : IDotGemmKernel
    {
        int r = TKernel.DotRows, m = job.M, k = job.K, width = colEnd - colStart;
        if (width <= 0) return;
        Debug.Assert(m >= r);
        // The kernel stores whole groups of 4 columns: up to 3 floats past a group's last column, which
        // the next group overwrites and the last group's 4 spare floats absorb.
        nint ldTile = width + 4;
        float* tile = GemmWorkspace.Current.A(m * ldTile);
        float* b = job.B + colStart * job.Ldb;
        int groups = (width + TKernel.MaxDotColumns - 1) / TKernel.MaxDotColumns;
        for (int g = 0, j = 0; g < groups; g++)
        {
            int count = (width - j) / (groups - g);
            for (int s = 0; s < m; s += r)
            {
                // Last rows: recompute the r rows that end at m; a row's value does not depend on the rows computed with it.
                int start = Math.Min(s, m - r);
                DotGroup<TKernel>(count, k, job.A + start * job.Lda, job.Lda, b + j * job.Ldb, job.Ldb, tile + start * ldTile + j, ldTile);
            }
            j += count;
        }
        MergeTile(ref job, tile, ldTile, 0, m, colStart, width);
        if (job.HasEpilogue)
            Epilogue(ref job, 0, m, colStart, width);
    }

    /// <summary>
    /// The path for n ≤ 16 (Vector256, Vector128) that <see cref="TakesDots"/> leaves (A transposed, as in
    /// the weight gradient xᵀ·δ, or a shallow sum): vectors run down ColumnRows rows of C, one accumulator per column
    /// (see <see cref="IColumnGemmKernel"/>). B is read in place, or from a k×16 copy when it is
    /// transposed; A in place when it is transposed, else each row block is transposed into a k×ColumnRows
    /// panel first. Wider than MaxColumns, C is computed in even column groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns<TKernel>(ref GemmJob job) where TKernel : IColumnGemmKernel
    {
        if (job.TransB) job.SharedB = NarrowB(ref job);
        InBlocks<ColumnBlocks<TKernel>>(ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : IColumnGemmKernel
    {
        int r = TKernel.ColumnRows, k = job.K, n = job.N;
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* columns = workspace.Tile;
        float* b = job.TransB ? job.SharedB : job.B;
        nint ldb = job.TransB ? NarrowColumns : job.Ldb;
        // Column groups as even as the register tile allows: 10 = 5 + 5, 16 = 5 + 5 + 6.
        int groups = (n + TKernel.MaxColumns - 1) / TKernel.MaxColumns;
        for (int i = rowStart; i < rowEnd; i += r)
        {
            int rows = Math.Min(r, rowEnd - i);
            // Last rows: recompute the block that ends at rowEnd and keep only its new rows. A row's value
            // does not depend on the block it is computed in, so this is exact and cheaper than a copy.
            int start = rows < r && rowEnd >= r ? rowEnd - r : i;
            int skip = i - start;
            float* a;
            nint lda;
            if (rows == r || rowEnd >= r)
            {
                if (job.TransA)
                {
                    a = job.A + start;
                    lda = job.Lda;
                }
                else
                {
                    a = workspace.A((nint)k * r);
                    Pack.Transpose(job.A + start * job.Lda, job.Lda, k, r, a, r);
                    lda = r;
                }
            }
            else
            {
                // Fewer rows in all than one block (k below one vector; see TakesDots): a zero-padded transposed copy.
                a = workspace.A((nint)k * r);
                nint rowStride = job.TransA ? 1 : job.Lda, colStride = job.TransA ? job.Lda : 1;
                for (int p = 0; p < k; p++)
                    for (int row = 0; row < r; row++)
                        a[p * r + row] = row < rows ? job.A[(i + row) * rowStride + p * colStride] : 0f;
                lda = r;
            }
            for (int g = 0, j = 0; g < groups; g++)
            {
                int count = (n - j) / (groups - g);
                ColumnGroup<TKernel>(count, k, a, lda, b + j, ldb, columns + j * r);
                j += count;
            }
            MergeColumns(ref job, columns + skip, r, i, rows);
            if (job.HasEpilogue)
                Epilogue(ref job, i, rows, 0, n);
        }
    }

    /// <summary>
    /// C[row0 + i, j] ← alpha·tile[j·ld + i] + beta·C[row0 + i, j] for i &lt; rows, j &lt; n (C not read when
    /// beta is 0): the column kernels' tile, transposed in 8×8 register blocks straight into C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeColumns(ref GemmJob job, float* tile, nint ld, int row0, int rows)
    {
        int n = job.N;
        nint ldc = job.Ldc;
        float alpha = job.Alpha, beta = job.Beta;
        float* c = job.C + row0 * ldc;
        int blockColumns = 0, blockRows = 0;
        if (Avx.IsSupported)
        {
            blockColumns = n & ~7;
            blockRows = rows & ~7;
            Vector256<float> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
            for (int j = 0; j < blockColumns; j += 8)
            {
                for (int i = 0; i < blockRows; i += 8)
                {
                    Pack.LoadTransposed8x8(tile + j * ld + i, ld, out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3,
                        out Vector256<float> r4, out Vector256<float> r5, out Vector256<float> r6, out Vector256<float> r7);
                    float* target = c + i * ldc + j;
                    if (beta == 0f)
                    {
                        (va * r0).Store(target);
                        (va * r1).Store(target + ldc);
                        (va * r2).Store(target + 2 * ldc);
                        (va * r3).Store(target + 3 * ldc);
                        (va * r4).Store(target + 4 * ldc);
                        (va * r5).Store(target + 5 * ldc);
                        (va * r6).Store(target + 6 * ldc);
                        (va * r7).Store(target + 7 * ldc);
                    }
                    else
                    {
                        (va * r0 + vb * Vector256.Load(target)).Store(target);
                        (va * r1 + vb * Vector256.Load(target + ldc)).Store(target + ldc);
                        (va * r2 + vb * Vector256.Load(target + 2 * ldc)).Store(target + 2 * ldc);
                        (va * r3 + vb * Vector256.Load(target + 3 * ldc)).Store(target + 3 * ldc);
                        (va * r4 + vb * Vector256.Load(target + 4 * ldc)).Store(target + 4 * ldc);
                        (va * r5 + vb * Vector256.Load(target + 5 * ldc)).Store(target + 5 * ldc);
                        (va * r6 + vb * Vector256.Load(target + 6 * ldc)).Store(target + 6 * ldc);
                        (va * r7 + vb * Vector256.Load(target + 7 * ldc)).Store(target + 7 * ldc);
                    }
                }
            }
        }
        // The columns right of the 8×8 blocks in pairs, four rows at a time: two tile columns interleaved
        // into four 2-float row segments, one 64-bit store each. Zen 3, dW 256×10×32: the merge went from
        // 34% to 20% of the profile and the product got 1.17 times as fast (256×10×128: 1.06) against
        // merging these columns element by element.
        int pairColumns = blockColumns, pairRows = 0;
        if (Sse.IsSupported)
        {
            pairColumns = blockColumns + ((n - blockColumns) & ~1);
            pairRows = rows & ~3;
            Vector128<float> va = Vector128.Create(alpha), vb = Vector128.Create(beta);
            for (int j = blockColumns; j < pairColumns; j += 2)
            {
                for (int i = 0; i < pairRows; i += 4)
                {
                    float* source = tile + j * ld + i;
                    Vector128<float> left = Vector128.Load(source), right = Vector128.Load(source + ld);
                    Vector128<float> rows01 = Sse.UnpackLow(left, right), rows23 = Sse.UnpackHigh(left, right);
                    float* target = c + i * ldc + j;
                    if (beta == 0f)
                    {
                        rows01 *= va;
                        rows23 *= va;
                    }
                    else
                    {
                        rows01 = va * rows01 + vb * Pairs(target, target + ldc);
                        rows23 = va * rows23 + vb * Pairs(target + 2 * ldc, target + 3 * ldc);
                    }
                    *(double*)target = rows01.AsDouble().ToScalar();
                    *(double*)(target + ldc) = rows01.AsDouble().GetElement(1);
                    *(double*)(target + 2 * ldc) = rows23.AsDouble().ToScalar();
                    *(double*)(target + 3 * ldc) = rows23.AsDouble().GetElement(1);
                }
            }
        }
        // What the blocks and pairs left, element by element: the block columns below the last multiple
        // of 8 rows, the pair columns below the last multiple of 4 (blockRows ≤ pairRows), and an odd last
        // column. Loops over the rows only where something is left: an empty pass over 16 rows was a third
        // of the merge of n = 10.
        for (int i = blockRows; i < rows; i++)
            MergeElements(c + i * ldc, tile + i, ld, 0, i < pairRows ? blockColumns : pairColumns, alpha, beta);
        if (pairColumns < n)
            for (int i = 0; i < rows; i++)
                MergeElements(c + i * ldc, tile + i, ld, pairColumns, n, alpha, beta);
    }

    /// <summary>row[j] ← alpha·column[j·ld] + beta·row[j] for from ≤ j &lt; to (row not read when beta is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeElements(float* row, float* column, nint ld, int from, int to, float alpha, float beta)
    {
        for (int j = from; j < to; j++)
            row[j] = beta == 0f ? alpha * column[j * ld] : alpha * column[j * ld] + beta * row[j];
    }

    /// <summary>The two floats at <paramref name="first"/> and the two at <paramref name="second"/> as one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Pairs(float* first, float* second) =>
        Vector128.Create(*(double*)first, *(double*)second).AsSingle();

    /// <summary>The column kernel compiled for <paramref name="count"/> columns.</summary>
    private static void ColumnGroup<TKernel>(int count, int k, float* a, nint lda, float* b, nint ldb, float* tile) where TKernel : IColumnGemmKernel
    {
        switch (count)
        {
            case 1: TKernel.ColumnKernel<Columns1>(k, a, lda, b, ldb, tile); break;
            case 2: TKernel.ColumnKernel<Columns2>(k, a, lda, b, ldb, tile); break;
            case 3: TKernel.ColumnKernel<Columns3>(k, a, lda, b, ldb, tile); break;
            case 4: TKernel.ColumnKernel<Columns4>(k, a, lda, b, ldb, tile); break;
            case 5: TKernel.ColumnKernel<Columns5>(k, a, lda, b, ldb, tile); break;
            default: Debug.Assert(count == 6); TKernel.ColumnKernel<Columns6>(k, a, lda, b, ldb, tile); break;
        }
    }

    private static void Dispatch<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        if (job.K == 0)
        {
            ScaleOnly<TKernel>(ref job);
            return;
        }
        // The depth depends on the whole shape, never on a thread's part, so k is summed in the same
        // blocks for any thread count.
        int kc = ReadsBInPlace<TKernel>(ref job, job.M) ? TKernel.KCInPlace : TKernel.KC;
        GemmTuning.Blocks(kc, TKernel.MC, TKernel.NC, TKernel.MR, TKernel.NR, out job.Kc, out job.Mc, out job.Nc);
        job.KcStep = BalancedStep(job.K, job.Kc, 1);
        int kBlocks = (job.K + job.KcStep - 1) / job.KcStep;
        int parts = Parts<TKernel>(job.M, job.N, job.K, out job.SplitRows);
        job.Parts = parts;
        if (parts == 1)
        {
            Blocked<TKernel>(ref job, 0, job.M, 0, job.N);
            return;
        }
        int panels = (job.N + TKernel.NR - 1) / TKernel.NR;
        if (SharesPackedB<TKernel>(ref job, panels))
        {
            GemmWorkspace workspace = GemmWorkspace.Current;
            job.PanelsPerRow = panels;
            job.PackedB = workspace.SharedB((nint)job.K * panels * TKernel.NR);
            job.PanelStates = workspace.PanelStates(kBlocks * panels);
            new Span<int>(job.PanelStates, kBlocks * panels).Clear();
        }
        int rowTiles = (job.M + TKernel.MR - 1) / TKernel.MR;
        int units = Math.Min(parts * ClaimedUnitsPerPart, rowTiles / ClaimedMinTiles);
        if (job.SplitRows && units >= 2 * parts)
        {
            // A k block of a column block is a phase; ClaimedPart steps through them in the same order.
            int ncStep = BalancedStep(job.N, job.Nc, TKernel.NR);
            int phases = (job.N + ncStep - 1) / ncStep * kBlocks;
            job.Units = units;
            job.Claims = GemmWorkspace.Current.Claims(phases * parts + units);
            for (int part = 0; part < parts; part++)
            {
                var (first, end) = PartRows(units, 1, part, parts);
                long range = (uint)first | (long)end << 32;
                for (int phase = 0; phase < phases; phase++) job.Claims[phase * parts + part] = range;
            }
            job.UnitPhases = job.Claims + phases * parts;
            new Span<long>(job.UnitPhases, units).Clear();
            fixed (GemmJob* context = &job)
                WorkerPool.Run(&ClaimedPart<TKernel>, context, parts);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&Part<TKernel>, context, parts);
    }

    /// <summary>
    /// Units of a claimed row split per thread (at most), and row tiles per unit (at least): a row split
    /// claims its work (<see cref="ClaimedPart"/>) when m gives every thread two units of
    /// <see cref="ClaimedMinTiles"/> tiles.
    /// </summary>
    /// <remarks>
    /// Units of 2 tiles lost on small products (128×256×256 on 2 threads ×0.96, 4 tiles ×0.98): every unit
    /// reads each B panel again from L2, and 8 tiles share it as a row block does. Claimed ÷ the static
    /// split (Zen 3, Vector256, 2 threads, 13–25 alternating rounds, repeat controls ×0.92–1.03): 512³
    /// ×1.00–1.15, 1024³ ×0.99–1.04, 2048³ ×1.02–1.05, 128×256×784 ×1.00–1.04, 128×256×256 ×1.00 (8
    /// tiles); as much as ×1.15 while the VM's other tenant held a core, within noise while it was calm.
    /// 4, 8 or 16 units per thread measured alike (×0.99–1.05). At 128 bits (2 threads ÷ 1, 15 rounds,
    /// two of each split, load average 1.3): 512³ ×1.94–2.00 claimed against ×1.88–1.94, 1024³ ×2.00–2.03
    /// against ×1.93–1.98, 128×256×784 ×1.44–1.58 against ×1.35–1.48, 256³ ×1.50–1.53 against ×1.23–1.30.
    /// </remarks>
    private const int ClaimedUnitsPerPart = 8;
    private const int ClaimedMinTiles = 8;

    /// <summary>
    /// A row split that balances itself: for each k block of each column block in turn, the part runs
    /// its own units from the first, then takes the other parts' unclaimed units from their last, so a
    /// thread on a slower core (another tenant, a late wake-up) does less of the work. A unit waits for
    /// the k block before it to be done on its rows, by whichever thread did it; every unit is the same
    /// tiles with the same k blocks on any thread, so the bits do not depend on who runs it.
    /// </summary>
    private static void ClaimedPart<TKernel>(void* context, int part, int parts) where TKernel : IGemmKernel
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        // Units are row tiles split among them as parts split them among threads; the part owns [first, end).
        var (first, end) = PartRows(job.Units, 1, part, parts);
        int ownRows = PartRows(job.M, TKernel.MR, end - 1, job.Units).Last - PartRows(job.M, TKernel.MR, first, job.Units).First;
        BlockPlan plan = Plan<TKernel>(ref job, ownRows, job.N);
        long* claims = job.Claims;
        int phaseIndex = 0;
        for (int jc = 0; jc < job.N; jc += plan.NcStep)
            for (int pc = 0; pc < job.K; pc += job.KcStep, phaseIndex++, claims += parts)
            {
                BlockPhase phase = default;
                bool prepared = false;
                for (int unit; (unit = ClaimUnit(claims, part, parts)) >= 0;)
                {
                    long* done = job.UnitPhases + unit;
                    for (var spin = new SpinWait(); Volatile.Read(ref *done) < phaseIndex;) spin.SpinOnce(sleep1Threshold: -1);
                    if (!prepared) phase = PrepareB<TKernel>(ref job, ref plan, jc, Math.Min(plan.NcStep, job.N - jc), pc);
                    var (rowStart, rowEnd) = PartRows(job.M, TKernel.MR, unit, job.Units);
                    RowBlocks<TKernel>(ref job, ref plan, ref phase, rowStart, rowEnd, plan.PacksInTiles && !prepared);
                    prepared = true;
                    // Publishes the unit's rows of C to the thread that takes it in the next k block.
                    Volatile.Write(ref *done, phaseIndex + 1);
                }
            }
    }

    /// <summary>
    /// A unit for part <paramref name="part"/> in one k block: the first of its own unclaimed units, else
    /// the last unclaimed unit of another part; −1 when none is left.
    /// </summary>
    private static int ClaimUnit(long* claims, int part, int parts)
    {
        for (int other = 0; other < parts; other++)
        {
            long* range = claims + (part + other) % parts;
            while (true)
            {
                long word = Volatile.Read(ref *range);
                int front = (int)word, end = (int)(word >> 32);
                if (front >= end) break;
                // The owner takes from the front, the others from the end.
                long taken = other == 0 ? word + 1 : word - (1L << 32);
                if (Interlocked.CompareExchange(ref *range, taken, word) == word) return other == 0 ? front : end - 1;
            }
        }
        return -1;
    }

    /// <summary>
    /// Most floats of op(B), zero-padded to whole NR-column panels, that threads pack once into one
    /// shared buffer (16 MiB: 2048×2048). Beyond it every thread packs its own KC×NC blocks of B.
    /// </summary>
    private const long SharedPackedBFloats = 1L << 22;

    /// <summary>
    /// Whether the threads of a row split pack op(B) once between them (<see cref="PackSharedBlock"/>)
    /// instead of each packing all of it: B is transposed and the padded op(B) (<paramref name="panels"/>
    /// NR-column panels) fits <see cref="SharedPackedBFloats"/>. Measured on Zen 3, 2 threads,
    /// 128×256×784: packing B went from 11.0% to 5.8% of the product's profile samples. A
    /// non-transposed B is packed by every thread in its first row tiles (<see cref="Plan"/>), which
    /// beat sharing it (paired medians of 15 rounds): 128×256×784 and 256³ ×1.20, 128×784×256 ×1.09,
    /// 1024³ ×1.07, 512³ ×0.97.
    /// </summary>
    private static bool SharesPackedB<TKernel>(ref GemmJob job, int panels) where TKernel : IGemmKernel
        => job.SplitRows && job.TransB && (long)job.K * panels * TKernel.NR <= SharedPackedBFloats;

    /// <summary>
    /// Makes the block op(B)[pc .. pc + kc, jc .. jc + nc) packed in the shared buffer (at
    /// <paramref name="block"/>, NR-column panels kc·NR apart as <see cref="Pack.B"/> writes them) and
    /// returns when every panel of it is. Threads claim panels one by one, so each panel is packed once by
    /// whichever thread gets there first, and a thread waits only for panels another thread is packing at
    /// that moment: parts that run one after another (late workers, a busy pool) never wait.
    /// </summary>
    private static void PackSharedBlock<TKernel>(ref GemmJob job, int blockIndex, int jc, int pc, int kc, int nc, float* block)
        where TKernel : IGemmKernel
    {
        const int Free = 0, Packing = 1, Packed = 2;
        int nr = TKernel.NR, panels = (nc + nr - 1) / nr;
        int* states = job.PanelStates + blockIndex * job.PanelsPerRow + jc / nr;
        for (int j = 0; j < panels; j++)
        {
            if (Volatile.Read(ref states[j]) != Free || Interlocked.CompareExchange(ref states[j], Packing, Free) != Free)
                continue;
            Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + j * nr, kc, Math.Min(nr, nc - j * nr), block + (nint)j * nr * kc);
            // Publishes the panel: a thread that reads Packed also sees the packed floats.
            Volatile.Write(ref states[j], Packed);
        }
        for (int j = 0; j < panels; j++)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref states[j]) != Packed) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>
    /// How many threads to use and whether to split C by rows or columns. Parts are whole multiples of
    /// MR rows or NR columns, so every tile is the same tile as in a serial run.
    /// </summary>
    /// <remarks>
    /// Forcing the other split on 2 threads (Zen 3, 15 rounds, both splits and a repeat of the first in
    /// every round): squares 256–2048 and 128×256×784 moved by ×1.02–1.07, no more than the repeat of the
    /// same split moved (×1.02–1.09); 128×784×256 (NT, columns) lost ×0.79 as rows, 784×256×128 (TN, rows)
    /// ×0.93 as columns.
    /// The two halves of a 2-thread call do not finish together: over 41 calls each (Zen 3, four runs), the
    /// later part ended a median 2.5–12% of the call after the other on 512³–2048³ and 128×256×784, with
    /// the worker starting 2–4 µs after the caller and either thread the later one depending on the run:
    /// the VM's other tenant slows one core at a time. Splitting into 2 or 4 parts per thread, claimed as
    /// threads come free, to absorb it measured ×0.90–1.02 and ×0.74–1.00 (11 rounds, 512³–2048³,
    /// 128×256×784, 128×784×256): every part packs its own B, which costs more than the balance saves.
    /// Sharing one packed B between such parts did not pay either: a non-transposed B packed into the
    /// shared buffer by the first tile of whichever part reached a panel first (a part that found the
    /// panel being packed read it in place until it was), with 1, 2 or 4 claimed row parts per thread.
    /// Two threads ÷ one in the same rounds (Zen 3, 11 and 15 rounds of 6 or more calls, two runs), with
    /// this split and a repeat of it in the second run: 512³ ×1.77–1.93 against ×1.91–2.00, ×1.86–1.94
    /// and ×1.46–1.95 (1, 2 and 4 parts per thread); 1024³ ×1.92 against ×1.95, ×1.96 and ×1.90;
    /// 128×256×784 ×1.71–1.82 against ×1.66–1.69, ×1.67–1.68 and ×1.63–1.65. The squares read higher
    /// with one part per thread by less than the repeat of the same split moved (up to 9%), and batch
    /// 128 lower with every variant in both runs. What does absorb it keeps one part per thread, each
    /// with its own packed B, and claims only row units within each k block (<see cref="ClaimedPart"/>).
    /// </remarks>
    private static int Parts<TKernel>(int m, int n, int k, out bool splitRows) where TKernel : IGemmKernel
    {
        splitRows = true;
        long work = (long)m * n * k;
        int threads = (int)Math.Min(MaxDegreeOfParallelism, Math.Max(1, work / GemmTuning.ParallelThreshold));
        if (threads <= 1) return 1;
        int rowTiles = (m + TKernel.MR - 1) / TKernel.MR;
        int colTiles = (n + TKernel.NR - 1) / TKernel.NR;
        // A row split repacks all of B on every thread, a column split all of A: duplicate the smaller.
        splitRows = rowTiles >= threads && (n <= m || colTiles < threads) || rowTiles >= colTiles;
        return Math.Min(threads, splitRows ? rowTiles : colTiles);
    }

    private static void Part<TKernel>(void* context, int part, int parts) where TKernel : IGemmKernel
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        if (job.SplitRows)
        {
            var (first, last) = PartRows(job.M, TKernel.MR, part, parts);
            Blocked<TKernel>(ref job, first, last, 0, job.N);
        }
        else
        {
            var (first, last) = PartRows(job.N, TKernel.NR, part, parts);
            Blocked<TKernel>(ref job, 0, job.M, first, last);
        }
    }

    /// <summary>The five BLIS loops over C[rowStart .. rowEnd, colStart .. colEnd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked<TKernel>(ref GemmJob job, int rowStart, int rowEnd, int colStart, int colEnd)
        where TKernel : IGemmKernel
    {
        if (rowStart >= rowEnd || colStart >= colEnd) return;
        BlockPlan plan = Plan<TKernel>(ref job, rowEnd - rowStart, colEnd - colStart);
        for (int jc = colStart; jc < colEnd; jc += plan.NcStep)
            for (int pc = 0; pc < job.K; pc += job.KcStep)
            {
                BlockPhase phase = PrepareB<TKernel>(ref job, ref plan, jc, Math.Min(plan.NcStep, colEnd - jc), pc);
                RowBlocks<TKernel>(ref job, ref plan, ref phase, rowStart, rowEnd, plan.PacksInTiles);
            }
    }

    /// <summary>A thread's buffers and its ways of reading B, the same for all of its blocks in one call.</summary>
    private struct BlockPlan
    {
        public float* PackedA, PackedB, Tile;
        /// <summary>Columns per column block: NC or less, balanced (<see cref="BalancedStep"/>).</summary>
        public int NcStep;
        /// <summary>The threads pack op(B) once between them, into <see cref="GemmJob.PackedB"/>.</summary>
        public bool Shared;
        /// <summary>Full panels are read from B's rows where they are stored (<see cref="ReadsBInPlace"/>).</summary>
        public bool InPlace;
        /// <summary>Full panels are packed by the first row block that reaches them, while it computes.</summary>
        public bool PacksInTiles;
        /// <summary>A last partial panel may be read where it is stored (<see cref="ReadsEdgeInPlace"/>).</summary>
        public bool EdgeInPlace;
    }

    /// <summary>One k block of one column block of C: its B panels, and how C is updated.</summary>
    private struct BlockPhase
    {
        public int Jc, Nc, Pc, Kc;
        public float Beta;
        /// <summary>The last k block: the epilogue follows it.</summary>
        public bool Last;
        /// <summary>The packed panels; B's rows when full panels are read or packed from them; a partial panel read in place.</summary>
        public float* PackedB, BRows, EdgeRows;
    }

    /// <summary>
    /// The plan of a thread whose own share of C has <paramref name="rows"/> rows and
    /// <paramref name="columns"/> columns.
    /// </summary>
    /// <remarks>
    /// The first row block packs B panel by panel as it reaches each one, not the whole block in a
    /// separate pass first. A non-transposed B is packed by the panel's first row tile while it
    /// computes (it reads B's rows as they are), so packing overlaps FMAs (Zen 3, paired medians of 15
    /// rounds: 64×256×784 ×1.12, 128×256×784 ×1.05, 128×256×256 ×1.04, squares 64–512 ×0.98–1.03).
    /// A transposed B is transposed into the panel just before its first tile, which then finds the
    /// panel in L1 instead of in L3 behind a block that outgrew L2 (Zen 3, paired medians of 13–15
    /// rounds of 20 calls: 32×784×256 ×1.02–1.05, 128×784×256 ×1.01–1.02, 256³ and 512³ ×0.98–1.05,
    /// 64³–128³ ×0.95–1.02). The first row block must hold a whole row tile, which packs
    /// a non-transposed B's panels. A B with rows far apart is packed in one pass instead
    /// (<see cref="RowOrderPackingStride"/>).
    /// </remarks>
    private static BlockPlan Plan<TKernel>(ref GemmJob job, int rows, int columns) where TKernel : IGemmKernel
    {
        GemmWorkspace workspace = GemmWorkspace.Current;
        var plan = new BlockPlan
        {
            PackedA = workspace.A((nint)job.Mc * job.Kc),
            PackedB = workspace.B((nint)job.Nc * job.Kc),
            Tile = workspace.Tile,
            NcStep = BalancedStep(columns, job.Nc, TKernel.NR),
            Shared = job.PackedB != null,
        };
        plan.InPlace = !plan.Shared && ReadsBInPlace<TKernel>(ref job, rows);
        plan.PacksInTiles = !plan.Shared && !plan.InPlace && rows >= TKernel.MR && (job.TransB || job.Ldb < RowOrderPackingStride);
        plan.EdgeInPlace = ReadsEdgeInPlace(ref job, plan.InPlace || plan.PacksInTiles, rows, job.Mc);
        return plan;
    }

    /// <summary>
    /// Starts the k block op(B)[pc .. pc + kc, jc .. jc + nc) for a thread: packs what its plan packs
    /// before the row blocks (all of it, or only a last partial panel; a shared block is packed by
    /// whichever threads get there first) and says where the row blocks find the rest.
    /// </summary>
    private static BlockPhase PrepareB<TKernel>(ref GemmJob job, ref BlockPlan plan, int jc, int nc, int pc) where TKernel : IGemmKernel
    {
        int kc = Math.Min(job.KcStep, job.K - pc), fullColumns = nc - nc % TKernel.NR;
        var phase = new BlockPhase
        {
            Jc = jc, Nc = nc, Pc = pc, Kc = kc,
            Beta = pc == 0 ? job.Beta : 1f,
            Last = pc + kc == job.K,
            PackedB = plan.PackedB,
        };
        bool edgeHere = plan.EdgeInPlace && fullColumns < nc && (nc - fullColumns) % TKernel.EdgeStep == 0;
        if (edgeHere) phase.EdgeRows = job.B + pc * job.Ldb + jc;
        if (plan.Shared)
        {
            // Blocks of the same rows of op(B) follow each other along the padded width.
            phase.PackedB = job.PackedB + (nint)pc * job.PanelsPerRow * TKernel.NR + (nint)jc * kc;
            PackSharedBlock<TKernel>(ref job, pc / job.KcStep, jc, pc, kc, nc, phase.PackedB);
        }
        else if (plan.PacksInTiles && job.TransB)
            phase.BRows = job.B + jc * job.Ldb + pc;
        else if (plan.PacksInTiles)
        {
            phase.BRows = job.B + pc * job.Ldb + jc;
            if (fullColumns < nc && !edgeHere)
                Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + fullColumns, kc, nc - fullColumns, phase.PackedB + (nint)fullColumns * kc);
        }
        else if (!plan.InPlace)
            Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc, kc, nc, phase.PackedB);
        else
        {
            phase.BRows = job.B + pc * job.Ldb + jc;
            if (fullColumns < nc && !edgeHere)
                Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + fullColumns, kc, nc - fullColumns, phase.PackedB);
        }
        return phase;
    }

    /// <summary>
    /// The k block <paramref name="phase"/> of C's rows [rowStart, rowEnd), in row blocks of at most MC:
    /// pack A, run the macro-kernel, apply the epilogue after the last k block. With
    /// <paramref name="packsB"/>, the first row block packs the panels that the plan packs in tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlocks<TKernel>(ref GemmJob job, ref BlockPlan plan, ref BlockPhase phase, int rowStart, int rowEnd, bool packsB)
        where TKernel : IGemmKernel
    {
        int mcStep = BalancedStep(rowEnd - rowStart, job.Mc, TKernel.MR);
        for (int ic = rowStart; ic < rowEnd; ic += mcStep)
        {
            int mc = Math.Min(mcStep, rowEnd - ic);
            Pack.A<TKernel>(job.TransA, job.A, job.Lda, ic, phase.Pc, mc, phase.Kc, plan.PackedA);
            float* c = job.C + ic * job.Ldc + phase.Jc;
            bool packs = packsB && ic == rowStart;
            // Once packed, the blocks below read the packed panels.
            float* bRows = plan.PacksInTiles && !packs ? null : phase.BRows;
            Macro<TKernel>(mc, phase.Nc, phase.Kc, plan.PackedA, phase.PackedB, bRows, job.Ldb, packs, job.TransB, c, job.Ldc, job.Alpha, phase.Beta, plan.Tile, phase.EdgeRows);
            if (phase.Last && job.HasEpilogue)
                Epilogue(ref job, ic, mc, phase.Jc, phase.Nc);
        }
    }

    /// <summary>
    /// Distance in floats between B's rows from which a non-transposed B is packed in one pass over its
    /// rows in order (<see cref="Pack.B"/>) instead of panel by panel in the first row tiles (<see
    /// cref="Plan"/>), where the micro-kernel's loads of B's rows, 2 KiB or more apart, and its stores
    /// of the packed copy slow those tiles. Timed alone (Zen 3, 16 rounds in alternating order), the pass
    /// costs about what packing panel by panel costs: 4.0% and 2.9% of a 512³ product, 1.6% and 1.8% of
    /// 1024³, 1.0% of 2048³ either way (in a fixed order, the pass timed first had read 6.1% against 2.1%).
    /// Against packing in the first row tiles (1 thread, 15–16 rounds of each, configurations in
    /// alternating order or with a repeat as control, 3–5 runs): 512³ ×1.01–1.06, 768³ ×1.01, 1024³
    /// ×0.98–1.06, 2048³ ×0.99–1.05, 128×512×784 ×0.98–0.99, 128×1024×256 ×0.98–1.02; 2 threads 512³
    /// ×1.03, 1024³ ×1.04, 2048³ ×1.00. With B's rows closer, row order lost: 256³ ×0.97, 64³ ×0.96,
    /// 128×256×256 ×0.96, 128×256×784 ×0.98, where the first tiles' strided reads hide behind their FMAs.
    /// </summary>
    private const int RowOrderPackingStride = 512;

    /// <summary>
    /// Whether a last partial panel of a non-transposed B, when its width is a whole number of
    /// <see cref="IGemmKernel.EdgeStep"/> vectors, is read where it is stored (rows ldb apart) instead of
    /// being packed first: only when the full panels are read from B's rows too (in place or packed by
    /// their first tiles) and one row block covers all of the rows, so that few row tiles read it. The edge
    /// kernel then loads only the panel's real columns, so nothing past them is read.
    /// </summary>
    /// <remarks>
    /// Packing the 16-column edge of n = 256 took 3.7–4.8% of a 32×256×784 profile for 6% of its FMAs.
    /// Read in place (Zen 3, Vector256, 1 thread, a switch in the same build, two runs of 17 and 21
    /// alternating rounds, repeat control ×0.99–1.02): 8×256×256 ×1.19, 16×256×784 ×1.07, 32×256×784
    /// ×1.02–1.06, 32×256×256 ×1.04–1.05, 64³ ×1.09–1.13, 96×64×256 ×1.06, 128³ ×1.07, 128×256×784
    /// ×1.00–1.01. With more rows than one block it does not pay: 256³ ×0.98–1.00, 512³ ×1.00, 784×256×32
    /// (A transposed) ×0.99, probably because every row tile repeats the edge kernel's loads of rows 1 KiB
    /// or more apart, which a 1 KiB stride keeps in 4 of L1's 64 sets (no counters on this VM to confirm).
    /// </remarks>
    private static bool ReadsEdgeInPlace(ref GemmJob job, bool fullPanelsFromRows, int rows, int rowBlock)
        => !job.TransB && fullPanelsFromRows && rows <= rowBlock;

    /// <summary>
    /// The block size that cuts length into the fewest blocks of at most max (a multiple of unit), all
    /// as long as whole units allow but the last. A remainder block wastes the block it follows: 2048
    /// columns in blocks of 2040 packed all of A again for an 8-column block, and 1536 rows in blocks of
    /// 144 read every B panel for a 96-row block. Zen 3, Vector256, 1 thread, paired medians of 9–15
    /// rounds against full blocks and a remainder: 2048³ (2 × 1032 columns, 15 × 140 rows) ×1.02–1.03,
    /// 1536³ ×1.015–1.04, 1000³ ×1.006, 512³ ×1.01, 1024³ ×1.00. Row and column blocks do not change
    /// the bits of C: they do not change the order of any sum. k is cut the same way (unit 1, <see
    /// cref="GemmJob.KcStep"/>), from the whole shape only, because its blocks do change the sums.
    /// </summary>
    private static int BalancedStep(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        int units = (length + unit - 1) / unit;
        return (units + blocks - 1) / blocks * unit;
    }

    /// <summary>
    /// Whether the micro-kernel reads full NR-column panels of B where they are stored instead of from
    /// a packed copy: B not transposed, and at most <see cref="IGemmKernel.BInPlaceRows"/> rows of C, so
    /// that few A panels reuse each B panel and packing B costs more than it saves. When B's rows are a
    /// multiple of <see cref="Pack.L1SetPeriodFloats"/> apart, only a single row tile (at most MR rows)
    /// reads them in place: they all fall into one L1 set, so a panel's rows do not stay in L1 for the
    /// next row tile.
    /// </summary>
    /// <remarks>
    /// Packed ÷ read in place with B's rows 4 KiB or 8 KiB apart (Zen 3, 1 thread, 11–15 alternating
    /// rounds, repeat controls ×0.97–1.06). 256 bits: 8×1024×784 ×1.25, 12×1024×1024 ×1.69, 16×1024×784
    /// ×1.66, 24×1024×1024 ×1.82, 20×2048×2048 ×1.46, 8×2048×1024 ×1.37, 16×2048×512 ×1.30, 8×1024×1024
    /// ×1.00–1.02, 8×4096×256 ×0.99; one tile, 4×1024×1024, ×0.92. 128 bits: 8×1024×784 ×1.35–1.52,
    /// 8×1024×1024 ×1.32, 12×1024×784 ×1.39, 16×1024×784 ×1.50, 24×2048×512 ×1.60 (with rows grouped in
    /// <see cref="Pack.B"/>). Other distances keep the rule: 16×1000×1000, 16×768×768 and 24×1536×512
    /// read in place ×1.07–1.11 faster than packed.
    /// </remarks>
    private static bool ReadsBInPlace<TKernel>(ref GemmJob job, int rows) where TKernel : IGemmKernel
        => !job.TransB && rows <= TKernel.BInPlaceRows && (rows <= TKernel.MR || job.Ldb % Pack.L1SetPeriodFloats != 0);

    /// <summary>
    /// The two inner loops: every MR×NR tile of an mc×nc block of C. B panels come from packedB
    /// (kc×NR each, in order). When bRows is not null and bTransposed, bRows is op(B)'s block stored
    /// transposed (its column q at bRows + q·ldb), and each panel is packed into its place in packedB
    /// just before its first tile. Otherwise, when bRows is not null, full panels are read from bRows
    /// (rows ldb apart): with packB, the first tile of each (mc ≥ MR) packs it into its place in packedB
    /// for the tiles below, which a last partial panel already holds; without, every tile reads it in
    /// place, and a last partial panel is at the start of packedB. When edgeRows is not null, a last
    /// partial panel is read from there instead (op(B)'s block, rows ldb apart; <see cref="ReadsEdgeInPlace"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<TKernel>(int mc, int nc, int kc, float* packedA, float* packedB, float* bRows, nint ldb, bool packB, bool bTransposed,
        float* c, nint ldc, float alpha, float beta, float* tile, float* edgeRows) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* b;
            nint bStride = nr;
            int ir = 0;
            if (cols < nr && edgeRows != null)
            {
                b = edgeRows + jr;
                bStride = ldb;
            }
            else if (bRows == null) b = packedB + (nint)jr * kc;
            else if (bTransposed)
            {
                b = packedB + (nint)jr * kc;
                Pack.B<TKernel>(true, bRows + jr * ldb, ldb, 0, 0, kc, cols, b);
            }
            else if (packB)
            {
                b = packedB + (nint)jr * kc;
                if (cols == nr)
                {
                    Debug.Assert(mc >= mr);
                    TKernel.MicroKernelPackingB(kc, packedA, bRows + jr, ldb, b, c + jr, ldc, alpha, beta);
                    ir = mr;
                }
            }
            else if (cols == nr)
            {
                b = bRows + jr;
                bStride = ldb;
            }
            else b = packedB;
            if (cols < nr && cols % TKernel.EdgeStep == 0 && mc >= mr)
            {
                // Last panel, whole vectors wide: only its real columns are computed, straight into C,
                // every full row tile in one call.
                TKernel.EdgeKernel(mc / mr, kc, packedA, b, bStride, c + jr, ldc, alpha, beta, cols);
                ir = mc / mr * mr;
            }
            for (; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* a = packedA + (nint)ir * kc;
                float* target = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    TKernel.MicroKernel(kc, a, b, bStride, target, ldc, alpha, beta);
                }
                else
                {
                    // Edge tile: compute it into scratch (only the vectors that hold real columns), then
                    // merge the valid part.
                    int width = (cols + TKernel.EdgeStep - 1) / TKernel.EdgeStep * TKernel.EdgeStep;
                    if (width == nr) TKernel.MicroKernel(kc, a, b, bStride, tile, nr, alpha, 0f);
                    else TKernel.EdgeKernel(1, kc, a, b, bStride, tile, nr, alpha, 0f, width);
                    for (int i = 0; i < rows; i++)
                    {
                        float* source = tile + i * nr;
                        float* row = target + i * ldc;
                        if (beta == 0f)
                            for (int j = 0; j < cols; j++) row[j] = source[j];
                        else
                            for (int j = 0; j < cols; j++) row[j] = source[j] + beta * row[j];
                    }
                }
            }
        }
    }

    /// <summary>C ← σ(C + bias) on rows [row0, row0 + rows) and columns [col0, col0 + cols), row segment by row segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Epilogue(ref GemmJob job, int row0, int rows, int col0, int cols)
    {
        for (int i = row0; i < row0 + rows; i++)
        {
            float* row = job.C + i * job.Ldc + col0;
            if (job.Bias != null)
                AddBias(job.Level, row, job.Bias + col0, cols);
            if (job.Activation != Activation.None)
            {
                var segment = new Span<float>(row, cols);
                Activations.Forward(job.Activation, segment, segment);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddBias(SimdLevel level, float* row, float* bias, int n)
    {
        int j = 0;
        if (level == SimdLevel.Vector512)
            for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
                (Vector512.Load(row + j) + Vector512.Load(bias + j)).Store(row + j);
        if (level >= SimdLevel.Vector256)
            for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
                (Vector256.Load(row + j) + Vector256.Load(bias + j)).Store(row + j);
        if (level >= SimdLevel.Vector128)
            for (; j + Vector128<float>.Count <= n; j += Vector128<float>.Count)
                (Vector128.Load(row + j) + Vector128.Load(bias + j)).Store(row + j);
        for (; j < n; j++) row[j] += bias[j];
    }

    /// <summary>k = 0 or alpha = 0: C = beta·C (not read when beta is 0), then the epilogue if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleOnly<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        for (int i = 0; i < job.M; i++)
        {
            var row = new Span<float>(job.C + i * job.Ldc, job.N);
            if (job.Beta == 0f) row.Clear();
            else if (job.Beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= job.Beta;
        }
        if (job.HasEpilogue) Epilogue(ref job, 0, job.M, 0, job.N);
    }
}

/// <summary>Everything one GEMM call's threads share; lives on the caller's stack for the call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct GemmJob
{
    public float* A, B, C, Bias;
    /// <summary>B prepared once for all threads: the narrow path's zero-padded copy, or the rank-1 path's contiguous row.</summary>
    public float* SharedB;
    public nint Lda, Ldb, Ldc;
    public int M, N, K;
    public float Alpha, Beta;
    public bool TransA, TransB;
    public Activation Activation;
    public bool HasEpilogue;
    public SimdLevel Level;
    public int Kc, Mc, Nc;
    /// <summary>
    /// The depth of every k block but the last: k split into equal blocks of at most Kc (784 = 4 × 196,
    /// not 3 × 256 + 16; <see cref="Gemm"/>'s BalancedStep), so no short final block pays the C traffic
    /// for little work. Depends only on the shape, so every thread blocks k the same way.
    /// </summary>
    public int KcStep;
    public int Parts;
    public bool SplitRows;
    /// <summary>
    /// When not null, the threads' shared packed op(B): all of it, k rows by PanelsPerRow NR-column
    /// panels, packed block by block as the threads first need them; PanelStates has one state per
    /// panel of each k block.
    /// </summary>
    public float* PackedB;
    public int* PanelStates;
    public int PanelsPerRow;
    /// <summary>
    /// When a row split claims its work (<see cref="Gemm"/>'s ClaimedPart): C's rows cut into Units
    /// units of whole row tiles; Claims holds, for every k block of every column block and every part,
    /// the units of that part still unclaimed (first in the low 32 bits, end in the high), and
    /// UnitPhases, for every unit, how many of those blocks are done on it.
    /// </summary>
    public int Units;
    public long* Claims;
    public long* UnitPhases;
}

/// <summary>A matrix–vector product's operands, shared by its threads; lives on the caller's stack.</summary>
internal unsafe struct VectorJob
{
    /// <summary>The GEMM call: shapes, C, alpha, beta, epilogue, level.</summary>
    public GemmJob* Job;
    /// <summary>The contiguous vector (k floats) and the caller's scratch for the length outputs.</summary>
    public float* X, Y;
    /// <summary>The matrix, read in place, with its leading dimension.</summary>
    public float* Matrix;
    public nint Ld;
    /// <summary>Whether the matrix's rows run along the outputs (<see cref="Gemv.AxpyRows"/>) or along the sum (<see cref="Gemv.DotRows"/>).</summary>
    public bool AlongY;
    public int Length;
}

/// <summary>
/// Internal tuning hooks. Tests shrink the block sizes so that KC, MC and NC boundaries are crossed
/// with small matrices (cheap under emulation), and lower the parallel threshold to exercise threads.
/// Both are per calling thread and travel to workers inside the job.
/// </summary>
internal static class GemmTuning
{
    /// <summary>
    /// m·n·k per thread below which a call does not use another thread: two threads from 2¹⁹·2 = 1 Mi
    /// multiply-adds (about 20 µs on one Zen 3 core).
    /// </summary>
    /// <remarks>
    /// Zen 3, Vector256, 2 threads ÷ 1 (13 alternating rounds, back-to-back calls): from 1 Mi on, the
    /// products gain at every path (blocked 64×64×256 ×1.26, 128×64×128 ×1.35, 32×256×128 ×1.27, 64×128×256
    /// ×1.58, 128³ ×1.73, 32×256×256 ×1.60–1.68; batch 8 and 16 of the 784-256 layer: 8×256×784 ×1.47,
    /// 784×256×8 ×1.48, the wide dot path 8×784×256 ×1.26 and 16×784×256 ×1.37–1.78, 16×256×784 ×1.57,
    /// 784×256×16 ×1.66; n = 10: 256×10×784 ×1.33, 128×10×784 ×0.97–1.03). Below, a second thread paid
    /// for some and not others: 8×256×256 ×1.22–1.28 but 64×64×128 ×0.92, 96³ ×0.96, 128×10×512 ×0.99. The
    /// threshold was 2²¹ before (two threads from 4 Mi), which left all the products above on one thread.
    /// A whole training step of the 784-256-256-10 MLP with Adam on 2 threads, 2¹⁹ ÷ 2²¹ in the same rounds
    /// (two runs, 13 and 31 rounds): batch 8 ×1.09–1.23, 16 ×1.35–1.42, 32 ×1.17–1.18, 64 and 128 ×1.00.
    /// Two threads ÷ one move far more between runs on this VM: at 2¹⁹ batch 8 ×1.01–1.51, 16 ×1.30–1.61,
    /// 32 ×1.41–1.61 over three runs; at 2²¹ batch 8 read ×0.59 in one run and ×1.22 in another.
    /// </remarks>
    public const long DefaultParallelThreshold = 1L << 19;

    [ThreadStatic] private static (int Kc, int Mc, int Nc)? t_blocks;
    [ThreadStatic] private static long t_parallelThreshold;

    /// <summary>The parallel threshold on this thread.</summary>
    public static long ParallelThreshold => t_parallelThreshold > 0 ? t_parallelThreshold : DefaultParallelThreshold;

    /// <summary>
    /// The threshold for the matrix–vector and rank-1 paths, 16 times lower (2¹⁵ by default): they are
    /// bound by memory, not FMAs, so the same work takes longer. Measured on Zen 4 (2 cores, Vector512):
    /// two threads gave 1×256×256 3.25 → 2.56 µs, 256×256×1 4.2 → 2.7 µs and 1×784×256 (δ·Wᵀ) 11.5 → 5.9 µs.
    /// </summary>
    public static long VectorParallelThreshold => Math.Max(1, ParallelThreshold / 16);

    /// <summary>Uses the given block sizes (rounded up to MR and NR multiples) on this thread until disposed.</summary>
    public static Scope OverrideBlocks(int kc, int mc, int nc)
    {
        var scope = new Scope(t_blocks, t_parallelThreshold);
        t_blocks = (kc, mc, nc);
        return scope;
    }

    /// <summary>Uses another thread for every <paramref name="threshold"/> of m·n·k on this thread until disposed.</summary>
    public static Scope OverrideParallelThreshold(long threshold)
    {
        var scope = new Scope(t_blocks, t_parallelThreshold);
        t_parallelThreshold = threshold;
        return scope;
    }

    internal static void Blocks(int kc, int mc, int nc, int mr, int nr, out int kcOut, out int mcOut, out int ncOut)
    {
        if (t_blocks is (int okc, int omc, int onc))
        {
            kc = okc;
            mc = (omc + mr - 1) / mr * mr;
            nc = (onc + nr - 1) / nr * nr;
        }
        Debug.Assert(kc > 0 && mc % mr == 0 && nc % nr == 0);
        kcOut = kc;
        mcOut = mc;
        ncOut = nc;
    }

    /// <summary>Restores the previous overrides.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly (int, int, int)? _blocks;
        private readonly long _threshold;
        internal Scope((int, int, int)? blocks, long threshold) { _blocks = blocks; _threshold = threshold; }
        public void Dispose() { t_blocks = _blocks; t_parallelThreshold = _threshold; }
    }
}
