using Simd.Network;

namespace UserCode;

/// <summary>
/// What a package user can do with the public API alone (this project has no access to internals, and its
/// files import only Simd.Network): write a layer, check its gradients, train it inside a model, save and load it.
/// </summary>
public class UserLayerTests
{
    private const int Inputs = 6, Hidden = 8, Classes = 3, Batch = 16;

    private static Model BuildModel(ulong seed) => new ModelBuilder(Inputs)
        .Add(new Dense(Inputs, Hidden, Activation.Tanh))
        .Add(new LayerNormalization(Hidden))
        .Add(new Dense(Hidden, Classes))
        .Build(seed);

    /// <summary>Three separable classes: the label is the index of the largest of the first three features.</summary>
    private static (float[] X, int[] Labels) Data(ulong seed, int count)
    {
        var rng = new Rng(seed);
        float[] x = new float[count * Inputs];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < Inputs; j++) x[i * Inputs + j] = rng.NextSingle() * 2 - 1;
            labels[i] = x[i * Inputs] > x[i * Inputs + 1] ? (x[i * Inputs] > x[i * Inputs + 2] ? 0 : 2) : (x[i * Inputs + 1] > x[i * Inputs + 2] ? 1 : 2);
        }
        return (x, labels);
    }

    [Fact]
    public void UserLayerPassesGradientCheck()
    {
        Model model = BuildModel(3);
        var (x, labels) = Data(4, 5);
        var results = GradientCheck.Run(model, new SoftmaxCrossEntropyLoss(), x, labels, [], 5, l2: 0.01f, maxElementsPerParameter: 1000);
        Assert.Contains(results, r => r.Parameter == "layernormalization1.gain");
        Assert.Contains(results, r => r.Parameter == "layernormalization1.shift");
        foreach (GradientCheckResult result in results)
            Assert.True(result.WorstRelativeError < 1e-2, result.ToString());
    }

    [Fact]
    public void InputGradientThroughTheUserLayerMatchesFiniteDifferences()
    {
        Model model = BuildModel(5);
        var (x, labels) = Data(6, 2);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(Reduction.Sum), new Sgd(0.1f), 2);
        float[] dx = new float[x.Length];
        trainer.ComputeGradients(x, labels, 2, dx);
        trainer.DiscardGradients();
        Workspace workspace = model.CreateWorkspace(2);
        for (int i = 0; i < x.Length; i++)
        {
            float original = x[i];
            x[i] = original + 1e-2f;
            double plus = Loss(model, workspace, x, labels);
            x[i] = original - 1e-2f;
            double minus = Loss(model, workspace, x, labels);
            x[i] = original;
            Assert.Equal((plus - minus) / 2e-2, dx[i], 2e-3);
        }
    }

    private static double Loss(Model model, Workspace workspace, float[] x, int[] labels)
    {
        model.Forward(x, 2, workspace);
        ReadOnlySpan<float> logits = model.Output(workspace, 2);
        double sum = 0;
        for (int i = 0; i < 2; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * Classes, Classes);
            double max = double.NegativeInfinity, total = 0;
            foreach (float z in row) max = Math.Max(max, z);
            foreach (float z in row) total += Math.Exp(z - max);
            sum += Math.Log(total) + max - row[labels[i]];
        }
        return sum;
    }

    [Fact]
    public void ModelWithUserLayerTrainsSavesAndLoads()
    {
        Model model = BuildModel(7);
        var (x, labels) = Data(8, 512);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(0.01f), Batch, clipNorm: 5f);
        float first = 0, last = 0;
        for (int epoch = 0; epoch < 20; epoch++)
        {
            float sum = 0;
            for (int start = 0; start < 512; start += Batch)
                sum += trainer.Step(x.AsSpan(start * Inputs, Batch * Inputs), labels.AsSpan(start, Batch), Batch);
            if (epoch == 0) first = sum / (512 / Batch);
            last = sum / (512 / Batch);
        }
        Assert.True(last < 0.5f * first, $"loss fell only from {first} to {last}");
        Assert.True(model.Parameters.ValuesOf("layernormalization1.gain").IndexOfAnyExcept(1f) >= 0, "the user layer's gain never moved");

        string path = Path.Combine(Path.GetTempPath(), $"simd-user-layer-{Environment.ProcessId}.ckpt");
        try
        {
            Checkpoint.Save(path, model, trainer.Optimizer);
            Model loaded = BuildModel(99);
            Checkpoint.Load(path, loaded, null);
            Assert.Equal(model.Parameters.Values.ToArray(), loaded.Parameters.Values.ToArray());
            float[] expected = new float[512 * Classes], actual = new float[512 * Classes];
            model.Predict(x, 512, expected);
            loaded.Predict(x, 512, actual);
            Assert.Equal(expected, actual);

            Model other = new ModelBuilder(Inputs).Add(new Dense(Inputs, Hidden, Activation.Tanh)).Add(new LayerNormalization(Hidden, epsilon: 1e-3f)).Add(new Dense(Hidden, Classes)).Build(1);
            var mismatch = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, null));
            Assert.Contains("LayerNormalization 8, ε 0.001", mismatch.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TokenModelTrainsThroughThePublicIntApi()
    {
        Model model = new ModelBuilder(3).Add(new Embedding(20, 4, 3)).Add(new Dense(12, 8, Activation.Relu)).Add(new Dense(8, 2)).Build(2);
        Assert.True(model.ReadsTokens);
        var rng = new Rng(3);
        int[] tokens = new int[64 * 3], labels = new int[64];
        for (int i = 0; i < 64; i++)
        {
            for (int p = 0; p < 3; p++) tokens[i * 3 + p] = rng.NextInt(20);
            labels[i] = tokens[i * 3 + 1] < 10 ? 0 : 1;
        }
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(Reduction.Mean), new Adam(0.02f), 64);
        float first = trainer.Step(tokens, labels, 64), last = first;
        for (int step = 0; step < 100; step++) last = trainer.Step(tokens, labels, 64);
        Assert.True(last < 0.2f * first, $"loss fell only from {first} to {last}");
        float[] logits = new float[64 * 2];
        model.Predict(tokens, 64, logits);
        int correct = 0;
        for (int i = 0; i < 64; i++) correct += (logits[i * 2 + labels[i]] > logits[i * 2 + 1 - labels[i]]) ? 1 : 0;
        Assert.True(correct >= 60, $"{correct} of 64 training windows right");
    }
}
