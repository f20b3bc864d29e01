using Simd.Kernels;

namespace Simd.Network;

/// <summary>Plain SGD: w ← w − η·g.</summary>
public sealed class Sgd(float learningRate) : Optimizer(learningRate)
{
    /// <inheritdoc/>
    public override string Name => "sgd";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => [];
    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float>> HyperParameters => [new("lr", LearningRate)];
    private protected override void AllocateState(int length) { }
    /// <summary>
    /// Updates only <see cref="ParameterArena.ActiveGradientRanges"/>: elsewhere the gradient is zero and
    /// w − η·0 = w exactly, so the result is bitwise that of a full pass.
    /// </summary>
    internal override void Update(ParameterArena arena)
    {
        Span<float> values = arena.Values;
        ReadOnlySpan<float> gradients = arena.Gradients;
        foreach ((int offset, int length) in arena.ActiveGradientRanges())
            OptimizerUpdates.Sgd(gradients.Slice(offset, length), values.Slice(offset, length), LearningRate);
        Step++;
    }
}
