namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>result[i] = g[i] + 2λ·w[i] in double.</summary>
    public static void L2Gradient(double lambda, ReadOnlySpan<float> weights, ReadOnlySpan<float> gradients, Span<double> result)
    {
        for (int i = 0; i < weights.Length; i++) result[i] = gradients[i] + 2 * lambda * weights[i];
    }

    /// <summary>λ·Σ w[i]² in double.</summary>
    public static double L2Penalty(double lambda, ReadOnlySpan<float> weights) => lambda * SumOfSquares(weights);
}
