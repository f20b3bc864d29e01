using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>Support shared by the micro-kernels.</summary>
internal static unsafe class MicroKernelSupport
{
    /// <summary>
    /// How many k steps ahead a packing micro-kernel prefetches the B rows it reads in place. Rows are
    /// ldb apart, a stride the hardware prefetchers follow poorly. Measured on Zen 3 (4×24, 21 rounds,
    /// against no prefetch): 6 to 12 rows all gained 2–5% on 64–128×256×784; 2 gained less.
    /// </summary>
    /// <remarks>
    /// The packing tiles still run about 2.2 times as long as the others: in a perf profile of
    /// 32×256×784 (Vector256, one thread) they took 14% of the samples for an eighth of the full
    /// panels' work. Prefetching the next panel's rows from the packed tiles before it instead (tiles 1
    /// to 4 of a panel a quarter of the rows each, one row per 4 k steps) made the packing tiles 9%
    /// faster and the other tiles 7% slower (14.2 → 12.9% and 44.9 → 48.1% of the samples):
    /// fetching B from L3 costs the core about the same wherever it happens. Zen 3, 15–25 alternating
    /// rounds, three runs: 32×256×784 ×1.01–1.06, 64×256×784 ×1.01–1.02, 128×256×784 ×1.00–1.01,
    /// 32×512×784 ×1.00, 256³ ×0.96–1.01, beside repeat controls of ×0.98–1.04. Not adopted.
    /// </remarks>
    public const int PackingPrefetchRows = 8;

    /// <summary>
    /// Asks for the rows×width tile of C at c (rows ldc apart) in L1, at the start of a micro-kernel, so
    /// that its loads after the k loop do not wait on L2 or L3. C rows of a wide matrix share L1 sets
    /// (4 KiB apart for 1024 columns) and a C block does not stay in L2 next to the packed blocks, so
    /// without it every tile update stalls: 1024³ ran at 84% of the FMA roof instead of 92%. Only x64
    /// has a prefetch instruction in .NET; elsewhere this does nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchTile(float* c, nint ldc, int rows, int width)
    {
        for (int i = 0; i < rows; i++) PrefetchRow(c + i * ldc, width);
    }

    /// <summary>Asks for every cache line of the width floats at row in L1 (x64 only; elsewhere nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchRow(float* row, int width)
    {
        if (!Sse.IsSupported) return;
        for (int j = 0; j < width; j += 16) Sse.Prefetch0(row + j);
        Sse.Prefetch0(row + width - 1);
    }
}
