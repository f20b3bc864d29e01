using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// Bias add and bias gradient on the MLP's layer shapes (batch 32/128 × 256 hidden, × 10 outputs), an awkward
/// width and a 1M-element matrix, against the double reference (baseline per category), a TensorPrimitives row
/// loop and a copy of the matrix. Bytes moved per element of the matrix: AddBias 8 (read x, write y; the bias
/// stays in cache), BiasGradient 4 (read δ; the gradient row stays in cache); Copy 8.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BiasBenchmarks
{
    private float[] _x = [], _bias = [], _y = [], _db = [];
    private double[] _result = [], _rdb = [];

    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    public static IEnumerable<Shape> Shapes =>
        [new(32, 256), new(128, 256), new(32, 10), new(128, 10), new(3, 6 * 512 + 7), new(1024, 1024)];

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        (int rows, int cols) = (Shape.Rows, Shape.Cols);
        _x = BenchmarkData.Uniform(Shape.Length, 1);
        _bias = BenchmarkData.Uniform(cols, 2);
        _y = new float[Shape.Length];
        _db = new float[cols];
        _result = new double[Shape.Length];
        _rdb = new double[cols];
        var expectedDb = new double[cols];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            Reference.AddBias(_x, _bias, _result, rows, cols);
            Biases.AddBias(_x, _bias, _y, rows, cols);
            BenchmarkData.Validate(_result, _y, 1e-6, 1e-7, $"AddBias {level}");
            Reference.BiasGradient(_x, _bias, expectedDb, rows, cols, accumulate: true);
            float[] db = (float[])_bias.Clone();
            Biases.BiasGradient(_x, db, rows, cols, accumulate: true);
            BenchmarkData.Validate(expectedDb, db, 0, (rows + 3) * BlasBenchmarkSupport.Epsilon * (rows + 1), $"BiasGradient {level}");
        }
    }

    /// <summary>Copies the matrix: 8 bytes per element, the bandwidth roof.</summary>
    [Benchmark, BenchmarkCategory("Copy")]
    public void Copy() => _x.AsSpan().CopyTo(_y);

    [Benchmark(Baseline = true), BenchmarkCategory("AddBias")]
    public void AddBiasReference() => Reference.AddBias(_x, _bias, _result, Shape.Rows, Shape.Cols);

    [Benchmark, BenchmarkCategory("AddBias"), ArgumentsSource(nameof(Levels))]
    public void AddBias(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Biases.AddBias(_x, _bias, _y, Shape.Rows, Shape.Cols);
    }

    [Benchmark, BenchmarkCategory("AddBias")]
    public void AddBiasTensorPrimitives()
    {
        int cols = Shape.Cols;
        for (int r = 0; r < Shape.Rows; r++)
            TensorPrimitives.Add(_x.AsSpan(r * cols, cols), _bias, _y.AsSpan(r * cols, cols));
    }

    [Benchmark(Baseline = true), BenchmarkCategory("BiasGradient")]
    public void BiasGradientReference() => Reference.BiasGradient(_x, _bias, _rdb, Shape.Rows, Shape.Cols, accumulate: false);

    [Benchmark, BenchmarkCategory("BiasGradient"), ArgumentsSource(nameof(Levels))]
    public void BiasGradient(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Biases.BiasGradient(_x, _db, Shape.Rows, Shape.Cols, accumulate: false);
    }

    [Benchmark, BenchmarkCategory("BiasGradient")]
    public void BiasGradientTensorPrimitives()
    {
        int cols = Shape.Cols;
        _x.AsSpan(0, cols).CopyTo(_db);
        for (int r = 1; r < Shape.Rows; r++)
            TensorPrimitives.Add(_db, _x.AsSpan(r * cols, cols), _db);
    }
}
