using System.Globalization;
using System.Runtime.InteropServices;
using Simd.Network;

namespace Simd.Distributed.Tests;

/// <summary>
/// The checks that need Open MPI and real ranks: <c>mpirun -np R dotnet Simd.Distributed.Tests.dll --mpi-check</c>. It checks
/// the binding against the installed libmpi.so.40 (handles, exports), its collectives, the fixed-order sum against MPI_Allreduce and against its stated order, data-parallel training
/// against one process (each rank also trains the single-process reference itself), that every rank holds the same bits,
/// and that a steady-state data-parallel step allocates nothing. Rank 0 prints one line per check and a line
/// "hashes: ..." of the trained replicas, which two runs with the same R must print identically (bitwise repeatability
/// across runs; .ci/distributed.sh compares them). Exit status 0 when every check passed on every rank, 1 otherwise.
/// </summary>
public static class MultiRankCheck
{
    private const double Tolerance = 2e-5;

    /// <summary>Entry point of the test assembly when run as a program.</summary>
    public static int Main(string[] args)
    {
        if (args is not ["--mpi-check"])
        {
            Console.Error.WriteLine("usage: mpirun -np R dotnet Simd.Distributed.Tests.dll --mpi-check   (the xunit tests run with dotnet test)");
            return 2;
        }
        using MpiCommunicator world = MpiCommunicator.InitializeWorld();
        try { return Checks(world); }
        catch (Exception error)
        {
            // Checks catch their own exceptions; this is for the rest, which would otherwise leave the other ranks waiting.
            Console.Error.WriteLine($"rank {world.Rank}: {error}");
            world.Abort(1);
            throw;
        }
    }

    private static int Checks(MpiCommunicator world)
    {
        var failures = new List<string>();
        var hashes = new List<string>();
        void Check(string name, Func<string?> body)
        {
            string? problem;
            try { problem = body(); }
            catch (Exception error) { problem = $"{error.GetType().Name}: {error.Message}"; }
            if (problem is not null) failures.Add($"{name}: {problem}");
            if (world.Rank == 0) Console.WriteLine($"{(problem is null ? "ok  " : "FAIL")} {name}{(problem is null ? "" : $" (rank 0: {problem})")}");
        }

        Check("binding: predefined handles resolve to distinct addresses, every bound function is exported", Binding);
        Check("collectives: broadcast, all-gather, send-receive", () => Collectives(world));
        Check("fixed-order sum equals MPI_Allreduce on exact values and follows its stated order", () => FixedOrderSum(world));
        foreach ((int[] batches, string optimizer) in new[] { (new[] { 16, 16, 9 }, "adam"), (new[] { 10, 3, 1 }, "momentum") })
            Check($"MLP batches {string.Join(",", batches)} ({optimizer}, L2, clipping) equals one process", () =>
            {
                Scenarios.Result single = Scenarios.MlpSingle(batches, optimizer, 1e-3f, 0.3f);
                Scenarios.Result parallel = Scenarios.MlpDataParallel(world, batches, optimizer, 1e-3f, 0.3f);
                hashes.Add(parallel.Hash.ToString("x16", CultureInfo.InvariantCulture));
                return Compare(single, parallel);
            });
        foreach (string cell in new[] { "elman", "gru" })
            Check($"sequence model ({cell}, {Scenarios.Streams} streams, embedding rows by rank) equals one process", () =>
            {
                Scenarios.Result single = Scenarios.SequenceSingle(cell, "adam", SequenceReduction.MeanOverTokens, 1f, 1e-3f);
                Scenarios.Result parallel = Scenarios.SequenceDataParallel(world, cell, "adam", SequenceReduction.MeanOverTokens, 1f, 1e-3f);
                hashes.Add(parallel.Hash.ToString("x16", CultureInfo.InvariantCulture));
                return Compare(single, parallel);
            });
        Check("a steady-state data-parallel step allocates nothing (MLP)", () => Allocation(world));
        Check("a steady-state data-parallel step allocates nothing (sequence model)", () => SequenceAllocation(world));

        var counts = new double[world.Size];
        world.AllGather([failures.Count], counts);
        foreach (string failure in failures) Console.Error.WriteLine($"rank {world.Rank}: {failure}");
        if (world.Rank == 0)
        {
            Console.WriteLine($"hashes: {string.Join(" ", hashes)}");
            Console.WriteLine($"{world.Size} ranks: {counts.Sum()} failed checks in all");
        }
        return counts.Sum() == 0 ? 0 : 1;
    }

    private static string? Compare(Scenarios.Result single, Scenarios.Result parallel)
    {
        double values = Scenarios.MaxRelativeDifference(parallel.Values, single.Values);
        double gradient = Scenarios.MaxRelativeDifference(parallel.Gradient, single.Gradient);
        double losses = Scenarios.MaxRelativeDifference(parallel.Losses, single.Losses);
        return values <= Tolerance && gradient <= Tolerance && losses <= Tolerance ? null
            : $"largest relative differences: parameters {values:G3}, gradient {gradient:G3}, losses {losses:G3} (tolerance {Tolerance})";
    }

    private static string? Binding()
    {
        MpiNative.Handles handles = MpiNative.Predefined;
        nint[] all = [handles.CommWorld, handles.Float, handles.Double, handles.Byte, handles.Sum, handles.ErrorsReturn];
        if (all.Contains(0) || all.Distinct().Count() != all.Length) return $"handles {string.Join(", ", all)} are not distinct and non-null";
        nint library = NativeLibrary.Load(MpiNative.Library);
        string[] functions = [.. typeof(MpiNative).GetMethods().Where(m => m.Name.StartsWith("MPI_", StringComparison.Ordinal)).Select(m => m.Name).Distinct()];
        string[] missing = [.. functions.Where(f => !NativeLibrary.TryGetExport(library, f, out _))];
        return functions.Length != 14 ? $"{functions.Length} bound MPI functions, expected 14"
            : missing.Length > 0 ? $"{MpiNative.Library} does not export {string.Join(", ", missing)}" : null;
    }

    private static string? Collectives(MpiCommunicator world)
    {
        float[] data = [.. Enumerable.Range(0, 5).Select(i => world.Rank * 10f + i)];
        world.Broadcast(data, world.Size - 1);
        if (!data.SequenceEqual(Enumerable.Range(0, 5).Select(i => (world.Size - 1) * 10f + i))) return "broadcast from the last rank did not arrive";
        var all = new double[2 * world.Size];
        world.AllGather([world.Rank, -world.Rank], all);
        for (int r = 0; r < world.Size; r++)
            if (all[2 * r] != r || all[2 * r + 1] != -r) return $"all-gather entry of rank {r} is ({all[2 * r]}, {all[2 * r + 1]})";
        var received = new float[3];
        world.SendReceive([world.Rank, world.Rank, world.Rank], (world.Rank + 1) % world.Size, received, (world.Rank + world.Size - 1) % world.Size);
        float previous = (world.Rank + world.Size - 1) % world.Size;
        return received.All(v => v == previous) ? null : $"received {string.Join(",", received)} from the previous rank, expected {previous}";
    }

    private static float[] RankData(int rank, int length, bool integers) =>
        [.. Enumerable.Range(0, length).Select(i => integers ? (float)((i * 7 + rank * 13) % 1001 - 500) : (float)Math.Sin(0.37 * i + 1.3 * rank) * (1 + rank) * 1e3f)];

    private static string? FixedOrderSum(MpiCommunicator world)
    {
        foreach (int length in new[] { 1, 1001, 270_000 })
        {
            float[] ring = RankData(world.Rank, length, integers: true), mpi = (float[])ring.Clone();
            new FixedOrderAllReduce(world, length).Sum(ring);
            world.AllReduceSum(mpi);
            if (!ring.AsSpan().SequenceEqual(mpi)) return $"length {length}: the ring sum differs from MPI_Allreduce on integer values";

            float[] data = RankData(world.Rank, length, integers: false);
            new FixedOrderAllReduce(world, length).Sum(data);
            for (int i = 0; i < length; i++)
            {
                int chunk = Enumerable.Range(0, world.Size).First(c => i < Shard.Of(length, c, world.Size).End);
                float expected = RankData(chunk, length, false)[i];
                for (int k = 1; k < world.Size; k++) expected += RankData((chunk + k) % world.Size, length, false)[i];
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(data[i]))
                    return $"length {length}, element {i}: {data[i]} but the ring order gives {expected}";
                if (i > 64) i += 997; // spot checks beyond the first elements keep this fast
            }
        }
        return null;
    }

    private static string? Allocation(MpiCommunicator world)
    {
        const int batch = 32;
        Model model = Scenarios.Mlp(1);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-3f), batch, 1e-4f, 1f);
        var parallel = new DataParallelTrainer(trainer, world);
        float[] x = [.. Enumerable.Range(0, batch * Scenarios.Inputs).Select(i => (float)Math.Sin(i))];
        int[] labels = [.. Enumerable.Range(0, batch).Select(i => i % Scenarios.Classes)];
        for (int s = 0; s < 5; s++) parallel.Step(x, labels, batch);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 20; s++) parallel.Step(x, labels, batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated == 0 ? null : $"20 steps allocated {allocated} bytes";
    }

    private static string? SequenceAllocation(MpiCommunicator world)
    {
        int streams = Math.Max(Scenarios.Streams, world.Size);
        Shard shard = Shard.Of(streams, world.Rank, world.Size);
        var trainer = new SequenceTrainer(Scenarios.Sequence(1, "gru"), new Adam(1e-3f), Scenarios.Window, shard.Count, SequenceReduction.MeanOverTokens, 1f);
        var parallel = new DataParallelSequenceTrainer(trainer, world, streams);
        int[] tokens = [.. Enumerable.Range(0, streams * Scenarios.Window).Select(i => i * 7 % Scenarios.Vocabulary)];
        for (int s = 0; s < 5; s++) parallel.Step(tokens, tokens, Scenarios.Window);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 20; s++) parallel.Step(tokens, tokens, Scenarios.Window);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated == 0 ? null : $"20 steps allocated {allocated} bytes";
    }
}
