namespace Simd.Network;

/// <summary>
/// Updates a model's parameter arena from its gradient arena. State (momentum, Adam moments) lives
/// in arrays with the arena's layout, so each update is one flat fused pass over the arena.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Short name stored in checkpoints ("sgd", "momentum", "adam").</summary>
    public abstract string Name { get; }

    /// <summary>Updates applied so far; Adam's bias correction uses it.</summary>
    public long Step { get; internal set; }

    /// <summary>State arrays, each as long as the arena; empty for plain SGD.</summary>
    public abstract IReadOnlyList<float[]> State { get; }

    /// <summary>Learning rate η.</summary>
    public float LearningRate { get; set; }

    /// <summary>Creates an optimizer with learning rate <paramref name="learningRate"/>.</summary>
    protected Optimizer(float learningRate)
    {
        if (!float.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be finite and positive");
        LearningRate = learningRate;
    }

    /// <summary>Allocates state for an arena of <paramref name="length"/> floats; called once by the trainer.</summary>
    internal abstract void Attach(int length);

    /// <summary>
    /// Applies one update to the whole arena: parameters ← f(parameters, gradients, state). Increments
    /// <see cref="Step"/> first. Optimizers with state update every element, because a zero gradient
    /// still moves a parameter whose momentum is nonzero.
    /// </summary>
    internal abstract void Update(ParameterArena arena);
}
