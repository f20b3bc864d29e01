using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;
using Simd.Network;

namespace Simd.Benchmarks;

/// <summary>
/// The CI performance gate: a few key kernels at fixed shapes, at the 256- and 512-bit levels, each a
/// few hundred microseconds so that 15 samples take seconds. `simd-perf record --job smoke --filter
/// '*SmokeBenchmarks*'` runs them with the roofs; `simd-perf compare` checks them against
/// perf-results/baseline/&lt;machine&gt;.json. Every kernel is validated against the reference first.
/// </summary>
public class SmokeBenchmarks
{
    private const int Square = 256, ElementCount = 256 * 1024, Batch = 512, Classes = 100;
    private readonly float[] _a = BenchmarkData.Uniform(Square * Square, 1);
    private readonly float[] _b = BenchmarkData.Uniform(Square * Square, 2);
    private readonly float[] _c = new float[Square * Square];
    private readonly float[] _x = BenchmarkData.Uniform(ElementCount, 3, -4f, 4f);
    private readonly float[] _y = new float[ElementCount];
    private readonly float[] _g = BenchmarkData.Uniform(ElementCount, 4);
    private readonly float[] _m = new float[ElementCount];
    private readonly float[] _v = new float[ElementCount];
    private readonly int[] _labels = [.. Enumerable.Range(0, Batch).Select(i => i * 7 % Classes)];
    private Trainer _trainer = null!;
    private float[] _batch = [];
    private int[] _batchLabels = [];

    public static IEnumerable<SimdLevel> Levels => [SimdLevel.Vector256, SimdLevel.Vector512];

    [GlobalSetup]
    public void Setup()
    {
        foreach (SimdLevel level in Levels)
        {
            using var scope = SimdLevels.Force(level);
            Gemm.Multiply(Square, Square, Square, _a, _b, _c);
            double[] expected = Reference.Gemm(false, false, Square, Square, Square, 1, _a, Square, _b, Square, 0, _c, Square, out _);
            BenchmarkData.Validate(expected, _c, 1e-5, 1e-4, $"Gemm {level}");
            Activations.Sigmoid(_x, _y);
            BenchmarkData.Validate([.. _x.Select(v => Reference.Sigmoid(v))], _y, 1e-6, 1e-7, $"Sigmoid {level}");
            Activations.TanhBackward(_g, _y, _m);
            BenchmarkData.Validate([.. _g.Select((g, i) => g * (1.0 - (double)_y[i] * _y[i]))], _m, 1e-6, 1e-7, $"TanhBackward {level}");
            float loss = SoftmaxCrossEntropy.ForwardBackward(_x.AsSpan(0, Batch * Classes), _labels, Batch, Classes, _y.AsSpan(0, Batch * Classes), 1f / Batch);
            if (!(loss > 0 && float.IsFinite(loss))) throw new InvalidOperationException($"SoftmaxCrossEntropy {level}: loss {loss}");
        }
        Gemm.MaxDegreeOfParallelism = 1;
        var rng = new Rng(1);
        Model model = new ModelBuilder(784).Add(new Dense(784, 256, Activation.Relu)).Add(new Dense(256, 256, Activation.Relu)).Add(new Dense(256, 10)).Build(1);
        _batch = new float[128 * 784];
        for (int i = 0; i < _batch.Length; i++) _batch[i] = rng.NextSingle();
        _batchLabels = [.. Enumerable.Range(0, 128).Select(i => i % 10)];
        _trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-5f), 128);
        TrainingValidation.FiniteStep(_trainer, _batch, _batchLabels, 128);
    }

    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>256³ SGEMM, single thread (the smoke run pins one thread in setup).</summary>
    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Gemm256(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Gemm.Multiply(Square, Square, Square, _a, _b, _c);
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Sigmoid(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Activations.Sigmoid(_x, _y);
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void TanhBackward(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Activations.TanhBackward(_g, _y, _m);
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public float SoftmaxCrossEntropy512x100(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return SoftmaxCrossEntropy.ForwardBackward(_x.AsSpan(0, Batch * Classes), _labels, Batch, Classes, _m.AsSpan(0, Batch * Classes), 1f / Batch);
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Adam(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        OptimizerUpdates.Adam(_g, _y, _m, _v, 10, 1e-6f);
    }

    /// <summary>One MLP 784-256-256-10 training step at batch 128, one thread, detected level.</summary>
    [Benchmark]
    public float MlpStep128() => _trainer.Step(_batch, _batchLabels, 128);

    /// <summary>Flops for the compute-bound cases; bytes (reads + writes, 4 per float) for the memory-bound ones.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) => method switch
    {
        nameof(Gemm256) => Workload.Compute(2.0 * Square * Square * Square),
        // exp: 9 FMAs, a subtract, the exponent add; then negate, add one and divide: 22 operations a lane.
        nameof(Sigmoid) => Workload.Compute(22.0 * ElementCount, 8.0 * ElementCount),
        nameof(TanhBackward) => Workload.Memory(12.0 * ElementCount),
        // max, subtract, exp (20), sum, scale, and the one-hot subtract: 25 operations an element.
        nameof(SoftmaxCrossEntropy512x100) => Workload.Compute(25.0 * Batch * Classes, 8.0 * Batch * Classes),
        nameof(Adam) => Workload.Memory(28.0 * ElementCount),
        nameof(MlpStep128) => Workload.Compute(2.0 * 128 * (3 * (784 * 256 + 256 * 256 + 256 * 10) - 784 * 256)),
        _ => throw new ArgumentException($"unknown method {method}", nameof(method)),
    };
}
