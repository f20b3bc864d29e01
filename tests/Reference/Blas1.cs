namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>result[i] = y[i] + α·x[i] in double.</summary>
    public static void Axpy(double alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = y[i] + alpha * x[i];
    }

    /// <summary>result[i] = α·x[i] in double.</summary>
    public static void Scale(double alpha, ReadOnlySpan<float> x, Span<double> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = alpha * x[i];
    }

    /// <summary>result[i] = x[i] + y[i] in double.</summary>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = (double)x[i] + y[i];
    }

    /// <summary>result[i] = x[i] − y[i] in double.</summary>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = (double)x[i] - y[i];
    }

    /// <summary>result[i] = x[i]·y[i] in double.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = (double)x[i] * y[i];
    }

    /// <summary>Σ x[i]·y[i] in double, in index order.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)x[i] * y[i];
        return sum;
    }

    /// <summary>Σ |x[i]·y[i]|: the scale of a dot product's rounding error.</summary>
    public static double DotMagnitude(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Math.Abs((double)x[i] * y[i]);
        return sum;
    }

    /// <summary>Σ x[i]² in double, in index order.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)x[i] * x[i];
        return sum;
    }
}
