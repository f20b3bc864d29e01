using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// Fused optimizer updates on the MLP 784-256-256-10 weight counts, 1M and an awkward size, against the double
/// reference (baseline per category) and a copy of the same length. Bytes moved per element: Sgd 12 (read g, w;
/// write w), momentum 20 (read g, w, v; write w, v), Adam 28 (read g, w, m, v; write w, m, v); Copy 8.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OptimizersBenchmarks
{
    /// <summary>
    /// Bytes per update: SGD reads g and w and writes w (12·Length), momentum also reads and writes v
    /// (20·Length), Adam m and v (28·Length); <see cref="Copy"/> moves 8·Length.
    /// </summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        double perElement = method.StartsWith("Adam", StringComparison.Ordinal) ? 28
            : method.StartsWith("SgdMomentum", StringComparison.Ordinal) ? 20
            : method.StartsWith("Sgd", StringComparison.Ordinal) ? 12
            : 8;
        return Workload.Memory(perElement * Workload.Int(parameters, nameof(Length)));
    }

    // Tiny so that weights stay finite over the millions of repeated steps of a run.
    private const float LearningRate = 1e-7f;

    private float[] _g = [], _w = [], _m = [], _v = [], _destination = [];
    private double[] _rw = [], _rm = [], _rv = [];
    private int _step;

    [Params(784 * 256, 256 * 256, 256 * 10, 1024 * 1024, 6 * 512 + 7)]
    public int Length { get; set; }

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        _g = BenchmarkData.Uniform(Length, 1);
        _w = BenchmarkData.Uniform(Length, 2);
        _m = new float[Length];
        _v = new float[Length];
        _destination = new float[Length];
        _rw = Array.ConvertAll(_w, x => (double)x);
        _rm = new double[Length];
        _rv = new double[Length];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            float[] w = (float[])_w.Clone(), m = new float[Length], v = new float[Length];
            double[] ew = Array.ConvertAll(_w, x => (double)x), em = new double[Length], ev = new double[Length];
            OptimizerUpdates.Sgd(_g, w, 0.01f);
            Reference.Sgd(_g, ew, 0.01f);
            BenchmarkData.Validate(ew, w, 1e-6, 1e-7, $"Sgd {level}");
            OptimizerUpdates.SgdMomentum(_g, w, m, 0.01f, 0.9f);
            Reference.SgdMomentum(_g, ew, em, 0.01f, 0.9f, nesterov: false);
            BenchmarkData.Validate(ew, w, 1e-6, 1e-6, $"SgdMomentum {level}");
            Array.Clear(m);
            Array.Clear(em);
            for (int t = 1; t <= 3; t++)
            {
                OptimizerUpdates.Adam(_g, w, m, v, t, 0.01f, weightDecay: 0.01f);
                Reference.Adam(_g, ew, em, ev, t, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01);
            }
            BenchmarkData.Validate(ew, w, 1e-6, 1e-6, $"Adam weights {level}");
            BenchmarkData.Validate(ev, v, 1e-5, 1e-9, $"Adam second moment {level}");
        }
    }

    /// <summary>8 bytes per element: the bandwidth roof.</summary>
    [Benchmark, BenchmarkCategory("Copy")]
    public void Copy() => _g.AsSpan().CopyTo(_destination);

    [Benchmark(Baseline = true), BenchmarkCategory("Sgd")]
    public void SgdReference() => Reference.Sgd(_g, _rw, LearningRate);

    [Benchmark, BenchmarkCategory("Sgd"), ArgumentsSource(nameof(Levels))]
    public void Sgd(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        OptimizerUpdates.Sgd(_g, _w, LearningRate);
    }

    [Benchmark, BenchmarkCategory("Sgd")]
    public void SgdTensorPrimitives() => TensorPrimitives.MultiplyAdd(_g, -LearningRate, _w, _w);

    [Benchmark(Baseline = true), BenchmarkCategory("SgdMomentum")]
    public void SgdMomentumReference() => Reference.SgdMomentum(_g, _rw, _rm, LearningRate, 0.9, nesterov: false);

    [Benchmark, BenchmarkCategory("SgdMomentum"), ArgumentsSource(nameof(Levels))]
    public void SgdMomentum(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        OptimizerUpdates.SgdMomentum(_g, _w, _m, LearningRate, 0.9f);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Adam")]
    public void AdamReference() => Reference.Adam(_g, _rw, _rm, _rv, 10, LearningRate, 0.9, 0.999, 1e-8, 0.01);

    [Benchmark, BenchmarkCategory("Adam"), ArgumentsSource(nameof(Levels))]
    public void Adam(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        OptimizerUpdates.Adam(_g, _w, _m, _v, 1 + (_step++ & 1023), LearningRate, weightDecay: 0.01f);
    }
}
