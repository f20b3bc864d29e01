using Simd.Kernels;
using Simd.Network;

namespace Simd.Distributed.Tests;

/// <summary>
/// Small training runs done once in one process and once data-parallel, shared by the xunit tests (ranks on threads)
/// and by the multi-rank check (ranks under mpirun): an MLP over batches of given sizes (unequal last shards, shards
/// smaller than the rank count) and a character-style sequence model whose embedding rows differ by rank.
/// </summary>
internal static class Scenarios
{
    public const int Inputs = 12, Hidden = 16, Classes = 5;
    public const int Vocabulary = 11, Embedding = 6, RecurrentHidden = 8, Streams = 5, Window = 4, Windows = 3;

    /// <summary>What a run leaves behind: the parameters, the last applied (averaged, clipped) gradient, the losses per step.</summary>
    public sealed record Result(float[] Values, float[] Gradient, float[] Losses, float[] Norms, ulong Hash);

    public static Model Mlp(ulong seed) => new ModelBuilder(Inputs)
        .Add(new Dense(Inputs, Hidden, Activation.Tanh))
        .Add(new Dense(Hidden, Classes))
        .Build(seed);

    public static Optimizer NewOptimizer(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Momentum(0.05f),
        _ => new Adam(1e-2f),
    };

    private static (float[] X, int[] Labels) Data(int examples)
    {
        var rng = new Rng(7);
        float[] x = [.. Enumerable.Range(0, examples * Inputs).Select(_ => rng.NextSingle() * 2 - 1)];
        int[] labels = [.. Enumerable.Range(0, examples).Select(_ => rng.NextInt(Classes))];
        return (x, labels);
    }

    /// <summary>Single-process training on consecutive batches of <paramref name="batches"/> examples each.</summary>
    public static Result MlpSingle(int[] batches, string optimizer, float l2, float clip)
    {
        var (x, labels) = Data(batches.Sum());
        Model model = Mlp(1);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), NewOptimizer(optimizer), batches.Max(), l2, clip);
        var losses = new List<float>();
        var norms = new List<float>();
        int start = 0;
        foreach (int batch in batches)
        {
            losses.Add(trainer.Step(x.AsSpan(start * Inputs), labels.AsSpan(start), batch));
            norms.Add(trainer.LastGradientNorm);
            start += batch;
        }
        return new Result(model.Parameters.Values.ToArray(), model.Parameters.Gradients.ToArray(), [.. losses], [.. norms], Replicas.Hash(model.Parameters, trainer.Optimizer));
    }

    /// <summary>
    /// The same training data-parallel: rank r starts from a different initialization (seed 1 + r), which the broadcast
    /// from rank 0 must replace, then every global batch is split by <see cref="Shard.Of"/>. Verifies the replicas at the end.
    /// </summary>
    public static Result MlpDataParallel(ICollectives collectives, int[] batches, string optimizer, float l2, float clip)
    {
        var (x, labels) = Data(batches.Sum());
        Model model = Mlp(1 + (ulong)collectives.Rank);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), NewOptimizer(optimizer), batches.Max(), l2, clip);
        Replicas.Broadcast(collectives, model.Parameters, trainer.Optimizer);
        var parallel = new DataParallelTrainer(trainer, collectives);
        var losses = new List<float>();
        var norms = new List<float>();
        int start = 0;
        foreach (int batch in batches)
        {
            losses.Add(parallel.Step(x.AsSpan(start * Inputs, batch * Inputs), labels.AsSpan(start, batch), batch));
            norms.Add(parallel.LastGradientNorm);
            start += batch;
        }
        ulong hash = Replicas.Verify(collectives, model.Parameters, trainer.Optimizer);
        return new Result(model.Parameters.Values.ToArray(), model.Parameters.Gradients.ToArray(), [.. losses], [.. norms], hash);
    }

    public static SequenceModel Sequence(ulong seed, string cell) => new(Vocabulary, Embedding,
        [cell == "gru" ? new Gru(Embedding, RecurrentHidden) : new Elman(Embedding, RecurrentHidden, Activation.Tanh)], seed);

    /// <summary>Tokens (Streams, Windows·Window + 1): stream b uses only ids ≡ b (mod 3) at even positions, so the ranks' shards touch different embedding rows.</summary>
    private static int[] Tokens()
    {
        var rng = new Rng(11);
        int length = Windows * Window + 1;
        var tokens = new int[Streams * length];
        for (int b = 0; b < Streams; b++)
            for (int t = 0; t < length; t++)
                tokens[b * length + t] = t % 2 == 0 ? (b % 3) + 3 * rng.NextInt(3) : rng.NextInt(Vocabulary);
        return tokens;
    }

    private static void WindowOf(int[] tokens, int window, int[] inputs, int[] targets)
    {
        int length = Windows * Window + 1;
        for (int b = 0; b < Streams; b++)
        {
            tokens.AsSpan(b * length + window * Window, Window).CopyTo(inputs.AsSpan(b * Window));
            tokens.AsSpan(b * length + window * Window + 1, Window).CopyTo(targets.AsSpan(b * Window));
        }
    }

    public static Result SequenceSingle(string cell, string optimizer, SequenceReduction reduction, float clip, float l2)
    {
        int[] tokens = Tokens(), inputs = new int[Streams * Window], targets = new int[Streams * Window];
        SequenceModel model = Sequence(1, cell);
        var trainer = new SequenceTrainer(model, NewOptimizer(optimizer), Window, Streams, reduction, clip, l2);
        var losses = new List<float>();
        var norms = new List<float>();
        for (int w = 0; w < Windows; w++)
        {
            WindowOf(tokens, w, inputs, targets);
            losses.Add(trainer.Step(inputs, targets, Window, Streams));
            norms.Add(trainer.LastMeanLossPerToken);
        }
        return new Result(model.Parameters.Values.ToArray(), model.Parameters.Gradients.ToArray(), [.. losses], [.. norms], Replicas.Hash(model.Parameters, trainer.Optimizer));
    }

    /// <summary>As <see cref="SequenceSingle"/> data-parallel; Norms holds the global mean loss per token of each step.</summary>
    public static Result SequenceDataParallel(ICollectives collectives, string cell, string optimizer, SequenceReduction reduction, float clip, float l2)
    {
        int[] tokens = Tokens(), inputs = new int[Streams * Window], targets = new int[Streams * Window];
        SequenceModel model = Sequence(1 + (ulong)collectives.Rank, cell);
        Shard shard = Shard.Of(Streams, collectives.Rank, collectives.Size);
        var trainer = new SequenceTrainer(model, NewOptimizer(optimizer), Window, shard.Count, reduction, clip, l2);
        Replicas.Broadcast(collectives, model.Parameters, trainer.Optimizer);
        var parallel = new DataParallelSequenceTrainer(trainer, collectives, Streams);
        var losses = new List<float>();
        var norms = new List<float>();
        for (int w = 0; w < Windows; w++)
        {
            WindowOf(tokens, w, inputs, targets);
            losses.Add(parallel.Step(inputs, targets, Window));
            norms.Add(parallel.LastMeanLossPerToken);
        }
        ulong hash = Replicas.Verify(collectives, model.Parameters, trainer.Optimizer);
        return new Result(model.Parameters.Values.ToArray(), model.Parameters.Gradients.ToArray(), [.. losses], [.. norms], hash);
    }

    /// <summary>The largest |a − b| / (1 + |b|) over two equally long arrays; used with tolerances of a few float ulps times the step count.</summary>
    public static double MaxRelativeDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths {a.Length} and {b.Length} differ");
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double difference = Math.Abs((double)a[i] - b[i]) / (1 + Math.Abs((double)b[i]));
            if (!(difference <= worst)) worst = double.IsNaN(difference) ? double.PositiveInfinity : difference;
        }
        return worst;
    }
}
