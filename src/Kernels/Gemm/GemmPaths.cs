using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The ways a GEMM is computed; <see cref="GemmPaths.Choose"/> maps a call to one.</summary>
internal enum GemmPath
{
    /// <summary>k = 0 or alpha = 0: C = beta·C, then the epilogue (<see cref="GemmEpilogue.ScaleOnly"/>).</summary>
    ScaleOnly,
    /// <summary>One row or one column of C: a matrix–vector product (<see cref="VectorGemm.Vector"/>).</summary>
    Vector,
    /// <summary>k = 1: an outer product (<see cref="VectorGemm.RankOne"/>).</summary>
    RankOne,
    /// <summary>n ≤ 16 with a narrow kernel: rows of A in place against a k×16 copy of B (<see cref="NarrowGemm"/>).</summary>
    Narrow,
    /// <summary>n ≤ 16, each element a dot product of a row of A with a row of op(B)ᵀ (<see cref="DotGemm.Dots"/>).</summary>
    Dots,
    /// <summary>n ≤ 16, vectors running down the rows of C (<see cref="ColumnGemm"/>).</summary>
    Columns,
    /// <summary>A small batch times a transposed B: dot products, nothing packed (<see cref="DotGemm.WideDots"/>).</summary>
    WideDots,
    /// <summary>Everything else: the five BLIS loops around the micro-kernel (<see cref="BlockedGemm"/>).</summary>
    Blocked,
}

/// <summary>Which small-shape kernels a level has beside its micro-kernel (<see cref="IGemmKernel.SmallKernels"/>).</summary>
internal enum SmallKernels
{
    /// <summary>Only the micro-kernel: every product with k ≥ 2, m ≥ 2 and n ≥ 2 is blocked.</summary>
    None,
    /// <summary>The narrow kernel for n ≤ 16 (<see cref="IGemmKernel.NarrowKernel"/>).</summary>
    Narrow,
    /// <summary>The column and dot kernels (<see cref="IGemmKernel.ColumnKernel"/>, <see cref="IGemmKernel.DotKernel"/>).</summary>
    DotsAndColumns,
}

/// <summary>Work that takes a level's kernel struct as a type argument; see <see cref="GemmPaths.WithKernel"/>.</summary>
internal interface IKernelAction
{
    void Invoke<TKernel>() where TKernel : IGemmKernel;
}

/// <summary>
/// The one place that decides how a GEMM is computed: the level registry (<see cref="WithKernel"/>,
/// one line per level) and the path table (<see cref="Choose"/>). Every path computes each element of C
/// in an order that depends only on the shape, the transposes and the level, never on the thread count.
/// </summary>
internal static unsafe class GemmPaths
{
    /// <summary>Widest C that takes a narrow path (narrow, dots, columns): the width of the narrow kernels' B rows.</summary>
    internal const int NarrowColumns = 16;

    /// <summary>
    /// The level registry: runs <paramref name="action"/> with the level's kernel struct as its type
    /// argument, so the JIT compiles the action once per level with the kernel's sizes as constants. A new
    /// level is its kernel file in Gemm/Isa and one line here; the GEMM, its tests and the micro-kernel
    /// benchmark all reach the kernels through this switch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WithKernel<TAction>(SimdLevel level, ref TAction action) where TAction : struct, IKernelAction
    {
        switch (level)
        {
            case SimdLevel.Vector512: action.Invoke<Vector512Kernel>(); break;
            case SimdLevel.Vector256: action.Invoke<Vector256Kernel>(); break;
            case SimdLevel.Vector128: action.Invoke<Vector128Kernel>(); break;
            default: action.Invoke<ScalarKernel>(); break;
        }
    }

    /// <summary>The job at its level, on the path the table gives.</summary>
    public static void Run(ref GemmJob job)
    {
        fixed (GemmJob* context = &job)
        {
            var run = new RunJob { Job = context };
            WithKernel(job.Level, ref run);
        }
    }

    private struct RunJob : IKernelAction
    {
        public GemmJob* Job;
        public readonly void Invoke<TKernel>() where TKernel : IGemmKernel => Run<TKernel>(ref *Job);
    }

    /// <summary>The job on the path <see cref="Choose"/> gives, specialized by the JIT for the level's kernel.</summary>
    private static void Run<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        switch (Choose<TKernel>(ref job))
        {
            case GemmPath.ScaleOnly: GemmEpilogue.ScaleOnly(ref job); break;
            case GemmPath.Vector: VectorGemm.Vector(ref job); break;
            case GemmPath.RankOne: VectorGemm.RankOne(ref job); break;
            // The guards are constants per kernel: the JIT drops the paths of small kernels a level lacks.
            case GemmPath.Narrow when TKernel.SmallKernels == SmallKernels.Narrow: NarrowGemm.Narrow<TKernel>(ref job); break;
            case GemmPath.Dots when TKernel.SmallKernels == SmallKernels.DotsAndColumns: DotGemm.Dots<TKernel>(ref job); break;
            case GemmPath.Columns when TKernel.SmallKernels == SmallKernels.DotsAndColumns: ColumnGemm.Columns<TKernel>(ref job); break;
            case GemmPath.WideDots when TKernel.SmallKernels == SmallKernels.DotsAndColumns: DotGemm.WideDots<TKernel>(ref job); break;
            default: BlockedGemm.Run<TKernel>(ref job); break;
        }
    }

    /// <summary>
    /// The path table, (shape, transposes, level) → path, first match wins. Vector and rank-1 products
    /// read the matrix once in place instead of packing MR-row panels that are mostly zero padding.
    /// For n ≤ 16, packing A would cost about as much as the product: a level's small kernels read A in
    /// place. Dots rather than columns when k is at least one vector and either m is below one column
    /// block (the column path would compute a whole zero-padded block) or A's rows run along a deep sum.
    /// Wide dots when a small batch meets a transposed B with a deep sum (δ·Wᵀ): the blocked path would
    /// transpose all of B into panels, k·n floats, for few rows. The thresholds are the level's
    /// (<see cref="IGemmKernel.DotMinDepth"/>, <see cref="IGemmKernel.WideDotMaxRows"/>,
    /// <see cref="IGemmKernel.WideDotDepthPerRow"/>), chosen by measurement (perf-results/tuning).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static GemmPath Choose<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        int m = job.M, n = job.N, k = job.K;
        bool narrow = n <= NarrowColumns;
        if (k == 0) return GemmPath.ScaleOnly;
        if (m == 1 || n == 1) return GemmPath.Vector;
        if (k == 1) return GemmPath.RankOne;
        switch (TKernel.SmallKernels)
        {
            case SmallKernels.Narrow when narrow:
                return GemmPath.Narrow;
            case SmallKernels.DotsAndColumns when narrow:
                return k >= TKernel.DotLanes && (m < TKernel.ColumnRows || !job.TransA && k >= TKernel.DotMinDepth) ? GemmPath.Dots : GemmPath.Columns;
            case SmallKernels.DotsAndColumns when !job.TransA && job.TransB && m <= TKernel.WideDotMaxRows && k >= TKernel.WideDotDepthPerRow * m:
                return GemmPath.WideDots;
            default:
                return GemmPath.Blocked;
        }
    }

    /// <summary>
    /// The vectors of the matrix–vector path's dot products (<see cref="Gemv.DotRows"/>) for a sum of k
    /// at a level: the widest that fit in k, since a sum shorter than one vector would run entirely in the
    /// scalar remainder (δ·Wᵀ for a 10-class output layer has k = 10); and for 8 ≤ k &lt; 16 at 256 bits
    /// (or 512, whose vectors are wider than the row), <paramref name="shortRows"/>: eight rows at a time
    /// with vectors across the rows (<see cref="Gemv"/>'s DotShortRows). Depends on the level and k only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static SimdLevel DotRowsWidth(SimdLevel level, int k, out bool shortRows)
    {
        if (level == SimdLevel.Vector512 && k < 16) level = SimdLevel.Vector256;
        if (level == SimdLevel.Vector256 && k < 8) level = SimdLevel.Vector128;
        shortRows = level == SimdLevel.Vector256 && k < 16;
        return level;
    }
}
