using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>Support shared by the micro-kernels.</summary>
internal static unsafe class MicroKernelSupport
{
    /// <summary>
    /// How many k steps ahead a packing micro-kernel prefetches the B rows it reads in place. Rows are
    /// ldb apart, a stride the hardware prefetchers follow poorly; 6 to 12 rows ahead measured alike,
    /// 2 less (perf-results/tuning/gemm-vector256.md).
    /// </summary>
    /// <remarks>
    /// Prefetching the next panel's rows from the packed tiles instead only moved the cost between
    /// tiles. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    public const int PackingPrefetchRows = 8;

    /// <summary>
    /// Asks for the rows×width tile of C at c (rows ldc apart) in L1, at the start of a micro-kernel, so
    /// that its loads after the k loop do not wait on L2 or L3. C rows of a wide matrix share L1 sets
    /// (4 KiB apart for 1024 columns) and a C block does not stay in L2 next to the packed blocks, so
    /// without it every tile update stalls (perf-results/tuning/gemm-vector256.md). Only x64
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
