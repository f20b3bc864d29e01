using Simd.Kernels;

namespace Simd.Benchmarks;

/// <summary>Shared inputs and checks for benchmarks.</summary>
internal static class BenchmarkData
{
    /// <summary>Every level, narrowest first; benchmarks take it as an argument so baselines run once.</summary>
    public static IEnumerable<SimdLevel> Levels => SimdLevels.All;

    /// <summary>Deterministic uniform values in [lo, hi).</summary>
    public static float[] Uniform(int length, int seed, float lo = -1f, float hi = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = lo + (hi - lo) * random.NextSingle();
        return values;
    }

    /// <summary>
    /// Throws unless every element of <paramref name="actual"/> is within
    /// absolute + relative·|expected| of <paramref name="expected"/>: a benchmark never times a wrong kernel.
    /// </summary>
    public static void Validate(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
    {
        if (expected.Length != actual.Length)
            throw new InvalidOperationException($"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            bool ok = double.IsNaN(e) ? float.IsNaN(actual[i]) : Math.Abs(actual[i] - e) <= absolute + relative * Math.Abs(e);
            if (!ok)
                throw new InvalidOperationException($"{what}: element {i} is {actual[i]}, expected {e}");
        }
    }
}
