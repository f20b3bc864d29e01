using Simd.Kernels;

namespace Simd.Network;

/// <summary>Plain SGD: w ← w − η·g.</summary>
public sealed class Sgd(float learningRate) : Optimizer(learningRate)
{
    /// <inheritdoc/>
    public override string Name => "sgd";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => [];
    internal override void Attach(int length) { }
    /// <summary>
    /// Updates only <see cref="ParameterArena.ActiveGradientRanges"/>: elsewhere the gradient is zero and
    /// w − η·0 = w exactly, so the result is bitwise that of a full pass.
    /// </summary>
    internal override void Update(ParameterArena arena)
    {
        Step++;
        Span<float> values = arena.Values;
        ReadOnlySpan<float> gradients = arena.Gradients;
        foreach ((int offset, int length) in arena.ActiveGradientRanges())
            Optimizers.Sgd(gradients.Slice(offset, length), values.Slice(offset, length), LearningRate);
    }
}

/// <summary>SGD with momentum μ (PyTorch convention): v ← μ·v + g; w ← w − η·v.</summary>
public sealed class Momentum : Optimizer
{
    private float[] _velocity = [];
    private float[][] _state = [];

    /// <summary>Creates the optimizer; <paramref name="momentum"/> in [0, 1).</summary>
    public Momentum(float learningRate, float momentum = 0.9f) : base(learningRate)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");
        Mu = momentum;
    }

    /// <summary>μ.</summary>
    public float Mu { get; }
    /// <inheritdoc/>
    public override string Name => "momentum";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => _state;
    internal override void Attach(int length)
    {
        _velocity = new float[length];
        _state = [_velocity];
    }
    internal override void Update(ParameterArena arena)
    {
        Step++;
        Optimizers.SgdMomentum(arena.Gradients, arena.Values, _velocity, LearningRate, Mu);
    }
}

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

    /// <summary>β1.</summary>
    public float Beta1 { get; }
    /// <summary>β2.</summary>
    public float Beta2 { get; }
    /// <summary>ε.</summary>
    public float Epsilon { get; }
    /// <summary>Decoupled weight decay λ (0: plain Adam).</summary>
    public float WeightDecay { get; }
    /// <inheritdoc/>
    public override string Name => "adam";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => _state;
    internal override void Attach(int length)
    {
        _firstMoment = new float[length];
        _secondMoment = new float[length];
        _state = [_firstMoment, _secondMoment];
    }
    internal override void Update(ParameterArena arena)
    {
        Step++;
        Optimizers.Adam(arena.Gradients, arena.Values, _firstMoment, _secondMoment, checked((int)Step), LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
    }
}
