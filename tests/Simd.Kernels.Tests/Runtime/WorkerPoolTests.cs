namespace Simd.Kernels.Tests;

/// <summary>
/// The pool hands parts out through a shared counter that the caller and the workers claim from, and
/// closes it between calls. Many back-to-back calls of changing part counts must run every part
/// exactly once (a worker that claims late must neither repeat a part nor check a claim from one call
/// against the next call's count), and an exception in a part must reach the caller and leave the pool usable.
/// </summary>
[Collection(nameof(IsolatedCollection))]
public unsafe class WorkerPoolTests
{
    private const int MostParts = 9;

    private static void CountPart(void* context, int part, int count)
    {
        int* runs = (int*)context;
        Interlocked.Increment(ref runs[part]);
        Interlocked.Increment(ref runs[MostParts + count]);
    }

    [Fact]
    public void EveryPartRunsExactlyOnceInEveryCall()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = MostParts;
        int* runs = stackalloc int[2 * MostParts + 1];
        for (int call = 0; call < 20_000; call++)
        {
            int count = 2 + call % (MostParts - 1);
            new Span<int>(runs, 2 * MostParts + 1).Clear();
            WorkerPool.Run(&CountPart, runs, count);
            for (int part = 0; part < MostParts; part++)
                Assert.True(runs[part] == (part < count ? 1 : 0), $"call {call} with {count} parts: part {part} ran {runs[part]} times");
            Assert.True(runs[MostParts + count] == count, $"call {call}: {runs[MostParts + count]} parts saw count {count}");
        }
    }

    private static void ThrowInPartOne(void* context, int part, int count)
    {
        if (part == 1) throw new InvalidOperationException("part 1 failed");
    }

    [Fact]
    public void AnExceptionInAPartReachesTheCallerAndThePoolStaysUsable()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = 3;
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(&ThrowInPartOne, null, 3));
        Assert.Equal("part 1 failed", error.Message);
        int* runs = stackalloc int[2 * MostParts + 1];
        new Span<int>(runs, 2 * MostParts + 1).Clear();
        WorkerPool.Run(&CountPart, runs, 4);
        Assert.Equal(4, runs[0] + runs[1] + runs[2] + runs[3]);
    }
}
