using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// L2 gradient (g += 2λw: 12 bytes per element) and penalty (λΣw²: 4 bytes per element) on the largest MLP
/// weight matrix and on 1M floats, against the double reference, TensorPrimitives and a copy (8 bytes per element).
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RegularizationBenchmarks
{
    private const float Lambda = 1e-6f;

    private float[] _w = [], _g = [], _destination = [];
    private double[] _result = [];

    [Params(784 * 256, 1024 * 1024)]
    public int Length { get; set; }

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        _w = BenchmarkData.Uniform(Length, 1);
        _g = BenchmarkData.Uniform(Length, 2);
        _destination = new float[Length];
        _result = new double[Length];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            float[] g = (float[])_g.Clone();
            Reference.L2Gradient(0.5, _w, _g, _result);
            Regularization.L2Gradient(0.5f, _w, g);
            BenchmarkData.Validate(_result, g, 1e-6, 1e-6, $"L2Gradient {level}");
            double penalty = Reference.L2Penalty(0.5, _w);
            BlasBenchmarkSupport.ValidateSum(penalty, Regularization.L2Penalty(0.5f, _w), Length, penalty, $"L2Penalty {level}");
        }
    }

    /// <summary>8 bytes per element: the bandwidth roof.</summary>
    [Benchmark, BenchmarkCategory("Copy")]
    public void Copy() => _w.AsSpan().CopyTo(_destination);

    [Benchmark(Baseline = true), BenchmarkCategory("L2Gradient")]
    public void L2GradientReference() => Reference.L2Gradient(Lambda, _w, _g, _result);

    [Benchmark, BenchmarkCategory("L2Gradient"), ArgumentsSource(nameof(Levels))]
    public void L2Gradient(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Regularization.L2Gradient(Lambda, _w, _g);
    }

    [Benchmark, BenchmarkCategory("L2Gradient")]
    public void L2GradientTensorPrimitives() => TensorPrimitives.MultiplyAdd(_w, 2 * Lambda, _g, _g);

    [Benchmark(Baseline = true), BenchmarkCategory("L2Penalty")]
    public double L2PenaltyReference() => Reference.L2Penalty(Lambda, _w);

    [Benchmark, BenchmarkCategory("L2Penalty"), ArgumentsSource(nameof(Levels))]
    public float L2Penalty(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return Regularization.L2Penalty(Lambda, _w);
    }

    [Benchmark, BenchmarkCategory("L2Penalty")]
    public float L2PenaltyTensorPrimitives() => Lambda * TensorPrimitives.SumOfSquares(_w);
}
