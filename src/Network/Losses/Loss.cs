using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// A loss J over a batch of model outputs (batch × outputs). <see cref="Compute"/> returns J and writes
/// ∂J/∂outputs in the same pass. Classification losses read integer labels; regression losses read
/// float targets of the outputs' shape.
/// </summary>
public abstract class Loss
{
    /// <summary>True when the loss reads labels (one class index per example), false when it reads targets.</summary>
    public abstract bool UsesLabels { get; }

    /// <summary>Returns J and writes gradient = ∂J/∂outputs (batch × outputs).</summary>
    internal abstract float Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> gradient, int batch, int outputCount);
}

/// <summary>
/// Softmax over the outputs (logits) followed by cross-entropy, averaged (the default) or summed over the
/// batch: with ℓ_i = −ln softmax(z_i)_{y_i}, J = (1/batch)·Σ_i ℓ_i and ∂J/∂z_i = (softmax(z_i) − onehot(y_i)) / batch
/// for <see cref="Reduction.Mean"/>; J = Σ_i ℓ_i and ∂J/∂z_i = softmax(z_i) − onehot(y_i) for <see cref="Reduction.Sum"/>.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : Loss
{
    /// <summary>The loss averaged over the batch (PyTorch's default).</summary>
    public SoftmaxCrossEntropyLoss() : this(Reduction.Mean) { }

    /// <summary>The loss with the given reduction over the batch.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined member.</exception>
    public SoftmaxCrossEntropyLoss(Reduction reduction) =>
        Reduction = Enum.IsDefined(reduction) ? reduction : throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction");

    /// <summary>Sum or mean over the batch's examples.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc/>
    public override bool UsesLabels => true;

    internal override float Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> gradient, int batch, int outputCount)
    {
        if (Reduction == Reduction.Mean)
            return SoftmaxCrossEntropy.ForwardBackward(outputs, labels, batch, outputCount, gradient, 1f / batch);
        SoftmaxCrossEntropy.ForwardBackward(outputs, labels, batch, outputCount, gradient, 1f, out float sum);
        return sum;
    }

    /// <inheritdoc/>
    public override string ToString() => $"softmax cross-entropy ({(Reduction == Reduction.Mean ? "mean" : "sum")} over the batch)";
}

/// <summary>
/// J = ½‖a − y‖² summed over all outputs, then either summed or averaged over the batch
/// (<see cref="Reduction"/>, an explicit choice); ∂J/∂a = (a − y), divided by batch for the mean.
/// </summary>
public sealed class MeanSquaredErrorLoss(Reduction reduction) : Loss
{
    /// <summary>Sum or mean over the batch's rows.</summary>
    public Reduction Reduction { get; } = Enum.IsDefined(reduction) ? reduction : throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction");

    /// <inheritdoc/>
    public override bool UsesLabels => false;

    internal override float Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> gradient, int batch, int outputCount) =>
        MeanSquaredError.LossAndGradient(outputs, targets, gradient, batch, outputCount, Reduction.ToKernel());

    /// <inheritdoc/>
    public override string ToString() => $"½ squared error ({Reduction} over the batch)";
}
