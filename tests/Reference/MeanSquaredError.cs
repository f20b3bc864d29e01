namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>
    /// L = s·½·Σ(a − y)² and gradient[i] = s·(a[i] − y[i]) in double, with s = 1 (Sum) or 1/rows (Mean).
    /// </summary>
    public static double MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<double> gradient,
        int rows, LossReduction reduction)
    {
        double s = reduction == LossReduction.Mean && rows > 0 ? 1.0 / rows : 1.0;
        double sum = 0;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = (double)predictions[i] - targets[i];
            sum += d * d;
            gradient[i] = s * d;
        }
        return reduction == LossReduction.Mean && rows == 0 ? 0 : 0.5 * s * sum;
    }
}
