namespace Simd.Network.Tests;

/// <summary>The steady-state allocation check the trainer tests share.</summary>
internal static class Allocations
{
    /// <summary>
    /// Asserts that after three warm-up calls some window of ten consecutive calls of <paramref name="step"/>
    /// allocates nothing on this thread. Tiered JIT can allocate a few hundred bytes once, on the calling
    /// thread, at the moment a method is promoted (seen under CPU load), so several windows are tried; a step
    /// that allocates every time fails every window.
    /// </summary>
    public static void AssertSteadyStateAllocatesNothing(Action step, string name)
    {
        for (int i = 0; i < 3; i++) step();
        long allocated = long.MaxValue;
        for (int window = 0; window < 5 && allocated != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) step();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated == 0, $"{name}: every window of ten calls allocated; the last {allocated} bytes");
    }
}
