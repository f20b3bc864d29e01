using Simd.Kernels;

namespace Simd.Network;

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

    /// <summary>μ, the momentum coefficient in v ← μ·v + g. In [0, 1).</summary>
    public float Mu { get; }
    /// <inheritdoc/>
    public override string Name => "momentum";
    /// <inheritdoc/>
    public override IReadOnlyList<float[]> State => _state;
    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, float>> HyperParameters => [new("lr", LearningRate), new("momentum", Mu)];
    private protected override void AllocateState(int length)
    {
        _velocity = new float[length];
        _state = [_velocity];
    }
    internal override void Update(ParameterArena arena)
    {
        OptimizerUpdates.SgdMomentum(arena.Gradients, arena.Values, _velocity, LearningRate, Mu);
        Step++;
    }
}
