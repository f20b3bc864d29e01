using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>
/// Software prefetch for the row operators whose arrays stream from beyond L2 (the recurrent layers' per-step
/// slices of whole-sequence buffers), where the hardware prefetchers, following a dozen streams at once, leave
/// the loads waiting (perf-results/rnn-steps.md, "Gate kernels").
/// </summary>
internal static unsafe class CachePrefetch
{
    /// <summary>
    /// Asks for the two cache lines of the 32 floats at <paramref name="p"/> (one ComputeStorePair512's columns
    /// of one array) in L1. Only x64 has a prefetch instruction in .NET; elsewhere this does nothing. A prefetch
    /// never faults and changes no result, so an address past an array's end (the row after the last) is harmless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pair(float* p)
    {
        if (!Sse.IsSupported) return;
        Sse.Prefetch0(p);
        Sse.Prefetch0(p + 16);
    }
}
