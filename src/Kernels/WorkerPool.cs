using System.Runtime.ExceptionServices;

namespace Simd.Kernels;

/// <summary>
/// The library's persistent worker threads. Threads are started once (lazily, up to the largest count
/// ever asked for) and woken per call; a call allocates nothing. The calling thread takes part as
/// part 0. Calls from several threads at once do not queue: a caller that finds the pool busy runs
/// all parts itself, which gives the same result because parts never share output.
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly Lock s_gate = new();
    private static Worker[] s_workers = [];
    private static delegate*<void*, int, int, void> s_body;
    private static void* s_context;
    private static int s_count;
    private static int s_remaining;
    private static ExceptionDispatchInfo? s_error;
    private static readonly ManualResetEventSlim s_done = new(false, 200);

    /// <summary>
    /// Runs body(context, part, count) for part = 0 .. count − 1, part 0 on the calling thread and the
    /// others on workers, and returns when all have finished. Rethrows the first exception a part threw.
    /// </summary>
    public static void Run(delegate*<void*, int, int, void> body, void* context, int count)
    {
        if (count <= 1 || !s_gate.TryEnter())
        {
            for (int part = 0; part < count; part++) body(context, part, count);
            return;
        }
        try
        {
            EnsureWorkers(count - 1);
            s_body = body;
            s_context = context;
            s_count = count;
            s_error = null;
            Volatile.Write(ref s_remaining, count - 1);
            for (int w = 0; w < count - 1; w++) s_workers[w].Start.Set();
            try
            {
                body(context, 0, count);
            }
            finally
            {
                s_done.Wait();
                s_done.Reset();
            }
            s_error?.Throw();
        }
        finally
        {
            s_gate.Exit();
        }
    }

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
        public readonly ManualResetEventSlim Start = new(false, 200);
        private readonly int _part;

        public Worker(int part)
        {
            _part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Simd.Kernels worker {part}" };
            thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                Start.Wait();
                Start.Reset();
                try
                {
                    s_body(s_context, _part, s_count);
                }
                catch (Exception error)
                {
                    Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(error), null);
                }
                if (Interlocked.Decrement(ref s_remaining) == 0) s_done.Set();
            }
        }
    }
}
