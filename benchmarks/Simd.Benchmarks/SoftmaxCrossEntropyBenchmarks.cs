using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// Fused softmax + cross-entropy (loss and gradient) per row: the double reference (baseline), the Simd
/// kernel per level, TensorPrimitives.SoftMax per row followed by a separate gradient pass, and a copy of
/// the logits (bandwidth roof). Shapes: MNIST-like output layer (128 × 10), a wide classifier (32 × 1000),
/// and the awkward size 6·512+7 as one row.
/// </summary>
[MinColumn, MedianColumn]
public class SoftmaxCrossEntropyBenchmarks
{
    /// <summary>Every method reads the logits and writes the gradient: 8·batch·classes bytes.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        string[] shape = (parameters.TryGetValue("Shape", out string? text) ? text : throw new ArgumentException("missing Shape", nameof(parameters))).Split('x');
        return Workload.Memory(8.0 * int.Parse(shape[0], System.Globalization.CultureInfo.InvariantCulture) * int.Parse(shape[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private float[] _logits = [];
    private float[] _gradient = [];
    private int[] _labels = [];

    [Params("128x10", "32x1000", "1x3079")]
    public string Shape { get; set; } = "128x10";

    private int Batch => int.Parse(Shape.AsSpan(0, Shape.IndexOf('x')), provider: System.Globalization.CultureInfo.InvariantCulture);
    private int Classes => int.Parse(Shape.AsSpan(Shape.IndexOf('x') + 1), provider: System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The hardware-accelerated levels (see <see cref="ActivationsForwardBenchmarks.Levels"/>).</summary>
    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels.Where(SimdLevels.IsAccelerated);

    [GlobalSetup]
    public void Setup()
    {
        int batch = Batch, classes = Classes;
        _logits = BenchmarkData.Uniform(batch * classes, 5, -6f, 6f);
        _gradient = new float[batch * classes];
        var random = new Random(6);
        _labels = new int[batch];
        for (int i = 0; i < batch; i++) _labels[i] = random.Next(classes);
        var (losses, expected) = Kernels.Tests.Reference.SoftmaxCrossEntropy(_logits, _labels, batch, classes, 1.0 / batch);
        double expectedLoss = losses.Sum() / batch;
        foreach (SimdLevel level in Levels)
        {
            Array.Fill(_gradient, float.NaN);
            float loss = Simd(level);
            BenchmarkData.Validate(expected, _gradient, 1e-5, 1e-8, $"gradient at {level}");
            BenchmarkData.Validate([expectedLoss], [loss], 1e-5, 1e-6, $"loss at {level}");
        }
        Array.Fill(_gradient, float.NaN);
        float tpLoss = TensorPrimitivesVersion();
        BenchmarkData.Validate(expected, _gradient, 1e-5, 1e-8, "TensorPrimitives gradient");
        BenchmarkData.Validate([expectedLoss], [tpLoss], 1e-5, 1e-6, "TensorPrimitives loss");
    }

    [Benchmark(Baseline = true)]
    public float Reference() => Kernels.Tests.Reference.SoftmaxCrossEntropy(_logits, _labels, Batch, Classes, 1f / Batch, _gradient);

    [Benchmark]
    [ArgumentsSource(nameof(Levels))]
    public float Simd(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return SoftmaxCrossEntropy.ForwardBackward(_logits, _labels, Batch, Classes, _gradient, 1f / Batch);
    }

    /// <summary>TensorPrimitives.SoftMax per row, then the loss −ln p_y and the gradient (p − onehot)/batch.</summary>
    [Benchmark(Description = "TensorPrimitives")]
    public float TensorPrimitivesVersion()
    {
        int batch = Batch, classes = Classes;
        float scale = 1f / batch;
        double loss = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = _logits.AsSpan(i * classes, classes);
            Span<float> destination = _gradient.AsSpan(i * classes, classes);
            TensorPrimitives.SoftMax(row, destination);
            int label = _labels[i];
            loss -= Math.Log(destination[label]);
            destination[label] -= 1f;
            TensorPrimitives.Multiply(destination, scale, destination);
        }
        return (float)(loss / batch);
    }

    /// <summary>Copies the logits into the gradient: 8·batch·classes bytes, the same traffic as the kernel.</summary>
    [Benchmark]
    public void Copy() => _logits.AsSpan().CopyTo(_gradient);
}
