namespace Simd.Kernels;

/// <summary>L2 weight regularization: the penalty λ·Σw² and its gradient 2λ·w added to a gradient.</summary>
/// <remarks>
/// This is coupled L2 (the term enters the gradient, so adaptive optimizers rescale it). For decoupled
/// weight decay use the <c>weightDecay</c> argument of <see cref="OptimizerUpdates.Adam"/> instead.
/// </remarks>
public static class Regularization
{
    /// <summary>
    /// gradients[i] = gradients[i] + (2λ)·weights[i], with 2λ exact and the product rounded before the add.
    /// weights and gradients must be disjoint (a gradient aliasing its weights is a bug). NaN in weights or
    /// gradients propagates; λ = 0 still computes 0·w, so an infinite weight gives NaN.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">weights and gradients differ in length or overlap.</exception>
    public static void L2Gradient(float lambda, ReadOnlySpan<float> weights, Span<float> gradients)
    {
        Guard.FiniteNonNegative(lambda, nameof(lambda));
        Guard.SameLength(weights, gradients, nameof(weights), nameof(gradients));
        Guard.Disjoint(weights, gradients, nameof(weights), nameof(gradients));
        Map.Binary(weights, gradients, gradients, new AxpyOperator(2f * lambda), SimdLevels.Current);
    }

    /// <summary>
    /// λ·Σ_i weights[i]², with the sum computed as <see cref="Blas1.SumOfSquares"/> (blocked, fixed order),
    /// multiplied by λ in double and rounded to float once. NaN in weights gives NaN.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative, NaN or infinite.</exception>
    public static float L2Penalty(float lambda, ReadOnlySpan<float> weights)
    {
        Guard.FiniteNonNegative(lambda, nameof(lambda));
        return (float)(lambda * Blas1.SumOfSquaresDouble(weights, SimdLevels.Current));
    }
}
