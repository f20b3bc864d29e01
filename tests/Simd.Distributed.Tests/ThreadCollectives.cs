namespace Simd.Distributed.Tests;

/// <summary>
/// <see cref="ICollectives"/> over threads of one process, for tests without mpirun: <see cref="Run"/> starts one
/// thread per rank and every collective is a copy through shared memory between two barrier phases. A rank that
/// fails drops out of the barrier, and a rank whose collective completed without it fails too instead of waiting forever.
/// </summary>
internal sealed class ThreadCollectives : ICollectives
{
    private readonly Group _group;

    private ThreadCollectives(Group group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    public int Rank { get; }
    public int Size => _group.Size;

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> threads, one per rank, and returns each rank's result in rank order.</summary>
    public static T[] Run<T>(int size, Func<ICollectives, T> body)
    {
        var group = new Group(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = new Thread[size];
        for (int r = 0; r < size; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try { results[rank] = body(new ThreadCollectives(group, rank)); }
                catch (Exception error)
                {
                    errors[rank] = error;
                    Interlocked.CompareExchange(ref group.FailedPhase, group.Barrier.CurrentPhaseNumber, long.MaxValue);
                    group.Barrier.RemoveParticipant();
                }
            }, 16 << 20);
            threads[r].Start();
        }
        foreach (Thread thread in threads) thread.Join();
        Exception[] failed = [.. errors.OfType<Exception>()];
        if (failed.Length > 0) throw new AggregateException($"{failed.Length} of {size} ranks failed", failed);
        return results;
    }

    public void Broadcast(Span<float> data, int root)
    {
        if (Rank == root) _group.Floats[root] = data.ToArray();
        Wait();
        _group.Floats[root]!.AsSpan().CopyTo(data);
        Wait();
    }

    public void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        if (all.Length != Size * mine.Length) throw new ArgumentException("all has the wrong length", nameof(all));
        _group.Doubles[Rank] = mine.ToArray();
        Wait();
        for (int r = 0; r < Size; r++) _group.Doubles[r]!.AsSpan().CopyTo(all.Slice(r * mine.Length, mine.Length));
        Wait();
    }

    public void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source)
    {
        _group.Mailboxes[destination, Rank] = send.ToArray();
        Wait();
        float[] message = _group.Mailboxes[Rank, source]!;
        if (message.Length != receive.Length) throw new InvalidOperationException($"rank {Rank} expects {receive.Length} floats from {source}, which sent {message.Length}");
        message.AsSpan().CopyTo(receive);
        Wait();
    }

    private void Wait()
    {
        // A phase that completed after a rank dropped out completed without it: the collective did not happen.
        long phase = _group.Barrier.CurrentPhaseNumber;
        if (!_group.Barrier.SignalAndWait(TimeSpan.FromSeconds(60)) || Volatile.Read(ref _group.FailedPhase) <= phase)
            throw new TimeoutException($"rank {Rank}: another rank failed or did not reach the collective");
    }

    private sealed class Group(int size)
    {
        public int Size { get; } = size;
        public Barrier Barrier { get; } = new(size);
        public float[]?[] Floats { get; } = new float[size][];
        public double[]?[] Doubles { get; } = new double[size][];
        public float[]?[,] Mailboxes { get; } = new float[size, size][];
        public long FailedPhase = long.MaxValue; // the barrier phase during which the first rank failed
    }
}
