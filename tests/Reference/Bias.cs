namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>result[r·cols + c] = x[r·cols + c] + bias[c] in double.</summary>
    public static void AddBias(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<double> result, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[r * cols + c] = (double)x[r * cols + c] + bias[c];
    }

    /// <summary>result[c] = (accumulate ? initial[c] : 0) + Σ_r delta[r·cols + c] in double.</summary>
    public static void BiasGradient(ReadOnlySpan<float> delta, ReadOnlySpan<float> initial, Span<double> result, int rows, int cols, bool accumulate)
    {
        for (int c = 0; c < cols; c++)
        {
            double sum = accumulate ? initial[c] : 0;
            for (int r = 0; r < rows; r++) sum += delta[r * cols + c];
            result[c] = sum;
        }
    }
}
