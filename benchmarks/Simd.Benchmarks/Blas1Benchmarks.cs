using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// BLAS-1 kernels against the double reference (baseline of each category), TensorPrimitives and a copy of
/// the same length. Bytes moved per element: Axpy 12 (read x, y; write y), Scale 8, Add and Multiply 12,
/// Dot 8, SumOfSquares 4; Copy 8.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Blas1Benchmarks
{
    // Small enough that repeated in-place Axpy calls keep y finite for the whole run.
    private const float Alpha = 1e-6f;

    private float[] _x = [], _y = [], _destination = [];
    private double[] _result = [];

    [Params(16 * 1024, 1024 * 1024, 6 * 512 + 7)]
    public int Length { get; set; }

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        _x = BenchmarkData.Uniform(Length, 1);
        _y = BenchmarkData.Uniform(Length, 2);
        _destination = new float[Length];
        _result = new double[Length];
        var expected = new double[Length];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            float[] y = (float[])_y.Clone();
            Reference.Axpy(0.5, _x, _y, expected);
            Blas1.Axpy(0.5f, _x, y);
            BenchmarkData.Validate(expected, y, 1e-6, 1e-6, $"Axpy {level}");
            Reference.Scale(Alpha, _x, expected);
            Blas1.Scale(Alpha, _x, _destination);
            BenchmarkData.Validate(expected, _destination, 1e-6, 0, $"Scale {level}");
            Reference.Add(_x, _y, expected);
            Blas1.Add(_x, _y, _destination);
            BenchmarkData.Validate(expected, _destination, 1e-6, 1e-7, $"Add {level}");
            Reference.Multiply(_x, _y, expected);
            Blas1.Multiply(_x, _y, _destination);
            BenchmarkData.Validate(expected, _destination, 1e-6, 0, $"Multiply {level}");
            BlasBenchmarkSupport.ValidateSum(Reference.Dot(_x, _y), Blas1.Dot(_x, _y), Length, Reference.DotMagnitude(_x, _y), $"Dot {level}");
            double squares = Reference.SumOfSquares(_x);
            BlasBenchmarkSupport.ValidateSum(squares, Blas1.SumOfSquares(_x), Length, squares, $"SumOfSquares {level}");
        }
    }

    /// <summary>8 bytes per element: the bandwidth roof.</summary>
    [Benchmark, BenchmarkCategory("Copy")]
    public void Copy() => _x.AsSpan().CopyTo(_destination);

    [Benchmark(Baseline = true), BenchmarkCategory("Axpy")]
    public void AxpyReference() => Reference.Axpy(Alpha, _x, _y, _result);

    [Benchmark, BenchmarkCategory("Axpy"), ArgumentsSource(nameof(Levels))]
    public void Axpy(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Blas1.Axpy(Alpha, _x, _y);
    }

    [Benchmark, BenchmarkCategory("Axpy")]
    public void AxpyTensorPrimitives() => TensorPrimitives.MultiplyAdd(_x, Alpha, _y, _y);

    [Benchmark(Baseline = true), BenchmarkCategory("Scale")]
    public void ScaleReference() => Reference.Scale(Alpha, _x, _result);

    [Benchmark, BenchmarkCategory("Scale"), ArgumentsSource(nameof(Levels))]
    public void Scale(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Blas1.Scale(Alpha, _x, _destination);
    }

    [Benchmark, BenchmarkCategory("Scale")]
    public void ScaleTensorPrimitives() => TensorPrimitives.Multiply(_x, Alpha, _destination);

    [Benchmark(Baseline = true), BenchmarkCategory("Add")]
    public void AddReference() => Reference.Add(_x, _y, _result);

    [Benchmark, BenchmarkCategory("Add"), ArgumentsSource(nameof(Levels))]
    public void Add(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Blas1.Add(_x, _y, _destination);
    }

    [Benchmark, BenchmarkCategory("Add")]
    public void AddTensorPrimitives() => TensorPrimitives.Add(_x, _y, _destination);

    [Benchmark(Baseline = true), BenchmarkCategory("Multiply")]
    public void MultiplyReference() => Reference.Multiply(_x, _y, _result);

    [Benchmark, BenchmarkCategory("Multiply"), ArgumentsSource(nameof(Levels))]
    public void Multiply(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Blas1.Multiply(_x, _y, _destination);
    }

    [Benchmark, BenchmarkCategory("Multiply")]
    public void MultiplyTensorPrimitives() => TensorPrimitives.Multiply(_x, _y, _destination);

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public double DotReference() => Reference.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Dot"), ArgumentsSource(nameof(Levels))]
    public float Dot(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return Blas1.Dot(_x, _y);
    }

    [Benchmark, BenchmarkCategory("Dot")]
    public float DotTensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    [Benchmark(Baseline = true), BenchmarkCategory("SumOfSquares")]
    public double SumOfSquaresReference() => Reference.SumOfSquares(_x);

    [Benchmark, BenchmarkCategory("SumOfSquares"), ArgumentsSource(nameof(Levels))]
    public float SumOfSquares(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return Blas1.SumOfSquares(_x);
    }

    [Benchmark, BenchmarkCategory("SumOfSquares")]
    public float SumOfSquaresTensorPrimitives() => TensorPrimitives.SumOfSquares(_x);
}
