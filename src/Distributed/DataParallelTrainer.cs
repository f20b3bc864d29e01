using System.Diagnostics;
using Simd.Network;

namespace Simd.Distributed;

/// <summary>
/// Data-parallel training of a <see cref="Model"/>: every rank holds a full replica (made equal by
/// <see cref="Replicas.Broadcast"/>), takes its <see cref="Shard"/> of each global batch, computes its gradient
/// (<see cref="Trainer.ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>), and the ranks
/// average the gradients (<see cref="GradientAverager"/>: weight b_r / B, a fixed-order ring sum); then every rank
/// clips the averaged gradient and applies the same update (<see cref="Trainer.ApplyGradients"/>). With R ranks and
/// global batch B the update is the single-process update for batch B up to the order of the float sums, and a run
/// with the same R repeats bit for bit.
/// </summary>
/// <remarks>
/// The loss must be a mean over the batch (softmax cross-entropy, or squared error with the mean reduction) so that
/// the shards' gradients combine by the b_r / B weights; a summed squared error is accepted only without L2 (each
/// rank then weighs 1, and the penalty, which every rank adds, would count R times). A rank whose shard is empty
/// (a last batch smaller than R) computes on the batch's first example and contributes zero.
/// A step allocates nothing.
/// </remarks>
public sealed class DataParallelTrainer
{
    private readonly ICollectives _collectives;
    private readonly GradientAverager _averager;
    private readonly bool _summedLoss;
    private readonly Func<float> _apply;
    private readonly Action _discard;

    /// <summary>Wraps <paramref name="trainer"/> (built identically on every rank) for the ranks of <paramref name="collectives"/>.</summary>
    /// <exception cref="ArgumentException">The loss sums over the batch and L2 is on.</exception>
    public DataParallelTrainer(Trainer trainer, ICollectives collectives)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(collectives);
        _summedLoss = trainer.Loss is MeanSquaredErrorLoss { Reduction: Reduction.Sum } or SoftmaxCrossEntropyLoss { Reduction: Reduction.Sum };
        if (_summedLoss && trainer.L2 != 0)
            throw new ArgumentException($"{trainer.Loss} with L2 λ = {trainer.L2}: a loss summed over the batch combines across ranks only without L2 (use the mean reduction)", nameof(trainer));
        Trainer = trainer;
        _collectives = collectives;
        _averager = new GradientAverager(collectives, trainer.Model.Parameters);
        _apply = trainer.ApplyGradients;
        _discard = trainer.DiscardGradients;
    }

    /// <summary>The local trainer (its model is this rank's replica).</summary>
    public Trainer Trainer { get; }

    /// <summary>The norm of the last averaged gradient, before clipping: the same on every rank.</summary>
    public float LastGradientNorm => Trainer.LastGradientNorm;

    /// <summary>Time spent in the gradient all-reduce so far.</summary>
    public TimeSpan GradientSumTime => Stopwatch.GetElapsedTime(0, _averager.GradientSumTicks);

    /// <summary>Steps whose gradient was all-reduced so far.</summary>
    public long Reductions => _averager.Reductions;

    /// <summary>
    /// One step on the global classification batch x (globalBatch × inputs) and labels, the same on every rank: this
    /// rank trains on rows [Start, Start + Count) of <see cref="Shard.Of"/>(globalBatch, rank, size). Returns the global
    /// J = Σ_r (b_r / B)·J_r, i.e. the mean loss over the global batch plus the L2 penalty.
    /// </summary>
    /// <exception cref="NonFiniteStepException">The global loss or the averaged gradient is not finite: no rank updated anything.</exception>
    /// <exception cref="ArgumentException">A size is wrong.</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int globalBatch)
    {
        (Shard shard, int rows) = Local(globalBatch);
        int inputs = Trainer.Model.InputSize;
        float loss = Trainer.ComputeGradients(x.Slice(shard.Start * inputs, rows * inputs), labels.Slice(shard.Start, rows), rows);
        return Finish(loss, shard, globalBatch);
    }

    /// <summary>One step on the global regression batch x (globalBatch × inputs) and targets (globalBatch × outputs); otherwise as the label form.</summary>
    /// <exception cref="NonFiniteStepException">The global loss or the averaged gradient is not finite: no rank updated anything.</exception>
    /// <exception cref="ArgumentException">A size is wrong.</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<float> targets, int globalBatch)
    {
        (Shard shard, int rows) = Local(globalBatch);
        int inputs = Trainer.Model.InputSize, outputs = Trainer.Model.OutputSize;
        float loss = Trainer.ComputeGradients(x.Slice(shard.Start * inputs, rows * inputs), targets.Slice(shard.Start * outputs, rows * outputs), rows);
        return Finish(loss, shard, globalBatch);
    }

    /// <summary>This rank's shard, and the rows it computes on: its own, or the batch's first row when its shard is empty.</summary>
    private (Shard Shard, int Rows) Local(int globalBatch)
    {
        if (globalBatch <= 0) throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, "the global batch must be positive");
        Shard shard = Shard.Of(globalBatch, _collectives.Rank, _collectives.Size);
        return shard.Count > 0 ? (shard, shard.Count) : (new Shard(0, 0), 1);
    }

    private float Finish(float loss, Shard shard, int globalBatch)
    {
        float weight = shard.Count == 0 ? 0 : _summedLoss ? 1 : (float)((double)shard.Count / globalBatch);
        float globalLoss = _averager.Average(Trainer.Model.Parameters, loss, weight, globalBatch);
        GradientAverager.ApplyOrSkip(Trainer.Model.Parameters, Trainer.Optimizer, globalLoss, _apply, _discard);
        return globalLoss;
    }
}
