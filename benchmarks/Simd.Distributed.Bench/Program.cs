using System.Diagnostics;
using System.Globalization;
using Simd.Distributed;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Distributed.Bench;

/// <summary>
/// Step times of the two trained models as one process (1 and 2 GEMM threads, alternated in one process) or as one
/// rank of an mpirun job (1 thread per rank), for perf-results/distributed.md; run-distributed.sh alternates the two.
/// <c>simd-distributed-bench single|ranks mlp|char ROUNDS STEPS</c>. Each round times STEPS steps per configuration after
/// a warm-up; lines are "model config round median_ms mean_ms" plus, for ranks, the split of a step: compute (forward and
/// backward of the shard), wait (barrier: the other rank's lag), all-reduce (the fixed-order ring after the barrier,
/// and MPI_Allreduce on the same buffer for comparison), apply (clip and Adam).
/// </summary>
public static class Program
{
    private const int MlpBatch = 128, Features = 784, Classes = 10;
    private const int Vocabulary = 75, Embedding = 64, Hidden = 256, Bptt = 64, Streams = 32;

    public static int Main(string[] args)
    {
        if (args is not [("single" or "ranks") and var mode, ("mlp" or "char") and var model, var roundsText, var stepsText])
        {
            Console.Error.WriteLine("usage: simd-distributed-bench single|ranks mlp|char ROUNDS STEPS");
            return 2;
        }
        int rounds = int.Parse(roundsText, CultureInfo.InvariantCulture), steps = int.Parse(stepsText, CultureInfo.InvariantCulture);
        if (mode == "single")
        {
            var workload = new Workload(model, null);
            workload.Steps(2 * steps);
            for (int round = 0; round < rounds; round++)
                foreach (int threads in round % 2 == 0 ? new[] { 1, 2 } : [2, 1])
                {
                    Parallelism.MaxDegreeOfParallelism = threads;
                    workload.Steps(steps); // warm-up at this thread count
                    Report(model, $"1x{threads}", round, workload.Steps(steps));
                }
            return 0;
        }
        using MpiCommunicator world = MpiCommunicator.InitializeWorld();
        try { return Ranks(world, model, rounds, steps); }
        catch (Exception error)
        {
            // An unhandled exception would leave this rank hanging in the runtime's abort and the others in a collective.
            Console.Error.WriteLine($"rank {world.Rank}: {error}");
            world.Abort(1);
            throw;
        }
    }

    private static int Ranks(MpiCommunicator world, string model, int rounds, int steps)
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        var parallel = new Workload(model, world);
        parallel.Steps(2 * steps); // warm-up: the tiered JIT reaches its final code
        parallel.SplitSteps(world, steps);
        for (int round = 0; round < rounds; round++)
        {
            double[] step = [];
            (double[] Compute, double[] Wait, double[] Ring, double[] Mpi, double[] Apply) split = default;
            if (round % 2 == 0) { step = parallel.Steps(steps); split = parallel.SplitSteps(world, steps); }
            else { split = parallel.SplitSteps(world, steps); step = parallel.Steps(steps); }
            var (compute, wait, ring, mpi, apply) = split;
            if (world.Rank != 0) continue;
            string config = $"{world.Size}ranks";
            Report(model, config, round, step);
            Report(model, config + ":compute", round, compute);
            Report(model, config + ":wait", round, wait);
            Report(model, config + ":allreduce-ring", round, ring); // with the loss gather, as in the step
            Report(model, config + ":allreduce-mpi", round, mpi);
            Report(model, config + ":apply", round, apply);
        }
        if (world.Rank == 0) Console.WriteLine($"# gradient floats {parallel.Parameters.Length} ({parallel.Parameters.Length * 4.0 / 1e6:F3} MB)");
        return 0;
    }

    private static void Report(string model, string config, int round, double[] milliseconds)
    {
        double mean = milliseconds.Average();
        Array.Sort(milliseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model} {config} {round} {milliseconds[milliseconds.Length / 2]:F4} {mean:F4}"));
    }

    /// <summary>One model, its trainer and a fixed batch; with a communicator, the data-parallel trainer over it.</summary>
    private sealed class Workload
    {
        private readonly Trainer? _trainer;
        private readonly SequenceTrainer? _sequence;
        private readonly DataParallelTrainer? _parallel;
        private readonly DataParallelSequenceTrainer? _parallelSequence;
        private readonly FixedOrderAllReduce? _ring;
        private readonly float[] _x = [];
        private readonly int[] _labels = [], _inputs = [], _targets = [];
        private readonly Shard _shard;

        public Workload(string model, MpiCommunicator? world)
        {
            var rng = new Rng(5);
            int size = world?.Size ?? 1, rank = world?.Rank ?? 0;
            if (model == "mlp")
            {
                // Fashion-MNIST is not on this machine: synthetic data of its shape (the step's cost does not depend on the values).
                _x = [.. Enumerable.Range(0, MlpBatch * Features).Select(_ => rng.NextSingle())];
                _labels = [.. Enumerable.Range(0, MlpBatch).Select(_ => rng.NextInt(Classes))];
                Model network = new ModelBuilder(Features).Add(new Dense(Features, 256, Activation.Relu)).Add(new Dense(256, 256, Activation.Relu)).Add(new Dense(256, Classes)).Build(1);
                _shard = Shard.Of(MlpBatch, rank, size);
                _trainer = new Trainer(network, new SoftmaxCrossEntropyLoss(), new Adam(1e-4f), MlpBatch, 0, 5f);
                Parameters = network.Parameters;
                if (world is not null) _parallel = new DataParallelTrainer(_trainer, world);
            }
            else
            {
                _inputs = [.. Enumerable.Range(0, Streams * Bptt).Select(_ => rng.NextInt(Vocabulary))];
                _targets = [.. Enumerable.Range(0, Streams * Bptt).Select(_ => rng.NextInt(Vocabulary))];
                var network = new SequenceModel(Vocabulary, Embedding, [new Elman(Embedding, Hidden, Activation.Tanh)], 1);
                _shard = Shard.Of(Streams, rank, size);
                _sequence = new SequenceTrainer(network, new Adam(1e-4f), Bptt, _shard.Count, SequenceReduction.MeanOverTokens, 5f) { CarryState = false };
                Parameters = network.Parameters;
                if (world is not null) _parallelSequence = new DataParallelSequenceTrainer(_sequence, world, Streams);
            }
            if (world is not null)
            {
                Replicas.Broadcast(world, Parameters, null);
                _ring = new FixedOrderAllReduce(world, Parameters.Length);
            }
        }

        public ParameterArena Parameters { get; }

        /// <summary>Milliseconds of each of <paramref name="count"/> whole steps (data-parallel when there are ranks).</summary>
        public double[] Steps(int count)
        {
            var times = new double[count];
            for (int s = 0; s < count; s++)
            {
                long start = Stopwatch.GetTimestamp();
                if (_parallel is not null) _parallel.Step(_x, _labels, MlpBatch);
                else if (_parallelSequence is not null) _parallelSequence.Step(_inputs, _targets, Bptt);
                else if (_trainer is not null) _trainer.Step(_x, _labels, MlpBatch);
                else _sequence!.Step(_inputs, _targets, Bptt, Streams);
                times[s] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            return times;
        }

        /// <summary>
        /// The data-parallel step taken apart and timed piece by piece: the same work as DataParallel*Trainer.Step (compute,
        /// gather the losses, scale and ring-sum, apply, gather the mean loss per token) plus a barrier after the compute,
        /// so that "wait" is the other rank's lag and the all-reduce is timed without it. Then, on a copy of the same gradient
        /// after another barrier, MPI_Allreduce for comparison (not part of the step).
        /// </summary>
        public (double[] Compute, double[] Wait, double[] Ring, double[] Mpi, double[] Apply) SplitSteps(MpiCommunicator world, int count)
        {
            var compute = new double[count]; var wait = new double[count]; var ring = new double[count]; var mpi = new double[count]; var apply = new double[count];
            float[] copy = new float[Parameters.Length];
            double[] mine = new double[2], all = new double[2 * world.Size];
            float weight = (float)_shard.Count / (_trainer is not null ? MlpBatch : Streams);
            for (int s = 0; s < count; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                float loss = _trainer is not null
                    ? _trainer.ComputeGradients(_x.AsSpan(_shard.Start * Features, _shard.Count * Features), _labels.AsSpan(_shard.Start, _shard.Count), _shard.Count)
                    : _sequence!.ComputeGradients(_inputs.AsSpan(_shard.Start * Bptt, _shard.Count * Bptt), _targets.AsSpan(_shard.Start * Bptt, _shard.Count * Bptt), Bptt, _shard.Count);
                long t1 = Stopwatch.GetTimestamp();
                world.Barrier();
                long t2 = Stopwatch.GetTimestamp();
                mine[0] = weight * loss;
                world.AllGather(mine, all);
                Span<float> gradients = Parameters.GradientsForWriting();
                Blas1.Scale(weight, gradients);
                _ring!.Sum(gradients);
                long t3 = Stopwatch.GetTimestamp();
                if (_trainer is not null) _trainer.ApplyGradients(); else _sequence!.ApplyGradients();
                long t4 = Stopwatch.GetTimestamp();
                world.AllGather(mine, all);
                gradients.CopyTo(copy);
                world.Barrier();
                long t5 = Stopwatch.GetTimestamp();
                world.AllReduceSum(copy);
                long t6 = Stopwatch.GetTimestamp();
                compute[s] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                wait[s] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                ring[s] = Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
                apply[s] = Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
                mpi[s] = Stopwatch.GetElapsedTime(t5, t6).TotalMilliseconds;
            }
            return (compute, wait, ring, mpi, apply);
        }
    }
}
