using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// The apply half of every training step, shared by the trainers: measure the global gradient norm,
/// refuse a non-finite loss or gradient, clip, update.
/// </summary>
internal static class GuardedUpdate
{
    /// <summary>
    /// Returns the global norm N = √(Σ g²) of the arena's gradients before clipping. When
    /// <paramref name="loss"/> or N is not finite, throws <see cref="NonFiniteStepException"/> before
    /// anything changes; otherwise clips to <paramref name="clipNorm"/> (0: no clipping) and lets
    /// <paramref name="optimizer"/> update the parameters.
    /// </summary>
    /// <remarks>
    /// With clipping, N and the scaling are <see cref="Clipping.ClipByGlobalNorm(float, Span{float})"/>'s
    /// over the whole gradient arena. Without, N sums <see cref="Blas1.SumOfSquares"/> of each range
    /// that may be nonzero (<see cref="ParameterArena.ActiveGradientRanges"/>) in double, so an embedding
    /// table's untouched rows are not read; a Σ g² beyond float's range (|g| ≳ 1.8e19) counts as infinite.
    /// </remarks>
    public static float Apply(ParameterArena parameters, Optimizer optimizer, float loss, float clipNorm)
    {
        float norm = clipNorm > 0 ? Clipping.ClipByGlobalNorm(clipNorm, parameters.Gradients) : Norm(parameters);
        if (!float.IsFinite(loss) || !float.IsFinite(norm))
            throw new NonFiniteStepException(optimizer.Step + 1, loss, norm);
        optimizer.Update(parameters);
        return norm;
    }

    /// <summary>
    /// N = √(Σ g²) over <see cref="ParameterArena.ActiveGradientRanges"/>, each range's Σ g² by
    /// <see cref="Blas1.SumOfSquares"/>, added in double in range order; read-only.
    /// </summary>
    public static float Norm(ParameterArena parameters)
    {
        ReadOnlySpan<float> gradients = parameters.Gradients;
        double sum = 0;
        foreach ((int offset, int length) in parameters.ActiveGradientRanges())
            sum += Blas1.SumOfSquares(gradients.Slice(offset, length));
        return (float)Math.Sqrt(sum);
    }
}
