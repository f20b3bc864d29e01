using System.Globalization;

namespace Simd.Kernels.Tests;

/// <summary>Shapes, special-value planting and bitwise assertions for the BLAS-1, bias, loss and optimizer tests.</summary>
internal static class BlasTestSupport
{
    /// <summary>float ε (2^−23).</summary>
    public const double Epsilon = 1.0 / (1 << 23);

    /// <summary>
    /// (rows, cols) shapes: every cols in 1..40 (all remainders of every width, below and above one vector)
    /// at several row counts, empty shapes, the MLP's training shapes and a few large ones.
    /// </summary>
    public static IEnumerable<(int Rows, int Cols)> Shapes()
    {
        foreach (int rows in new[] { 1, 2, 3, 7 })
            for (int cols = 1; cols <= 40; cols++)
                yield return (rows, cols);
        yield return (0, 0);
        yield return (0, 5);
        yield return (4, 0);
        yield return (32, 10);
        yield return (32, 256);
        yield return (128, 256);
        yield return (3, 4099);
        yield return (1, 9000);
        yield return (257, 33);
    }

    /// <summary>Uniform values with special values planted at deterministic positions (about one in five).</summary>
    public static float[] WithSpecials(int length, int seed)
    {
        float[] values = TestSupport.Uniform(length, seed);
        var random = new Random(seed + 7919);
        for (int i = 0; i < length; i++)
            if (random.Next(5) == 0)
                values[i] = TestSupport.SpecialValues[random.Next(TestSupport.SpecialValues.Length)];
        return values;
    }

    /// <summary>Asserts the same bits element by element, except that any NaN matches any NaN.</summary>
    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            AssertSameBits(expected[i], actual[i], context, i);
    }

    /// <summary>Scalar form of <see cref="AssertSameBits(ReadOnlySpan{float}, ReadOnlySpan{float}, string)"/>.</summary>
    public static void AssertSameBits(float expected, float actual, string context, int index = -1)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual)) return;
        if (BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual)) return;
        string where = index >= 0 ? $"[{index}]" : "";
        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{context}{where}: expected {expected:R}, actual {actual:R} (bitwise)"));
    }

    /// <summary>Asserts that the NaN guard cells <see cref="TestSupport.Unaligned"/> puts around a span were not written.</summary>
    public static void AssertGuardsIntact(float[] buffer, int start, int length, string context)
    {
        for (int i = 0; i < start; i++)
            Assert.True(float.IsNaN(buffer[i]), $"{context}: wrote before the span at {i - start}");
        for (int i = start + length; i < buffer.Length; i++)
            Assert.True(float.IsNaN(buffer[i]), $"{context}: wrote past the span at +{i - start - length}");
    }

    /// <summary>
    /// Tolerance for a float sum of terms whose magnitudes add to <paramref name="magnitude"/>: n·ε·Σ|terms|
    /// plus a tiny absolute floor for sums of subnormal-scale terms.
    /// </summary>
    public static double SumTolerance(int n, double magnitude) => (n + 2) * Epsilon * magnitude + 1e-37;
}
