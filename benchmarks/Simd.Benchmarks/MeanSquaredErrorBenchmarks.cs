using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// Fused MSE loss and gradient on output-layer shapes (batch 32/128/512 × 10), an awkward size and 1M elements,
/// against the double reference (baseline), the three-pass TensorPrimitives equivalent (Subtract,
/// SumOfSquares, Multiply) and a copy. Bytes moved per element: 12 (read a, y; write the gradient); Copy 8.
/// </summary>
public class MeanSquaredErrorBenchmarks
{
    private float[] _a = [], _y = [], _gradient = [];
    private double[] _result = [];

    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    public static IEnumerable<Shape> Shapes => [new(32, 10), new(128, 10), new(512, 10), new(1, 6 * 512 + 7), new(1024, 1024)];

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        _a = BenchmarkData.Uniform(Shape.Length, 1);
        _y = BenchmarkData.Uniform(Shape.Length, 2);
        _gradient = new float[Shape.Length];
        _result = new double[Shape.Length];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            double loss = Reference.MeanSquaredError(_a, _y, _result, Shape.Rows, LossReduction.Mean);
            float actual = MeanSquaredError.LossAndGradient(_a, _y, _gradient, Shape.Rows, Shape.Cols, LossReduction.Mean);
            BenchmarkData.Validate(_result, _gradient, 1e-6, 1e-8, $"gradient {level}");
            BlasBenchmarkSupport.ValidateSum(loss, actual, Shape.Length, 2 * loss, $"loss {level}");
        }
    }

    /// <summary>8 bytes per element: the bandwidth roof.</summary>
    [Benchmark]
    public void Copy() => _a.AsSpan().CopyTo(_gradient);

    [Benchmark(Baseline = true)]
    public double LossAndGradientReference() => Reference.MeanSquaredError(_a, _y, _result, Shape.Rows, LossReduction.Mean);

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public float LossAndGradient(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return MeanSquaredError.LossAndGradient(_a, _y, _gradient, Shape.Rows, Shape.Cols, LossReduction.Mean);
    }

    [Benchmark]
    public float TensorPrimitivesThreePass()
    {
        TensorPrimitives.Subtract(_a, _y, _gradient);
        float loss = 0.5f * TensorPrimitives.SumOfSquares(_gradient) / Shape.Rows;
        TensorPrimitives.Multiply(_gradient, 1f / Shape.Rows, _gradient);
        return loss;
    }
}
