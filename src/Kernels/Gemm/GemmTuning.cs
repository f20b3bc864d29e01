using System.Diagnostics;

namespace Simd.Kernels;

/// <summary>
/// Internal tuning hooks. Tests shrink the block sizes so that KC, MC and NC boundaries are crossed
/// with small matrices (cheap under emulation), and lower the parallel threshold to exercise threads.
/// Both are per calling thread and travel to workers inside the job.
/// </summary>
internal static class GemmTuning
{
    /// <summary>
    /// m·n·k per thread below which a call does not use another thread: two threads from 2¹⁹·2 = 1 Mi
    /// multiply-adds (tens of µs on one core).
    /// </summary>
    /// <remarks>
    /// Above it a second thread paid on every path, and for the training steps of small batches;
    /// below it, for some products and not others. Measurements:
    /// perf-results/tuning/gemm-threads.md.
    /// </remarks>
    public const long DefaultParallelThreshold = 1L << 19;

    [ThreadStatic] private static (int Kc, int Mc, int Nc)? t_blocks;
    [ThreadStatic] private static long t_parallelThreshold;

    /// <summary>The parallel threshold on this thread.</summary>
    public static long ParallelThreshold => t_parallelThreshold > 0 ? t_parallelThreshold : DefaultParallelThreshold;

    /// <summary>
    /// The threshold for the matrix–vector and rank-1 paths, 16 times lower (2¹⁵ by default): they are
    /// bound by memory, not FMAs, so the same work takes longer and a second thread pays sooner
    /// (perf-results/tuning/gemm-threads.md).
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
