using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>Alone, because it measures allocations and changes <see cref="Gemm.MaxDegreeOfParallelism"/>.</summary>
[Collection(nameof(IsolatedCollection))]
public class SequenceTrainerTests
{
    private static SequenceModel CharModel(int vocabulary, int embedding, int hidden, ulong seed, Activation activation = Activation.Tanh) =>
        new(vocabulary, embedding, [new Elman(embedding, hidden, activation)], seed);

    private static (int[] Inputs, int[] Targets) Windows(int vocabulary, int steps, int batch, ulong seed)
    {
        var rng = new Rng(seed);
        int[] inputs = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(vocabulary))];
        int[] targets = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(vocabulary))];
        return (inputs, targets);
    }

    [Fact]
    public void WorkspaceSizesThatOverflowAnArrayAreRefusedUpFront()
    {
        var model = new SequenceModel(65, 64, [new Lstm(64, 256)], seed: 1);
        // 70,000 × 70,000 rows wrapped int arithmetic and was accepted; 5,000 × 5,000 died with OutOfMemoryException.
        var wrapped = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceTrainer(model, new Sgd(1f), maxSteps: 70_000, maxBatch: 70_000));
        Assert.Equal("maxBatch", wrapped.ParamName);
        Assert.Contains("at most 29 sequences of 70,000 steps", wrapped.Message);
        Assert.Equal("maxBatch", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(5_000, 5_000)).ParamName);
        Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(3_000_000, 1)).ParamName);
    }

    [Fact]
    public void LearnsAPeriodicSequence()
    {
        // A stream "0 1 2 3 4 0 1 2 …" in windows of 8 with the state carried: the next token is determined.
        const int vocabulary = 5, steps = 8, batch = 4;
        var model = CharModel(vocabulary, 8, 16, 1);
        var trainer = new SequenceTrainer(model, new Adam(1e-2f), steps, batch, SequenceReduction.MeanOverTokens, clipNorm: 5f);
        var inputs = new int[batch * steps];
        var targets = new int[batch * steps];
        float first = 0, last = 0;
        for (int window = 0; window < 150; window++)
        {
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < steps; t++)
                {
                    int position = window * steps + t + b;
                    inputs[b * steps + t] = position % vocabulary;
                    targets[b * steps + t] = (position + 1) % vocabulary;
                }
            last = trainer.Step(inputs, targets, steps, batch);
            if (window == 0) first = last;
        }
        Assert.True(first > 1.3f, $"first loss {first}");
        Assert.True(last < 0.05f, $"loss {first} → {last}");
        Assert.Equal(last, trainer.LastMeanLossPerToken);
    }

    private static RecurrentLayer Cell(string kind, int inputs, int hidden) => kind switch
    {
        "gru" => new Gru(inputs, hidden),
        "lstm" => new Lstm(inputs, hidden, forgetBias: 1f),
        _ => new Elman(inputs, hidden),
    };

    private static float[] Train(string kind, int threads, ulong seed)
    {
        int saved = Gemm.MaxDegreeOfParallelism;
        Gemm.MaxDegreeOfParallelism = threads;
        try
        {
            var model = new SequenceModel(65, 64, [Cell(kind, 64, 256)], seed);
            var trainer = new SequenceTrainer(model, new Sgd(0.05f), 16, 32, clipNorm: 5f);
            for (int i = 0; i < 3; i++)
            {
                var (inputs, targets) = Windows(65, 16, 32, (ulong)i);
                trainer.Step(inputs, targets, 16, 32);
            }
            return [.. model.Parameters.Values.ToArray(), .. trainer.Workspace.FinalState(0, 16, 32).ToArray()];
        }
        finally { Gemm.MaxDegreeOfParallelism = saved; }
    }

    [Theory]
    [InlineData("elman")]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void SameSeedSameWeightsForAnyThreadCount(string kind)
    {
        float[] one = Train(kind, 1, 3);
        Assert.Equal(one, Train(kind, 2, 3));
        Assert.NotEqual(one, Train(kind, 1, 4));
    }

    [Fact]
    public void SteadyStateStepAllocatesNothing()
    {
        var model = new SequenceModel(30, 16, [new Elman(16, 32, Activation.Tanh), new Lstm(32, 24), new Gru(24, 20), new Elman(20, 16, Activation.Relu)], 2);
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(0.01f), new Adam(1e-3f) })
        {
            var trainer = new SequenceTrainer(model, optimizer, 12, 8, clipNorm: 1f, l2: 1e-5f);
            var (inputs, targets) = Windows(30, 12, 8, 5);
            var (shortInputs, shortTargets) = Windows(30, 5, 8, 6);
            Allocations.AssertSteadyStateAllocatesNothing(() =>
            {
                trainer.Step(inputs, targets, 12, 8);
                trainer.Step(shortInputs, shortTargets, 5, 8);
            }, $"{optimizer.Name}, a 12-step and a 5-step window");
        }
    }

    [Fact]
    public void BadInputNamesTheParameterAndShapesAndChangesNothing()
    {
        var model = CharModel(10, 4, 6, 1);
        var trainer = new SequenceTrainer(model, new Adam(1e-2f), 5, 3);
        var (inputs, targets) = Windows(10, 5, 3, 1);
        trainer.Step(inputs, targets, 5, 3);
        float[] values = model.Parameters.Values.ToArray();
        float[] state = trainer.Workspace.Buffers[0].InitialState(3).ToArray();

        int[] bad = (int[])inputs.Clone();
        bad[7] = 10;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(bad, targets, 5, 3));
        Assert.Equal("tokens", error.ParamName);
        Assert.Contains("tokens[7] (example 1, step 2) is 10, not a token id in [0, 10)", error.Message);
        bad = (int[])targets.Clone();
        bad[0] = -1;
        error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(inputs, bad, 5, 3));
        Assert.Equal("targets", error.ParamName);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(Array.Empty<int>(), [], 0, 3));
        Assert.Equal("steps", error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(new int[18], new int[18], 6, 3));
        Assert.Equal("steps", error.ParamName);
        Assert.Contains("at most 5 steps", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(new int[20], new int[20], 5, 4));
        Assert.Equal("batch", error.ParamName);

        var shape = Assert.Throws<ArgumentException>(() => trainer.Step(new int[10], new int[10], 5, 2));
        Assert.Equal("batch", shape.ParamName);
        Assert.Contains("batch is 2 but the initial state is (batch 3 × 6)", shape.Message);
        shape = Assert.Throws<ArgumentException>(() => trainer.Step(inputs.AsSpan(0, 14), targets, 5, 3));
        Assert.Equal("tokens", shape.ParamName);
        Assert.Contains("(batch 3 × steps 5) needs 15", shape.Message);
        shape = Assert.Throws<ArgumentException>(() => trainer.Workspace.SetInitialState(0, new float[17], 3));
        Assert.Equal("state", shape.ParamName);
        Assert.Contains("(batch 3 × 6) = 18", shape.Message);

        Assert.Equal(values, model.Parameters.Values.ToArray());
        Assert.Equal(state, trainer.Workspace.Buffers[0].InitialState(3).ToArray());
        Assert.Equal(1, trainer.Optimizer.Step);
        trainer.Workspace.ResetState();
        trainer.Step(inputs.AsSpan(0, 10), targets.AsSpan(0, 10), 5, 2);
    }

    [Fact]
    public void NonFiniteStepChangesNothingAndKeepsTheCarriedState()
    {
        var model = CharModel(10, 4, 6, 2);
        var trainer = new SequenceTrainer(model, new Momentum(0.1f), 5, 3);
        var (inputs, targets) = Windows(10, 5, 3, 2);
        trainer.Step(inputs, targets, 5, 3);
        float[] carried = trainer.Workspace.Buffers[0].InitialState(3).ToArray();
        model.Parameters.ValuesOf(model.EmbeddingTable)[inputs[0] * 4] = float.NaN;
        float[] values = model.Parameters.Values.ToArray();
        float[] velocity = trainer.Optimizer.State[0].ToArray();
        var error = Assert.Throws<NonFiniteStepException>(() => trainer.Step(inputs, targets, 5, 3));
        Assert.Equal(2, error.Step);
        Assert.Equal(values, model.Parameters.Values.ToArray());
        Assert.Equal(velocity, trainer.Optimizer.State[0]);
        Assert.Equal(carried, trainer.Workspace.Buffers[0].InitialState(3).ToArray());
    }

    [Theory]
    [InlineData("elman")]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void ClippingScalesTheWholeGradientToTheThreshold(string kind)
    {
        const int steps = 6, batch = 3;
        const float clip = 0.05f, rate = 0.5f;
        var (inputs, targets) = Windows(12, steps, batch, 9);
        // The unclipped gradient, from an identical model.
        var reference = new SequenceModel(12, 8, [Cell(kind, 8, 10)], 6);
        SequenceWorkspace workspace = reference.CreateWorkspace(steps, batch);
        reference.Forward(inputs, steps, batch, workspace);
        new SequenceCrossEntropy(SequenceReduction.SumOverTimeMeanOverBatch).Compute(reference, workspace, targets, steps, batch, out _);
        reference.Parameters.ZeroGradients();
        reference.Backward(inputs, steps, batch, workspace);
        float[] gradient = reference.Parameters.Gradients.ToArray();
        double norm = Math.Sqrt(gradient.Sum(g => (double)g * g));
        Assert.True(norm > 10 * clip, $"the case must clip: norm {norm}");

        var model = new SequenceModel(12, 8, [Cell(kind, 8, 10)], 6);
        float[] before = model.Parameters.Values.ToArray();
        var trainer = new SequenceTrainer(model, new Sgd(rate), steps, batch, clipNorm: clip);
        trainer.Step(inputs, targets, steps, batch);
        Assert.Equal(norm, trainer.LastGradientNorm, 1e-6 * norm);
        float[] clipped = model.Parameters.Gradients.ToArray();
        Assert.Equal(clip, Math.Sqrt(clipped.Sum(g => (double)g * g)), 1e-6);
        float[] after = model.Parameters.Values.ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            Assert.Equal(gradient[i] * (clip / norm), clipped[i], 1e-6 * Math.Abs(gradient[i]) * clip / norm + 1e-12);
            Assert.Equal(before[i] - rate * clipped[i], after[i], 1e-7 * (Math.Abs(before[i]) + 1e-3));
        }
    }
}
