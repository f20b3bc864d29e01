namespace Simd.Benchmarks;

/// <summary>A (rows × cols) matrix shape as a benchmark parameter.</summary>
public readonly record struct Shape(int Rows, int Cols)
{
    /// <summary>rows × cols.</summary>
    public int Length => Rows * Cols;

    /// <inheritdoc/>
    public override string ToString() => $"{Rows}x{Cols}";
}

/// <summary>Checks shared by the BLAS-1, bias, loss, clipping and optimizer benchmarks.</summary>
internal static class BlasBenchmarkSupport
{
    /// <summary>float ε (2^−23).</summary>
    public const double Epsilon = 1.0 / (1 << 23);

    /// <summary>Throws unless a float reduction is within (n + 2)·ε·<paramref name="magnitude"/> of the double reference.</summary>
    public static void ValidateSum(double expected, float actual, int n, double magnitude, string what) =>
        BenchmarkData.Validate([expected], [actual], 0, (n + 2) * Epsilon * magnitude + 1e-30, what);
}
