using Simd.Kernels;

namespace Simd.Network;

/// <summary>Adam with bias correction (β1, β2, ε as in Kingma and Ba); optional decoupled weight decay (AdamW).</summary>
public sealed class Adam : Optimizer
{
    private float[] _firstMoment = [], _secondMoment = [];
    private float[][] _state = [];

    /// <summary>Creates the optimizer with the usual defaults β1 = 0.9, β2 = 0.999, ε = 1e-8.</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f) : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β1 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β2 must be in [0, 1)");
        if (!(epsilon > 0 && float.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be finite and positive");
        if (!(weightDecay >= 0 && float.IsFinite(weightDecay))) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be finite and non-negative");
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon; WeightDecay = weightDecay;
    }

    /// <summary>β1, the decay of the first-moment (mean) estimate: m ← β1·m + (1 − β1)·g. In [0, 1).</summary>
    public float Beta1 { get; }
    /// <summary>β2, the decay of the second-moment estimate: v ← β2·v + (1 − β2)·g². In [0, 1).</summary>
    public float Beta2 { get; }
    /// <summary>ε, added to √v̂ in the denominator of the update lr·m̂ / (√v̂ + ε). Finite and positive.</summary>
    public float Epsilon { get; }
    /// <summary>Decoupled weight decay λ (0: plain Adam).</summary>
    public float WeightDecay { get; }
    /// <inheritdoc/>
    public override string Name => "adam";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => _state;
    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float>> HyperParameters =>
        [new("lr", LearningRate), new("beta1", Beta1), new("beta2", Beta2), new("epsilon", Epsilon), new("weight_decay", WeightDecay)];
    private protected override void AllocateState(int length)
    {
        _firstMoment = new float[length];
        _secondMoment = new float[length];
        _state = [_firstMoment, _secondMoment];
    }
    internal override void Update(ParameterArena arena)
    {
        OptimizerUpdates.Adam(arena.Gradients, arena.Values, _firstMoment, _secondMoment, checked((int)(Step + 1)), LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
        Step++;
    }
}
