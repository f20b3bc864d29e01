namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>√(Σ_k Σ_i g_k[i]²) in double.</summary>
    public static double GlobalNorm(params ReadOnlySpan<float[]> gradients)
    {
        double sum = 0;
        foreach (float[] g in gradients) sum += SumOfSquares(g);
        return Math.Sqrt(sum);
    }
}
