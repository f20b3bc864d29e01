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
