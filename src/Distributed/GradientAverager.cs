using System.Diagnostics;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Distributed;

/// <summary>
/// The reduction behind both data-parallel trainers: turns each rank's gradient of its shard's loss into the
/// gradient of the global batch's loss on every rank. Rank r, whose loss J_r is a mean over its b_r of the B
/// examples (plus the L2 penalty P, the same on every rank), scales its gradient by w_r = b_r / B and the ranks
/// sum: Σ_r w_r·∇J_r = ∇((1/B)·Σ_i ℓ_i) + ∇P because Σ_r w_r = 1, which is the single-process gradient of the
/// whole batch. A rank with w_r = 0 contributes zeros whatever it computed. The sum runs through
/// <see cref="FixedOrderAllReduce"/>; the scalars through <see cref="ICollectives.AllGather"/>, added in rank order
/// in double. Allocation-free after construction.
/// </summary>
internal sealed class GradientAverager
{
    private readonly ICollectives _collectives;
    private readonly FixedOrderAllReduce _sum;
    private readonly double[] _mine = new double[2];
    private readonly double[] _all;

    public GradientAverager(ICollectives collectives, ParameterArena parameters)
    {
        _collectives = collectives;
        _sum = new FixedOrderAllReduce(collectives, parameters.Length);
        _all = new double[2 * collectives.Size];
    }

    /// <summary>Stopwatch ticks spent in the gradient all-reduce so far (summing only: not scaling, not gathering scalars).</summary>
    public long GradientSumTicks { get; private set; }

    /// <summary>Calls of <see cref="Average"/> so far.</summary>
    public long Reductions { get; private set; }

    /// <summary>
    /// Replaces the arena's gradient g_r by Σ_r w_r·g_r on every rank (<see cref="ParameterArena.GradientsForWriting"/>,
    /// so every row of an embedding table takes part) and returns Σ_r w_r·J_r, a term with w_r = 0 counting as 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ranks disagree on the global batch (they read different data).</exception>
    public float Average(ParameterArena parameters, float loss, float weight, int globalBatch)
    {
        _mine[0] = weight == 0 ? 0 : (double)weight * loss;
        _mine[1] = globalBatch;
        _collectives.AllGather(_mine, _all);
        double total = 0;
        for (int r = 0; r < _collectives.Size; r++)
        {
            if (_all[2 * r + 1] != globalBatch)
                throw new InvalidOperationException($"rank {r} steps on a global batch of {_all[2 * r + 1]} examples but rank {_collectives.Rank} on {globalBatch}: every rank must read the same global batches");
            total += _all[2 * r];
        }
        Span<float> gradients = parameters.GradientsForWriting();
        if (weight == 0) gradients.Clear();
        else if (weight != 1) Blas1.Scale(weight, gradients);
        long start = Stopwatch.GetTimestamp();
        _sum.Sum(gradients);
        GradientSumTicks += Stopwatch.GetTimestamp() - start;
        Reductions++;
        return (float)total;
    }

    /// <summary>Σ_r w_r·value_r over ranks, added in rank order in double (for reporting a global mean).</summary>
    public double WeightedSum(double value, float weight)
    {
        _mine[0] = weight == 0 ? 0 : weight * value;
        _mine[1] = 0;
        _collectives.AllGather(_mine, _all);
        double total = 0;
        for (int r = 0; r < _collectives.Size; r++) total += _all[2 * r];
        return total;
    }

    /// <summary>
    /// After <see cref="Average"/>: applies the averaged gradient through <paramref name="apply"/> (the trainer's
    /// ApplyGradients, which clips it and updates) when <paramref name="globalLoss"/> is finite; otherwise discards it
    /// through <paramref name="discard"/> and throws, so that every rank skips the same step (the averaged gradient,
    /// and so its norm, is the same everywhere; the global loss too).
    /// </summary>
    /// <exception cref="NonFiniteStepException">The global loss or the averaged gradient is not finite; nothing was updated on any rank.</exception>
    public static void ApplyOrSkip(ParameterArena parameters, Optimizer optimizer, float globalLoss, Func<float> apply, Action discard)
    {
        if (!float.IsFinite(globalLoss))
        {
            float norm = MathF.Sqrt(Blas1.SumOfSquares(parameters.Gradients));
            discard();
            throw new NonFiniteStepException(optimizer.Step + 1, globalLoss, norm);
        }
        try { apply(); }
        catch (NonFiniteStepException error)
        {
            throw new NonFiniteStepException(error.Step, globalLoss, error.GradientNorm);
        }
    }
}
