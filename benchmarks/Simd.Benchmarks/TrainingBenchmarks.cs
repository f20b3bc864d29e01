using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Benchmarks;

/// <summary>
/// A whole training step (forward, softmax-CE, zero-grad, backward, Adam update) of the MLP
/// 784-256-256-10 at the detected level, at batch 32, 128 and 512, on 1 and 2 threads.
/// Work is the step's GEMM flops: forward 2·B·Σ in·out, backward twice that except the first layer's
/// input gradient, which is not computed.
/// </summary>
public class MlpTrainingBenchmarks
{
    private static readonly (int In, int Out)[] s_layers = [(784, 256), (256, 256), (256, 10)];
    private Trainer _trainer = null!;
    private float[] _x = [];
    private int[] _labels = [];

    [Params(32, 128, 512)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        var rng = new Rng(1);
        var first = new Dense(784, 256, Activation.Relu);
        Model model = new ModelBuilder(784).Add(first).Add(new Dense(256, 256, Activation.Relu)).Add(new Dense(256, 10)).Build(1);
        _x = new float[Batch * 784];
        for (int i = 0; i < _x.Length; i++) _x[i] = rng.NextSingle();
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(10);
        _trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-4f), Batch);
        TrainingValidation.DenseForward(model, first, _x);
        TrainingValidation.FiniteStep(_trainer, _x, _labels, Batch);
    }

    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;

    [Benchmark]
    public float Step() => _trainer.Step(_x, _labels, Batch);

    /// <summary>GEMM flops of one step (element-wise work is not counted).</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        int batch = Workload.Int(parameters, nameof(Batch));
        double forward = s_layers.Sum(l => 2.0 * batch * l.In * l.Out);
        return Workload.Compute(3 * forward - 2.0 * batch * s_layers[0].In * s_layers[0].Out) with { Samples = batch };
    }
}

/// <summary>
/// A training step of the window classifier: |V| = 10000, d = 50, m = 5 words, hidden 100 (ReLU),
/// 5 classes, batch 64, SGD or Adam. Work: the GEMM flops (the embedding gather and scatter are not counted).
/// </summary>
public class WindowTrainingBenchmarks
{
    private const int Batch = 64;
    private Trainer _trainer = null!;
    private float[] _tokens = [];
    private int[] _labels = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>
    /// "sgd" updates only the embedding rows the batch used (exact: the other rows' gradient is zero);
    /// "adam" must update the whole 10000 × 50 table every step, because its moments keep moving rows.
    /// </summary>
    [Params("sgd", "adam")]
    public string OptimizerName { get; set; } = "sgd";

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        var rng = new Rng(2);
        Model model = new ModelBuilder(5).Add(new Embedding(10_000, 50, 5)).Add(new Dense(250, 100, Activation.Relu)).Add(new Dense(100, 5)).Build(1);
        _tokens = new float[Batch * 5];
        for (int i = 0; i < _tokens.Length; i++) _tokens[i] = rng.NextInt(10_000);
        _labels = new int[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = rng.NextInt(5);
        Optimizer optimizer = OptimizerName == "sgd" ? new Sgd(1e-2f) : new Adam(1e-4f);
        _trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, Batch);
        TrainingValidation.FiniteStep(_trainer, _tokens, _labels, Batch);
    }

    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;

    [Benchmark]
    public float Step() => _trainer.Step(_tokens, _labels, Batch);

    /// <summary>GEMM flops of one step: forward 2·B·(250·100 + 100·5), backward twice that (the embedding input needs its gradient).</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) =>
        Workload.Compute(3 * 2.0 * Batch * (250 * 100 + 100 * 5)) with { Samples = Batch };
}

/// <summary>Checks run before any training step is timed.</summary>
internal static class TrainingValidation
{
    /// <summary>The first dense layer's output for the first example must match a double-precision reference.</summary>
    public static void DenseForward(Model model, Dense layer, float[] x)
    {
        ReadOnlySpan<float> w = model.Parameters.ValuesOf(layer.Weight), b = model.Parameters.ValuesOf(layer.Bias);
        var expected = new double[layer.Outputs];
        for (int j = 0; j < layer.Outputs; j++)
        {
            double z = b[j];
            for (int p = 0; p < layer.Inputs; p++) z += (double)x[p] * w[p * layer.Outputs + j];
            expected[j] = layer.Activation == Activation.Relu ? Math.Max(z, 0) : z;
        }
        var actual = new float[layer.Outputs];
        layer.Forward(x.AsSpan(0, layer.Inputs), actual, 1, model.Parameters);
        BenchmarkData.Validate(expected, actual, 1e-4, 1e-4, $"{layer.Name} forward");
    }

    /// <summary>A step must give a finite loss.</summary>
    public static void FiniteStep(Trainer trainer, float[] x, int[] labels, int batch)
    {
        float loss = trainer.Step(x, labels, batch);
        if (!float.IsFinite(loss)) throw new InvalidOperationException($"a training step gave loss {loss}");
    }
}
