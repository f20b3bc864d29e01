namespace Simd.Kernels.Tests;

/// <summary>
/// Plain double-precision loops for every kernel: the oracle for tests and the baseline for
/// benchmarks. One partial file per kernel file; no vectors, no cleverness.
/// </summary>
internal static partial class Reference
{
    /// <summary>Widens a float span to a double array.</summary>
    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = x[i];
        return result;
    }
}
