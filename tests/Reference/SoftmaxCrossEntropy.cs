namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>
    /// Per-row softmax cross-entropy in double: losses[i] = ln Σ_j e^(z_j − m) − (z_y − m) and
    /// gradient[i·classes + j] = (p_ij − [j = y])·scale, with m the row max (NaN if the row has a NaN).
    /// </summary>
    public static (double[] Losses, double[] Gradient) SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, double scale)
    {
        var losses = new double[batch];
        var gradient = new double[batch * classes];
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            double max = RowMax(row), sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.Exp(row[j] - max);
            int y = labels[i];
            losses[i] = Math.Log(sum) - (row[y] - max);
            for (int j = 0; j < classes; j++)
                gradient[i * classes + j] = (Math.Exp(row[j] - max) / sum - (j == y ? 1.0 : 0.0)) * scale;
        }
        return (losses, gradient);
    }

    /// <summary>Row-wise softmax in double.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits, int batch, int classes)
    {
        var result = new double[batch * classes];
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            double max = RowMax(row), sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.Exp(row[j] - max);
            for (int j = 0; j < classes; j++) result[i * classes + j] = Math.Exp(row[j] - max) / sum;
        }
        return result;
    }

    /// <summary>
    /// The benchmark baseline: the same math in double, storing the float gradient; returns the mean loss.
    /// </summary>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, float scale, Span<float> gradient)
    {
        double total = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            double max = RowMax(row), sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.Exp(row[j] - max);
            int y = labels[i];
            total += Math.Log(sum) - (row[y] - max);
            for (int j = 0; j < classes; j++)
                gradient[i * classes + j] = (float)((Math.Exp(row[j] - max) / sum - (j == y ? 1.0 : 0.0)) * scale);
        }
        return batch == 0 ? 0f : (float)(total / batch);
    }

    private static double RowMax(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row)
        {
            if (float.IsNaN(v)) return double.NaN;
            max = Math.Max(max, v);
        }
        return max;
    }
}
