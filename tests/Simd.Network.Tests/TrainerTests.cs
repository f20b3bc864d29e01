using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>Alone, because it measures allocations and changes <see cref="Gemm.MaxDegreeOfParallelism"/>.</summary>
[Collection(nameof(IsolatedCollection))]
public class TrainerTests
{
    private static (Dataset Train, Dataset Test) Digits() =>
        Dataset.LoadDigitsCsv(DatasetTests.RepositoryFile("data", "digits", "digits.csv.gz")).Split(0.2, seed: 1);

    private static Model DigitsMlp(ulong seed) =>
        new ModelBuilder(64).Add(new Dense(64, 64, Activation.Relu)).Add(new Dense(64, 10)).Build(seed);

    private static void Epoch(Trainer trainer, Dataset data, int batchSize, float[] batchX, int[] batchY)
    {
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, data.Count - start);
            data.Features.AsSpan(start * data.FeatureCount, batch * data.FeatureCount).CopyTo(batchX);
            data.Labels.AsSpan(start, batch).CopyTo(batchY);
            trainer.Step(batchX, batchY, batch);
        }
    }

    [Fact]
    public void DigitsMlpLearns()
    {
        var (train, test) = Digits();
        Model model = DigitsMlp(1);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(3e-3f), 32);
        var (initialLoss, initialAccuracy) = Trainer.Evaluate(model, test);
        var batchX = new float[32 * 64];
        var batchY = new int[32];
        for (int epoch = 0; epoch < 8; epoch++) Epoch(trainer, train, 32, batchX, batchY);
        var (loss, accuracy) = Trainer.Evaluate(model, test);
        Assert.True(initialAccuracy < 0.3, $"untrained accuracy {initialAccuracy}");
        Assert.True(loss < initialLoss / 5, $"loss {initialLoss} → {loss}");
        Assert.True(accuracy >= 0.93, $"test accuracy after 8 epochs: {accuracy:P2}");
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("adam")]
    public void EveryOptimizerReducesTheLoss(string name)
    {
        var (train, _) = Digits();
        Model model = DigitsMlp(2);
        Optimizer optimizer = name switch { "sgd" => new Sgd(0.1f), "momentum" => new Momentum(0.05f), _ => new Adam(2e-3f) };
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, 64, l2: 1e-4f, clipNorm: 5f);
        float first = trainer.Step(train.Features.AsSpan(0, 64 * 64), train.Labels.AsSpan(0, 64), 64);
        float last = first;
        for (int i = 0; i < 60; i++) last = trainer.Step(train.Features.AsSpan(0, 64 * 64), train.Labels.AsSpan(0, 64), 64);
        Assert.True(last < first / 3, $"{name}: {first} → {last}");
        Assert.Equal(61, optimizer.Step);
    }

    [Fact]
    public void SteadyStateStepAllocatesNothing()
    {
        var (train, _) = Digits();
        float[] x = train.Features.AsSpan(0, 128 * 64).ToArray();
        int[] y = train.Labels.AsSpan(0, 128).ToArray();
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(0.01f), new Momentum(0.01f), new Adam() })
        {
            var trainer = new Trainer(DigitsMlp(3), new SoftmaxCrossEntropyLoss(), optimizer, 128, l2: 1e-4f, clipNorm: 1f);
            trainer.Step(x, y, 128);
            Allocations.AssertSteadyStateAllocatesNothing(() => trainer.Step(x, y, 100), optimizer.Name);
        }
    }

    [Fact]
    public void SteadyStateWindowClassifierStepAllocatesNothing()
    {
        Model model = new ModelBuilder(5).Add(new Embedding(1000, 8, 5)).Add(new Dense(40, 16, Activation.Relu)).Add(new Dense(16, 5)).Build(4);
        var rng = new Rng(4);
        int[] tokens = new int[32 * 5];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(1000);
        int[] labels = [.. Enumerable.Range(0, 32).Select(i => i % 5)];
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(0.01f), new Adam() })
        {
            var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, 32, clipNorm: 1f);
            Allocations.AssertSteadyStateAllocatesNothing(() => trainer.Step(tokens, labels, 32), $"window classifier, {optimizer.Name}");
        }
    }

    private static float[] TrainSteps(int threads, ulong seed, int steps)
    {
        int saved = Gemm.MaxDegreeOfParallelism;
        Gemm.MaxDegreeOfParallelism = threads;
        try
        {
            var (train, _) = Digits();
            Model model = new ModelBuilder(64).Add(new Dense(64, 256, Activation.Relu)).Add(new Dense(256, 256, Activation.Tanh)).Add(new Dense(256, 10)).Build(seed);
            var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-3f), 128, l2: 1e-4f, clipNorm: 2f);
            for (int i = 0; i < steps; i++)
            {
                int start = (i * 128) % (train.Count - 128);
                trainer.Step(train.Features.AsSpan(start * 64, 128 * 64), train.Labels.AsSpan(start, 128), 128);
            }
            return model.Parameters.Values.ToArray();
        }
        finally { Gemm.MaxDegreeOfParallelism = saved; }
    }

    [Fact]
    public void SameSeedSameWeightsForAnyThreadCount()
    {
        float[] one = TrainSteps(1, 7, 6);
        Assert.Equal(one, TrainSteps(1, 7, 6));
        Assert.Equal(one, TrainSteps(2, 7, 6));
        Assert.Equal(one, TrainSteps(7, 7, 6));
        Assert.NotEqual(one, TrainSteps(1, 8, 6));
    }

    [Fact]
    public void StepRejectsMismatchedTargets()
    {
        Model model = DigitsMlp(1);
        var classifier = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 4);
        Assert.Throws<ArgumentException>(() => classifier.Step(new float[4 * 64], new int[3], 4));
        Assert.Throws<InvalidOperationException>(() => classifier.Step(new float[4 * 64], new float[40], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Step(new float[4 * 64], [0, 1, 2, 10], 4));
    }

    [Theory]
    [InlineData(20_000_000)]   // 20e6 × 128 wraps int to a negative length
    [InlineData(33_554_433)]   // 2^25 + 1: × 128 wraps to a small positive length
    [InlineData(int.MaxValue)]
    public void BatchSizesWhoseBuffersOverflowAreRefusedUpFront(int maxBatch)
    {
        Model model = new ModelBuilder(64).Add(new Dense(64, 128, Activation.Relu)).Add(new Dense(128, 10)).Build(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), maxBatch));
        Assert.Equal("maxBatch", error.ParamName);
        Assert.Contains("× 128 floats (dense1)", error.Message);
        Assert.Contains("at most 16,777,215 examples per batch fit this model", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(maxBatch));
        Assert.Equal("capacity", error.ParamName);
        Assert.NotNull(new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 2));
    }

    [Fact]
    public void BadBatchesAndForeignWorkspacesAreNamed()
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 3)).Build(1);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 2);
        foreach (int batch in new[] { -1, 0, 3 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(new float[8], new int[2], batch));
            Assert.Equal("batch", error.ParamName);
            Assert.Contains($"batch {batch} is outside [1, 2] (1 to the trainer's maxBatch)", error.Message);
        }
        var regression = new Trainer(model, new MeanSquaredErrorLoss(Reduction.Mean), new Sgd(0.1f), 2);
        Assert.Contains("batch -1 is outside [1, 2]", Assert.Throws<ArgumentOutOfRangeException>(() => regression.Step(new float[8], new float[6], -1)).Message);

        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 0));
        Assert.Equal("maxBatch", zero.ParamName);
        Assert.Contains("maxBatch is the largest batch, so it must be at least 1", zero.Message);

        Model other = new ModelBuilder(4).Add(new Dense(4, 5)).Add(new Dense(5, 3)).Build(1);
        var foreign = Assert.Throws<ArgumentException>(() => model.Forward(new float[8], 2, other.CreateWorkspace(2)));
        Assert.Equal("workspace", foreign.ParamName);
        Assert.Contains("the workspace was created by another model", foreign.Message);
        Assert.Throws<ArgumentException>(() => model.Backward(new float[8], 2, other.CreateWorkspace(2)));
    }
}
