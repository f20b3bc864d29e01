namespace Simd.Network;

/// <summary>
/// A training step found a non-finite loss or gradient and applied no update: the parameters and the
/// optimizer state (its step count included) are exactly as they were before the step.
/// </summary>
public sealed class NonFiniteStepException : InvalidOperationException
{
    /// <summary>Creates the exception for step <paramref name="step"/> (1-based, the update that was skipped).</summary>
    public NonFiniteStepException(long step, float loss, float gradientNorm)
        : base($"step {step}: the loss is {loss} and the gradient norm is {gradientNorm}; the update was skipped and the weights and optimizer state are unchanged (lower the learning rate, clip the gradient, or check the data for NaN/Inf)")
    {
        Step = step;
        Loss = loss;
        GradientNorm = gradientNorm;
    }

    /// <summary>The 1-based number of the step whose update was skipped.</summary>
    public long Step { get; }
    /// <summary>The loss J of that step (with the L2 penalty).</summary>
    public float Loss { get; }
    /// <summary>The global gradient norm of that step.</summary>
    public float GradientNorm { get; }
}
