namespace Simd.Kernels;

/// <summary>Gradient clipping by global L2 norm over one or several gradient spans.</summary>
public static class Clipping
{
    /// <summary>
    /// Computes the global norm N = √(Σ_k Σ_i g_k[i]²) over all spans and, when N &gt; maxNorm, multiplies
    /// every element of every span by s = maxNorm / N (computed in double, rounded to float) in place.
    /// Returns N (rounded to float) as it was before clipping.
    /// </summary>
    /// <remarks>
    /// <para>Order: each span's Σ g² is computed as by <see cref="Blas1.SumOfSquares"/> (fixed blocked order);
    /// the per-span sums are added in double in argument order and the square root is taken in double. The
    /// result depends only on the lengths, the values and the level.</para>
    /// <para>Non-finite norm: when any gradient is NaN or ±∞, or a square overflows float (|g| ≳ 1.8e19),
    /// N is NaN or +∞; the gradients are then left untouched and N is returned, so the caller can detect
    /// <c>!float.IsFinite(norm)</c> and skip the step instead of training on scaled garbage.</para>
    /// <para>The spans must be pairwise disjoint (an overlap would be counted and scaled twice). Passing the
    /// spans as <c>params ReadOnlySpan</c> builds the argument list on the stack: no allocation.</para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">maxNorm is not finite and positive.</exception>
    /// <exception cref="ArgumentException">Two gradient spans overlap.</exception>
    public static float ClipByGlobalNorm(float maxNorm, params ReadOnlySpan<Memory<float>> gradients)
    {
        Guard.FinitePositive(maxNorm, nameof(maxNorm));
        for (int j = 1; j < gradients.Length; j++)
        {
            Span<float> later = gradients[j].Span;
            for (int i = 0; i < j; i++)
                if (later.Overlaps(gradients[i].Span))
                    throw new ArgumentException($"gradients[{j}] overlaps gradients[{i}]; the spans must be disjoint.", nameof(gradients));
        }
        SimdLevel level = SimdLevels.Current;
        double sum = 0;
        foreach (Memory<float> gradient in gradients)
            sum += Blas1.SumOfSquaresDouble(gradient.Span, level);
        double norm = Math.Sqrt(sum);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            var scale = new ScaleOperator((float)(maxNorm / norm));
            foreach (Memory<float> gradient in gradients)
            {
                Span<float> span = gradient.Span;
                Map.Unary(span, span, scale, level);
            }
        }
        return (float)norm;
    }

    /// <summary>
    /// Single-span form of <see cref="ClipByGlobalNorm(float, ReadOnlySpan{Memory{float}})"/>: N = √(Σ_i g[i]²);
    /// when N &gt; maxNorm, g[i] = g[i]·(maxNorm / N). Returns N before clipping; a NaN or infinite N leaves
    /// g untouched.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">maxNorm is not finite and positive.</exception>
    public static float ClipByGlobalNorm(float maxNorm, Span<float> gradient)
    {
        Guard.FinitePositive(maxNorm, nameof(maxNorm));
        SimdLevel level = SimdLevels.Current;
        double norm = Math.Sqrt(Blas1.SumOfSquaresDouble(gradient, level));
        if (double.IsFinite(norm) && norm > maxNorm)
            Map.Unary(gradient, gradient, new ScaleOperator((float)(maxNorm / norm)), level);
        return (float)norm;
    }
}
