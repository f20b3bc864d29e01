using Simd.Kernels;

namespace Simd.Network;

/// <summary>How per-step losses of a batch of sequences are combined into J.</summary>
public enum SequenceReduction
{
    /// <summary>J = (1/batch)·Σ_b Σ_t loss_{t,b}: summed over time, averaged over the batch.</summary>
    SumOverTimeMeanOverBatch = 0,
    /// <summary>J = (1/(steps·batch))·Σ_b Σ_t loss_{t,b}: the mean over all tokens (PyTorch's default).</summary>
    MeanOverTokens,
}

/// <summary>
/// Per-step softmax cross-entropy of a <see cref="SequenceModel"/>'s logits: loss_{t,b} = −ln softmax(z_{t,b})_{y_{t,b}},
/// combined as <see cref="Reduction"/> says; ∂J/∂z_{t,b} = (softmax(z_{t,b}) − onehot(y_{t,b}))·scale with
/// scale 1/batch or 1/(steps·batch).
/// </summary>
public sealed class SequenceCrossEntropy(SequenceReduction reduction)
{
    /// <summary>How the per-step losses are combined.</summary>
    public SequenceReduction Reduction { get; } = Enum.IsDefined(reduction) ? reduction : throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction");

    /// <summary>
    /// Returns J for <paramref name="targets"/> (batch, steps) against the workspace's logits and writes
    /// ∂J/∂logits to <see cref="SequenceWorkspace.LogitGradient"/>. Also returns the mean loss per token
    /// (nats) in <paramref name="meanPerToken"/>, whatever the reduction.
    /// </summary>
    /// <exception cref="ArgumentException">targets does not hold batch·steps ids.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, classes) (the message names its example and step).</exception>
    public float Compute(SequenceModel model, SequenceWorkspace workspace, ReadOnlySpan<int> targets, int steps, int batch, out float meanPerToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.Check(model, targets, steps, batch, nameof(targets), model.Classes);
        Span<int> labels = workspace.Labels.AsSpan(0, steps * batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                labels[t * batch + b] = targets[b * steps + t];
        float scale = Reduction == SequenceReduction.MeanOverTokens ? 1f / (steps * batch) : 1f / batch;
        meanPerToken = SoftmaxCrossEntropy.ForwardBackward(workspace.Logits(steps, batch), labels, steps * batch, model.Classes,
            workspace.LogitGradient(steps, batch), scale, out float sum);
        return Reduction == SequenceReduction.MeanOverTokens ? meanPerToken : sum / batch;
    }
}
