using System.Globalization;
using Simd.Distributed;
using Simd.Network;

namespace Simd.Cli;

/// <summary>
/// <c>simd train</c> under <c>mpirun -np R</c>: data-parallel training over the R ranks, decided by the launch alone
/// (Open MPI sets OMPI_COMM_WORLD_SIZE; there is no option). Without mpirun nothing here loads MPI, so the program
/// runs where Open MPI is not installed. Every rank runs the same command on the same data with the same seed and
/// takes its shard of each global batch; rank 0 alone prints to standard output and writes the checkpoint; errors
/// print on standard error with the rank, and a rank that fails ends the whole job (MPI_Abort) instead of leaving
/// the others waiting in a collective.
/// </summary>
internal static class DistributedTraining
{
    private static MpiCommunicator? s_world;
    private static readonly float[] s_flag = new float[1];

    /// <summary>The ranks of the job, or null when not launched by mpirun (single process).</summary>
    public static MpiCommunicator? World => s_world;

    /// <summary>True on the rank that prints and saves: rank 0, or the only process.</summary>
    public static bool IsRoot => s_world is null || s_world.Rank == 0;

    /// <summary>GEMM threads when --threads is not given: the cores of this node shared among its ranks (all cores without mpirun).</summary>
    public static int DefaultThreads =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int local) && local > 0
            ? Math.Max(1, Environment.ProcessorCount / local)
            : Environment.ProcessorCount;

    /// <summary>
    /// Runs <paramref name="command"/> (a training command) as one process, or, under mpirun, as one rank of the job:
    /// MPI is initialized first and finalized after; standard output of ranks other than 0 is discarded; an
    /// exception on any rank prints "simd: rank r: ..." and aborts the job with exit status 2.
    /// </summary>
    public static int Run(Func<int> command)
    {
        if (!MpiCommunicator.IsLaunchedByMpirun) return command();
        try { s_world = MpiCommunicator.InitializeWorld(); }
        catch (DllNotFoundException error)
        {
            throw new InvalidOperationException($"started by mpirun but Open MPI's {error.Message.Split(':')[0]} could not be loaded (Debian: apt-get install openmpi-bin libopenmpi-dev)", error);
        }
        TextWriter output = Console.Out;
        if (s_world.Rank != 0) Console.SetOut(TextWriter.Null);
        int code;
        try { code = command(); }
        catch (Exception error) when (s_world.Size > 1)
        {
            Console.Error.WriteLine($"simd: rank {s_world.Rank} of {s_world.Size}: {Program.Describe(error)}; ending the job");
            Console.Error.Flush();
            s_world.Abort(2);
            throw;
        }
        catch (Exception)
        {
            s_world.Dispose(); // one rank: nobody waits for it, so finalize and let Program report the error as usual
            throw;
        }
        finally
        {
            Console.SetOut(output);
        }
        s_world.Dispose();
        return code;
    }

    /// <summary>
    /// Under mpirun: makes every rank's replica rank 0's (parameters and optimizer state), checks that the replicas
    /// (the optimizer's step included) are bitwise equal, prints the setup, and returns the data-parallel trainer; null
    /// for a single process.
    /// </summary>
    public static DataParallelTrainer? Parallel(Trainer trainer, int globalBatch)
    {
        if (s_world is null) return null;
        Synchronize(trainer.Model.Parameters, trainer.Optimizer);
        Console.WriteLine($"data-parallel: {s_world.Size} ranks (Open MPI), each batch of {globalBatch} split {Split(globalBatch)}; gradients averaged by a fixed-order ring all-reduce");
        return new DataParallelTrainer(trainer, s_world);
    }

    /// <summary>As the classifier form, for a sequence trainer over <paramref name="streams"/> streams split over the ranks.</summary>
    public static DataParallelSequenceTrainer? Parallel(SequenceTrainer trainer, int streams)
    {
        if (s_world is null) return null;
        Synchronize(trainer.Model.Parameters, trainer.Optimizer);
        Console.WriteLine($"data-parallel: {s_world.Size} ranks (Open MPI), the {streams} streams split {Split(streams)}; gradients averaged by a fixed-order ring all-reduce");
        return new DataParallelSequenceTrainer(trainer, s_world, streams);
    }

    /// <summary>The streams (rows of a sequence batch) this process trains: all of them alone, its shard under mpirun.</summary>
    public static Shard StreamShard(int streams) => s_world is null ? new Shard(0, streams) : Shard.Of(streams, s_world.Rank, s_world.Size);

    /// <summary>
    /// Layer <paramref name="layer"/>'s carried state for all <paramref name="streams"/> streams, (streams × state size):
    /// this process's own rows, and under mpirun every rank's rows in their places (each rank contributes its
    /// shard into zeros and the fixed-order all-reduce sums them, so every rank gets the same exact copy). Every
    /// rank must call it.
    /// </summary>
    public static float[] AllStreamsState(SequenceTrainer trainer, int layer, int streams)
    {
        Shard shard = StreamShard(streams);
        int size = trainer.Workspace.Buffers[layer].StateSize;
        var all = new float[streams * size];
        trainer.Workspace.Buffers[layer].InitialState(shard.Count).CopyTo(all.AsSpan(shard.Start * size));
        if (s_world is not null) new FixedOrderAllReduce(s_world, all.Length).Sum(all);
        return all;
    }

    /// <summary>Rank 0's <paramref name="decision"/> on every rank (a decision that depends on a clock must be the same everywhere).</summary>
    public static bool Agree(bool decision)
    {
        if (s_world is null) return decision;
        s_flag[0] = decision ? 1 : 0;
        s_world.Broadcast(s_flag, 0);
        return s_flag[0] != 0;
    }

    /// <summary>
    /// The all-reduce's cost for the final line, or "" for a single process. It is timed on rank 0 and includes waiting
    /// for the slowest rank to reach it (perf-results/distributed.md times the two apart).
    /// </summary>
    public static string Summary(TimeSpan gradientSumTime, long reductions, TimeSpan training, long steps) => s_world is null || reductions == 0 ? "" :
        string.Create(CultureInfo.InvariantCulture,
            $"; {s_world.Size} rank{(s_world.Size == 1 ? "" : "s")}, gradient all-reduce (waiting for the slowest rank included) {gradientSumTime.TotalMilliseconds / reductions:F3} ms per step, {100 * gradientSumTime.TotalSeconds / training.TotalSeconds:F1}% of training time over {steps} steps");

    private static void Synchronize(ParameterArena parameters, Optimizer optimizer)
    {
        Replicas.Broadcast(s_world!, parameters, optimizer);
        Replicas.Verify(s_world!, parameters, optimizer);
    }

    private static string Split(int total) =>
        string.Join(" + ", Enumerable.Range(0, s_world!.Size).Select(r => Shard.Of(total, r, s_world.Size).Count));
}
