namespace Simd.Kernels.Tests;

/// <summary>
/// The one thread setting: bounded by the processor count (larger values are clamped, values below 1
/// refused), and honoured by the worker pool and the element-wise splits. Alone, because it changes
/// process-wide settings and counts the pool's workers.
/// </summary>
[Collection(nameof(IsolatedCollection))]
public unsafe class ParallelismTests
{
    [Fact]
    public void AValueAboveTheProcessorCountIsClampedToIt()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.ProcessorLimit = Environment.ProcessorCount;
        Parallelism.MaxDegreeOfParallelism = 1000;
        Assert.Equal(Environment.ProcessorCount, Parallelism.MaxDegreeOfParallelism);
        Parallelism.MaxDegreeOfParallelism = 1;
        Assert.Equal(1, Parallelism.MaxDegreeOfParallelism);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void AValueBelowOneIsRefusedAndLeavesTheSettingAlone(int value)
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = 2;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxDegreeOfParallelism = value);
        Assert.Equal("value", error.ParamName);
        Assert.Equal(2, Parallelism.MaxDegreeOfParallelism);
    }

    [Fact]
    public void LoweringTheBoundLowersTheSetting()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = 6;
        Parallelism.ProcessorLimit = 3;
        Assert.Equal(3, Parallelism.MaxDegreeOfParallelism);
    }

    private static void Nothing(void* context, int part, int count) { }

    [Fact]
    public void ThePoolNeverStartsMoreWorkersThanTheBound()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.ProcessorLimit = Environment.ProcessorCount;
        int before = WorkerPool.WorkerCount;
        Parallelism.MaxDegreeOfParallelism = 1000;
        WorkerPool.Run(&Nothing, null, 500);
        float[] g = TestSupport.Uniform(64 * 32768, 1), w = new float[g.Length];
        OptimizerUpdates.Sgd(g, w, 0.1f);
        Assert.True(WorkerPool.WorkerCount <= Math.Max(before, Environment.ProcessorCount - 1),
            $"the pool has {WorkerPool.WorkerCount} workers (had {before}) on {Environment.ProcessorCount} processors");
    }

    /// <summary>Records the thread that ran each part; each part spins a little so that woken workers get to claim parts.</summary>
    private static void RecordThread(void* context, int part, int count)
    {
        ((int*)context)[part] = Environment.CurrentManagedThreadId;
        for (var spin = System.Diagnostics.Stopwatch.StartNew(); spin.Elapsed.TotalMicroseconds < 300;) Thread.SpinWait(20);
    }

    /// <summary>
    /// A call wakes min(parts, setting) − 1 workers; at setting 1 every part runs on the caller. (A worker
    /// woken by an earlier call may still join late, so thread counts above 1 are checked through the
    /// number of workers each call wakes rather than the threads seen.)
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ACallWakesAtMostMaxDegreeOfParallelismMinusOneWorkers(int threads)
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = threads;
        const int Parts = 8;
        int* ids = stackalloc int[Parts];
        for (int call = 0; call < 20; call++)
        {
            WorkerPool.Run(&RecordThread, ids, Parts);
            Assert.Equal(threads - 1, WorkerPool.LastCallHelpers);
            int distinct = new ReadOnlySpan<int>(ids, Parts).ToArray().Distinct().Count();
            if (threads == 1)
                Assert.True(distinct == 1 && ids[0] == Environment.CurrentManagedThreadId, $"call {call}: {Parts} parts ran on {distinct} threads with MaxDegreeOfParallelism 1");
        }
        float[] g = TestSupport.Uniform(8 * 32768, 1), w = new float[g.Length];
        OptimizerUpdates.Sgd(g, w, 0.1f);
        Assert.Equal(threads - 1, WorkerPool.LastCallHelpers);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void LongElementWiseUpdatesSplitIntoAtMostTheSetting(int threads)
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = threads;
        Assert.Equal(threads, ParallelMap.Parts(1 << 22));
        Assert.Equal(Math.Min(threads, 3), ParallelMap.Parts(3 * 32768 + 13));
        Assert.Equal(1, ParallelMap.Parts(ParallelMap.MinimumLength - 1));
    }
}
