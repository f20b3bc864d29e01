using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;

namespace Simd.Benchmarks;

/// <summary>
/// The roofs every other result is stated against, measured in the same run: the FMA peak
/// (independent fused multiply-add chains, enough to cover latency × pipes) and copy bandwidth.
/// </summary>
public class RoofBenchmarks
{
    /// <summary>FMA instructions per <see cref="FmaPeak"/> call per chain.</summary>
    public const int FmaIterations = 100_000;
    /// <summary>Independent accumulator chains: covers 4-cycle latency × 2 FMA pipes with margin.</summary>
    public const int FmaChains = 12;

    private readonly float[] _source = BenchmarkData.Uniform(CopyLengths.Max(), 1);
    private readonly float[] _destination = new float[CopyLengths.Max()];

    /// <summary>The copy lengths in floats: within L1 + L2 (16 K), L2-sized (256 K: 2 MiB moved) and streaming through L3 (1 M).</summary>
    public static IEnumerable<int> CopyLengths => [16 * 1024, 256 * 1024, 1024 * 1024];

    /// <summary>Copies <paramref name="length"/> floats: 8·length bytes moved (read + write).</summary>
    [Benchmark]
    [ArgumentsSource(nameof(CopyLengths))]
    public void Copy(int length) => _source.AsSpan(0, length).CopyTo(_destination);

    /// <summary>2 · lanes · <see cref="FmaChains"/> · <see cref="FmaIterations"/> flops at the given width.</summary>
    [Benchmark]
    [ArgumentsSource(nameof(VectorLevels))]
    public float FmaPeak(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => Fma512(),
        SimdLevel.Vector256 => Fma256(),
        _ => Fma128(),
    };

    /// <summary>Copy moves 8 bytes per element (read + write); FmaPeak does 2 flops per lane per FMA.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) => method switch
    {
        nameof(Copy) => Workload.Memory(8.0 * Workload.Int(parameters, "length")),
        nameof(FmaPeak) => Workload.Compute(FmaFlops(Enum.Parse<SimdLevel>(parameters["level"]))),
        _ => throw new ArgumentException($"unknown method {method}", nameof(method)),
    };

    /// <summary>Flops of one <see cref="FmaPeak"/> call at <paramref name="level"/>.</summary>
    public static double FmaFlops(SimdLevel level) => 2.0 * ((int)level / 32) * FmaChains * FmaIterations;

    public static IEnumerable<SimdLevel> VectorLevels => [SimdLevel.Vector128, SimdLevel.Vector256, SimdLevel.Vector512];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma128()
    {
        Vector128<float> a = Vector128.Create(0.999f), b = Vector128.Create(0.001f);
        Vector128<float> c0 = Vector128.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < FmaIterations; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, a, b); c1 = Vector128.FusedMultiplyAdd(c1, a, b);
            c2 = Vector128.FusedMultiplyAdd(c2, a, b); c3 = Vector128.FusedMultiplyAdd(c3, a, b);
            c4 = Vector128.FusedMultiplyAdd(c4, a, b); c5 = Vector128.FusedMultiplyAdd(c5, a, b);
            c6 = Vector128.FusedMultiplyAdd(c6, a, b); c7 = Vector128.FusedMultiplyAdd(c7, a, b);
            c8 = Vector128.FusedMultiplyAdd(c8, a, b); c9 = Vector128.FusedMultiplyAdd(c9, a, b);
            c10 = Vector128.FusedMultiplyAdd(c10, a, b); c11 = Vector128.FusedMultiplyAdd(c11, a, b);
        }
        return Vector128.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256()
    {
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(0.001f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < FmaIterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }
        return Vector256.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512()
    {
        Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(0.001f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < FmaIterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }
        return Vector512.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
    }
}
