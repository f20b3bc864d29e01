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
    private int[] _tokens = [];
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
        _tokens = new int[Batch * 5];
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
    public static void FiniteStep(Trainer trainer, float[] x, int[] labels, int batch) => Finite(trainer.Step(x, labels, batch));

    /// <summary>As <see cref="FiniteStep(Trainer, float[], int[], int)"/> for a model that reads token ids.</summary>
    public static void FiniteStep(Trainer trainer, int[] tokens, int[] labels, int batch) => Finite(trainer.Step(tokens, labels, batch));

    private static void Finite(float loss)
    {
        if (!float.IsFinite(loss)) throw new InvalidOperationException($"a training step gave loss {loss}");
    }
}

/// <summary>
/// A training step of the character model: embedding 65×64, one recurrent layer of hidden 256 (Elman
/// tanh, GRU or LSTM), 64 steps, batch 32, output 65 per step, softmax-CE mean over all tokens, clip 5,
/// SGD (the cases of ../shared/anchors: torch_steps.py rnn|gru|lstm and onednn_rnn_step.cpp).
/// Work: the anchors' GEMM flops 6·B·T·(g·E·H + g·H·H + H·V) with g = 1, 3, 4 gates.
/// </summary>
public class RecurrentTrainingBenchmarks
{
    /// <summary>Embedding, hidden, steps, batch, vocabulary.</summary>
    public const int E = 64, H = 256, T = 64, B = 32, V = 65;
    private SequenceTrainer _trainer = null!;
    private int[] _inputs = [], _targets = [];

    /// <summary>elman, gru or lstm.</summary>
    [Params("elman", "gru", "lstm")]
    public string Cell { get; set; } = "elman";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        (_trainer, _inputs, _targets) = Create(Cell);
        float loss = _trainer.Step(_inputs, _targets, T, B);
        if (!(loss > 3 && loss < 5)) throw new InvalidOperationException($"{Cell}: the first step's loss {loss} is not near ln 65 = 4.17");
    }

    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;

    [Benchmark]
    public float Step() => _trainer.Step(_inputs, _targets, T, B);

    /// <summary>The trainer and one window of random tokens for <paramref name="cell"/>.</summary>
    public static (SequenceTrainer Trainer, int[] Inputs, int[] Targets) Create(string cell)
    {
        RecurrentLayer layer = cell switch
        {
            "elman" => new Elman(E, H, Activation.Tanh),
            "gru" => new Gru(E, H),
            "lstm" => new Lstm(E, H),
            _ => throw new ArgumentException($"unknown cell '{cell}'", nameof(cell)),
        };
        var model = new SequenceModel(V, E, [layer], 1);
        var trainer = new SequenceTrainer(model, new Sgd(0.01f), T, B, SequenceReduction.MeanOverTokens, clipNorm: 5f);
        var rng = new Rng(3);
        int[] inputs = [.. Enumerable.Range(0, T * B).Select(_ => rng.NextInt(V))];
        int[] targets = [.. Enumerable.Range(0, T * B).Select(_ => rng.NextInt(V))];
        return (trainer, inputs, targets);
    }

    /// <summary>GEMM flops of one step: 6·B·T·(g·E·H + g·H·H + H·V).</summary>
    public static double Flops(string cell)
    {
        int gates = cell switch { "gru" => 3, "lstm" => 4, _ => 1 };
        return 6.0 * B * T * (gates * E * H + gates * (double)H * H + H * V);
    }

    /// <summary>
    /// GEMM flops the step executes: with the embedding folded into the input projection (as it is at these
    /// sizes, V·2 ≤ T·B), the three input-side products run over V rows instead of T·B:
    /// 6·B·T·(g·H·H + H·V) + 6·V·E·g·H; otherwise <see cref="Flops"/>.
    /// </summary>
    public static double ExecutedFlops(string cell, SequenceTrainer trainer)
    {
        if (!trainer.Workspace.HasProjectedTable || 2 * V > T * B) return Flops(cell);
        int gates = cell switch { "gru" => 3, "lstm" => 4, _ => 1 };
        return 6.0 * B * T * (gates * (double)H * H + H * V) + 6.0 * V * E * gates * H;
    }

    /// <summary>See <see cref="Flops"/>.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) =>
        Workload.Compute(Flops(parameters["Cell"])) with { Samples = B };
}
