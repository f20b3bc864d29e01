using System.Diagnostics;
using Simd.Network;

namespace Simd.Distributed;

/// <summary>
/// Data-parallel truncated BPTT for a <see cref="SequenceModel"/>: the global batch's B streams are split once over
/// the ranks (<see cref="Shard.Of"/>), each rank carries the state of its own streams from window to window, and each
/// window's gradients are averaged with weights b_r / B (both <see cref="SequenceReduction"/>s are means over the
/// streams) by a fixed-order ring sum before every rank clips and applies the same update. With R ranks this is the
/// single-process B-stream training up to the order of the float sums, bit for bit repeatable for a fixed R.
/// A step allocates nothing.
/// </summary>
public sealed class DataParallelSequenceTrainer
{
    private readonly GradientAverager _averager;
    private readonly Func<float> _apply;
    private readonly Action _discard;
    private readonly float _weight;

    /// <summary>
    /// Wraps <paramref name="trainer"/> (built identically on every rank, for at least this rank's streams) for
    /// <paramref name="globalBatch"/> streams split over the ranks of <paramref name="collectives"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">There are fewer streams than ranks, or this rank's streams exceed the trainer's batch.</exception>
    public DataParallelSequenceTrainer(SequenceTrainer trainer, ICollectives collectives, int globalBatch)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(collectives);
        if (globalBatch < collectives.Size)
            throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, $"{globalBatch} streams cannot be split over {collectives.Size} ranks: every rank needs at least one");
        Shard = Shard.Of(globalBatch, collectives.Rank, collectives.Size);
        if (Shard.Count > trainer.Workspace.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(trainer), $"rank {collectives.Rank} trains {Shard.Count} streams but the trainer holds at most {trainer.Workspace.MaxBatch}");
        Trainer = trainer;
        GlobalBatch = globalBatch;
        _weight = (float)((double)Shard.Count / globalBatch);
        _averager = new GradientAverager(collectives, trainer.Model.Parameters);
        _apply = trainer.ApplyGradients;
        _discard = trainer.DiscardGradients;
    }

    /// <summary>The local trainer: its workspace carries the state of this rank's streams.</summary>
    public SequenceTrainer Trainer { get; }

    /// <summary>Streams of the global batch.</summary>
    public int GlobalBatch { get; }

    /// <summary>This rank's streams of the global batch.</summary>
    public Shard Shard { get; }

    /// <summary>The norm of the last averaged gradient, before clipping: the same on every rank.</summary>
    public float LastGradientNorm => Trainer.LastGradientNorm;

    /// <summary>The mean loss per token (nats) of the last step over the global batch.</summary>
    public float LastMeanLossPerToken { get; private set; }

    /// <summary>Time spent in the gradient all-reduce so far.</summary>
    public TimeSpan GradientSumTime => Stopwatch.GetElapsedTime(0, _averager.GradientSumTicks);

    /// <summary>Steps whose gradient was all-reduced so far.</summary>
    public long Reductions => _averager.Reductions;

    /// <summary>
    /// One window of the global batch: <paramref name="inputs"/> and <paramref name="targets"/> are (GlobalBatch, steps)
    /// token ids, the same on every rank; this rank trains on its <see cref="Shard"/>'s rows. Returns the global J.
    /// </summary>
    /// <exception cref="NonFiniteStepException">The global loss or the averaged gradient is not finite: no rank updated anything (nor carried its state).</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a token is out of range.</exception>
    public float Step(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps)
    {
        CheckWindow(inputs.Length, 1, targets.Length, steps, nameof(inputs));
        float loss = Trainer.ComputeGradients(inputs.Slice(Shard.Start * steps, Shard.Count * steps), targets.Slice(Shard.Start * steps, Shard.Count * steps), steps, Shard.Count);
        return Finish(loss);
    }

    /// <summary>
    /// One window of float features (GlobalBatch, steps, features) with one class per step in <paramref name="targets"/>
    /// (GlobalBatch, steps), for a model built by <see cref="SequenceModel.ForFeatures"/>; otherwise as the token form.
    /// </summary>
    /// <exception cref="NonFiniteStepException">The global loss or the averaged gradient is not finite: no rank updated anything (nor carried its state).</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a target is out of range.</exception>
    public float Step(ReadOnlySpan<float> features, ReadOnlySpan<int> targets, int steps)
    {
        int width = Trainer.Model.EmbeddingSize;
        CheckWindow(features.Length, width, targets.Length, steps, nameof(features));
        float loss = Trainer.ComputeGradients(features.Slice(Shard.Start * steps * width, Shard.Count * steps * width), targets.Slice(Shard.Start * steps, Shard.Count * steps), steps, Shard.Count);
        return Finish(loss);
    }

    private void CheckWindow(int inputLength, int width, int targetLength, int steps, string inputName)
    {
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be positive");
        if (inputLength < (long)GlobalBatch * steps * width || targetLength < (long)GlobalBatch * steps)
            throw new ArgumentException($"{inputName} has {inputLength} and targets {targetLength} entries but {GlobalBatch} streams × {steps} steps need {(long)GlobalBatch * steps * width} and {(long)GlobalBatch * steps}", inputName);
    }

    private float Finish(float loss)
    {
        float globalLoss = _averager.Average(Trainer.Model.Parameters, loss, _weight, GlobalBatch);
        GradientAverager.ApplyOrSkip(Trainer.Model.Parameters, Trainer.Optimizer, globalLoss, _apply, _discard);
        LastMeanLossPerToken = (float)_averager.WeightedSum(Trainer.LastMeanLossPerToken, _weight);
        return globalLoss;
    }
}
