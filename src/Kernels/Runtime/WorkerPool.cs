using System.Runtime.ExceptionServices;

namespace Simd.Kernels;

/// <summary>
/// The library's persistent worker threads. Threads are started once (lazily, up to the largest count
/// ever asked for, and never more than <see cref="Parallelism.MaxDegreeOfParallelism"/> − 1, which is at
/// most <see cref="Parallelism.ProcessorLimit"/> − 1) and woken per call; a call allocates nothing. The
/// calling thread and the woken workers claim parts from a shared counter until none is left, so a
/// worker that wakes late (a busy or oversubscribed machine) never holds the call up: the caller runs
/// the parts nobody has claimed, and a call may have more parts than threads. Which thread runs a part
/// never changes its result, because parts never share output. Calls from several threads at once do
/// not queue: a caller that finds the pool busy runs all parts itself.
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly Lock s_gate = new();
    private static Worker[] s_workers = [];
    private static delegate*<void*, int, int, void> s_body;
    private static void* s_context;
    /// <summary>
    /// The current call's part count (high 32 bits) and next unclaimed part (low 32 bits), 0 between calls.
    /// One word, so that a claim is always checked against the count of the call it was taken from: a
    /// worker that woke for an earlier call can never run a part of the next call with that call's count
    /// read after the counter was reset (which ran part 5 of a 7-part call twice in WorkerPoolTests).
    /// </summary>
    private static long s_work;
    private static int s_unfinished;
    private static ExceptionDispatchInfo? s_error;

    /// <summary>
    /// Spins before a wait blocks, the most ManualResetEventSlim takes. A training step calls the pool
    /// every few tens of microseconds; spinning keeps the workers awake between those calls instead of
    /// paying a kernel wake-up each time (perf-results/tuning/element-wise.md).
    /// </summary>
    private const int SpinCount = 2047;
    private static readonly ManualResetEventSlim s_done = new(false, SpinCount);

    /// <summary>
    /// Runs body(context, part, count) for part = 0 .. count − 1 on the calling thread and up to
    /// min(count, <see cref="Parallelism.MaxDegreeOfParallelism"/>) − 1 workers it wakes, and returns when
    /// all have finished. Rethrows the first exception a part threw. A worker woken by an earlier call that
    /// wakes only now may help too (it claims from the same counter), so a call can briefly run on more
    /// threads than it woke, never on more than the pool has; with the setting at 1 it runs on the caller only.
    /// </summary>
    public static void Run(delegate*<void*, int, int, void> body, void* context, int count)
    {
        int helpers = Math.Min(count, Parallelism.MaxDegreeOfParallelism) - 1;
        s_lastCallHelpers = Math.Max(helpers, 0);
        if (helpers <= 0 || !s_gate.TryEnter())
        {
            for (int part = 0; part < count; part++) body(context, part, count);
            return;
        }
        try
        {
            EnsureWorkers(helpers);
            s_body = body;
            s_context = context;
            s_error = null;
            s_unfinished = count;
            // Opening the call publishes the writes above to every thread that claims a part of it.
            Volatile.Write(ref s_work, (long)count << 32);
            for (int w = 0; w < helpers; w++) s_workers[w].Start.Set();
            RunParts();
            s_done.Wait();
            s_done.Reset();
            Volatile.Write(ref s_work, 0);
            s_error?.Throw();
        }
        finally
        {
            s_gate.Exit();
        }
    }

    /// <summary>Claims and runs parts of the current call until none is left.</summary>
    private static void RunParts()
    {
        while (true)
        {
            long claim = Interlocked.Increment(ref s_work) - 1;
            int count = (int)(claim >> 32), part = (int)(claim & uint.MaxValue);
            if (part >= count) return;
            try
            {
                s_body(s_context, part, count);
            }
            catch (Exception error)
            {
                Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(error), null);
            }
            if (Interlocked.Decrement(ref s_unfinished) == 0) s_done.Set();
        }
    }

    /// <summary>How many worker threads the pool has started (for tests of the bound).</summary>
    internal static int WorkerCount => s_workers.Length;

    /// <summary>How many workers the latest call asked to help (for tests of the setting).</summary>
    internal static int LastCallHelpers => s_lastCallHelpers;

    private static int s_lastCallHelpers;

    private static void EnsureWorkers(int needed)
    {
        if (s_workers.Length >= needed) return;
        var workers = new Worker[needed];
        Array.Copy(s_workers, workers, s_workers.Length);
        for (int w = s_workers.Length; w < needed; w++) workers[w] = new Worker(w + 1);
        s_workers = workers;
    }

    private sealed class Worker
    {
        public readonly ManualResetEventSlim Start = new(false, SpinCount);

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Simd.Kernels worker {index}" };
            thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Start.Reset();
                RunParts();
            }
        }
    }
}
