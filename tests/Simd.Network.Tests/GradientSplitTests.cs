using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>
/// The split step: ComputeGradients then ApplyGradients is Step bit for bit, compute changes nothing but
/// the gradients, apply uses the gradient as the caller left it (clipping included), and misuse throws.
/// Alone, because it measures allocations.
/// </summary>
[Collection(nameof(IsolatedCollection))]
public class GradientSplitTests
{
    private const int Inputs = 12, Hidden = 16, Classes = 5, Batch = 8;

    private static Model Mlp(ulong seed) => new ModelBuilder(Inputs)
        .Add(new Dense(Inputs, Hidden, Activation.Tanh))
        .Add(new Dense(Hidden, Classes))
        .Build(seed);

    private static (float[] X, int[] Labels) Batches(int count, ulong seed)
    {
        var rng = new Rng(seed);
        float[] x = [.. Enumerable.Range(0, count * Batch * Inputs).Select(_ => rng.NextSingle() * 2 - 1)];
        int[] labels = [.. Enumerable.Range(0, count * Batch).Select(_ => rng.NextInt(Classes))];
        return (x, labels);
    }

    private static uint[] Bits(ReadOnlySpan<float> values) => [.. values.ToArray().Select(BitConverter.SingleToUInt32Bits)];

    [Fact]
    public void ComputeThenApplyIsStepBitForBit()
    {
        const int steps = 6;
        var (x, labels) = Batches(steps, 1);
        Model stepped = Mlp(3), split = Mlp(3);
        var stepTrainer = new Trainer(stepped, new SoftmaxCrossEntropyLoss(), new Adam(1e-2f), Batch, l2: 1e-3f, clipNorm: 0.5f);
        var splitTrainer = new Trainer(split, new SoftmaxCrossEntropyLoss(), new Adam(1e-2f), Batch, l2: 1e-3f, clipNorm: 0.5f);
        for (int s = 0; s < steps; s++)
        {
            ReadOnlySpan<float> xs = x.AsSpan(s * Batch * Inputs, Batch * Inputs);
            ReadOnlySpan<int> ys = labels.AsSpan(s * Batch, Batch);
            float expected = stepTrainer.Step(xs, ys, Batch);
            float computed = splitTrainer.ComputeGradients(xs, ys, Batch);
            Assert.True(splitTrainer.HasPendingGradients);
            Assert.Equal(expected, splitTrainer.ApplyGradients());
            Assert.Equal(expected, computed);
            Assert.Equal(stepTrainer.LastGradientNorm, splitTrainer.LastGradientNorm);
            Assert.False(splitTrainer.HasPendingGradients);
        }
        Assert.Equal(Bits(stepped.Parameters.Values), Bits(split.Parameters.Values));
        Assert.Equal(steps, splitTrainer.Optimizer.Step);
    }

    [Fact]
    public void ComputeChangesOnlyTheGradientsAndMeasuresTheirNorm()
    {
        var (x, labels) = Batches(1, 2);
        Model model = Mlp(4);
        var optimizer = new Adam(1e-2f);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, Batch, l2: 1e-3f, clipNorm: 1e-3f);
        uint[] before = Bits(model.Parameters.Values);
        trainer.ComputeGradients(x, labels, Batch);
        Assert.Equal(before, Bits(model.Parameters.Values));
        Assert.Equal(0, optimizer.Step);
        Assert.All(optimizer.State, state => Assert.All(state, v => Assert.Equal(0f, v)));
        double sum = 0;
        foreach (float g in model.Parameters.Gradients) sum += (double)g * g;
        Assert.Equal(Math.Sqrt(sum), trainer.LastGradientNorm, 1e-5 * Math.Sqrt(sum));
        Assert.True(trainer.LastGradientNorm > 1e-3f, "the gradient is not clipped by compute (it is larger than clipNorm)");
    }

    [Fact]
    public void ApplyUsesTheGradientAsChangedAndClipsIt()
    {
        var (x, labels) = Batches(1, 5);
        const float rate = 0.1f;

        // No clipping: doubling the gradient (a sum over two identical replicas) doubles plain SGD's step.
        Model plain = Mlp(6);
        var plainTrainer = new Trainer(plain, new SoftmaxCrossEntropyLoss(), new Sgd(rate), Batch);
        plainTrainer.ComputeGradients(x, labels, Batch);
        float[] start = plain.Parameters.Values.ToArray();
        float[] doubled = [.. plain.Parameters.Gradients.ToArray().Select(g => 2 * g)];
        doubled.CopyTo(plain.Parameters.Gradients);
        plainTrainer.ApplyGradients();
        for (int i = 0; i < start.Length; i++)
            Assert.Equal(start[i] - rate * doubled[i], plain.Parameters.Values[i], 1e-6f);

        // Clipping applies to the changed gradient: scaled ×1000, it is clipped back to the threshold.
        const float clip = 0.25f;
        Model clipped = Mlp(6);
        var clipTrainer = new Trainer(clipped, new SoftmaxCrossEntropyLoss(), new Sgd(rate), Batch, clipNorm: clip);
        clipTrainer.ComputeGradients(x, labels, Batch);
        float computedNorm = clipTrainer.LastGradientNorm;
        Span<float> gradients = clipped.Parameters.Gradients;
        for (int i = 0; i < gradients.Length; i++) gradients[i] *= 1000;
        clipTrainer.ApplyGradients();
        Assert.Equal(1000 * computedNorm, clipTrainer.LastGradientNorm, 1e-3f * computedNorm * 1000);
        double moved = 0;
        for (int i = 0; i < start.Length; i++) moved += Math.Pow(start[i] - clipped.Parameters.Values[i], 2);
        Assert.Equal(rate * clip, Math.Sqrt(moved), 1e-4);
    }

    [Fact]
    public void MisuseThrowsAndChangesNothing()
    {
        var (x, labels) = Batches(1, 7);
        Model model = Mlp(8);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch);
        var applyFirst = Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Contains("ComputeGradients first", applyFirst.Message);
        Assert.Throws<InvalidOperationException>(() => trainer.DiscardGradients());

        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(x, labels.AsSpan(0, Batch - 1), Batch)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(x.AsSpan(0, 3), labels, Batch)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.ComputeGradients(x, labels, Batch + 1)).ParamName);
        var shortDx = Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(x, labels, Batch, new float[Batch * Inputs - 1]));
        Assert.Equal("inputGradient", shortDx.ParamName);
        Assert.Contains($"{Batch} × {Inputs}", shortDx.Message);
        Assert.Throws<InvalidOperationException>(() => trainer.ComputeGradients(x, [0f], Batch));
        Assert.False(trainer.HasPendingGradients);

        uint[] before = Bits(model.Parameters.Values);
        trainer.ComputeGradients(x, labels, Batch);
        float[] first = model.Parameters.Gradients.ToArray();
        var twice = Assert.Throws<InvalidOperationException>(() => trainer.ComputeGradients(x.AsSpan(Inputs), labels.AsSpan(1), Batch - 1));
        Assert.Contains("still pending", twice.Message);
        Assert.Throws<InvalidOperationException>(() => trainer.Step(x, labels, Batch));
        Assert.Equal(first, model.Parameters.Gradients.ToArray());
        Assert.Equal(before, Bits(model.Parameters.Values));
        trainer.ApplyGradients();
        Assert.Equal(1, trainer.Optimizer.Step);
        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Equal(1, trainer.Optimizer.Step);

        trainer.ComputeGradients(x, labels, Batch);
        trainer.DiscardGradients();
        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Equal(1, trainer.Optimizer.Step);
    }

    [Fact]
    public void ANonFiniteGradientIsReturnedByComputeAndRefusedByApply()
    {
        var (x, labels) = Batches(1, 9);
        Model model = Mlp(10);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-2f), Batch, clipNorm: 1f);
        x[3] = float.NaN;
        float loss = trainer.ComputeGradients(x, labels, Batch);
        Assert.True(float.IsNaN(loss));
        uint[] before = Bits(model.Parameters.Values);
        Assert.Throws<NonFiniteStepException>(() => trainer.ApplyGradients());
        Assert.Equal(before, Bits(model.Parameters.Values));
        Assert.Equal(0, trainer.Optimizer.Step);
        Assert.False(trainer.HasPendingGradients);
        x[3] = 0.5f;
        trainer.ComputeGradients(x, labels, Batch);
        trainer.ApplyGradients();
        Assert.Equal(1, trainer.Optimizer.Step);
    }

    [Fact]
    public void SteadyStateComputeAndApplyAllocateNothing()
    {
        var (x, labels) = Batches(1, 11);
        var trainer = new Trainer(Mlp(12), new SoftmaxCrossEntropyLoss(), new Adam(1e-3f), Batch, l2: 1e-4f, clipNorm: 1f);
        float[] dx = new float[Batch * Inputs];
        void Both()
        {
            trainer.ComputeGradients(x, labels, Batch, dx);
            trainer.ApplyGradients();
        }
        Allocations.AssertSteadyStateAllocatesNothing(Both, "compute + apply");
    }

    private static SequenceModel CharModel(ulong seed) => new(7, 6, [new Gru(6, 10)], seed);

    private static (int[] Inputs, int[] Targets) Windows(int count, int steps, int batch, ulong seed)
    {
        var rng = new Rng(seed);
        int[] inputs = [.. Enumerable.Range(0, count * steps * batch).Select(_ => rng.NextInt(7))];
        int[] targets = [.. Enumerable.Range(0, count * steps * batch).Select(_ => rng.NextInt(7))];
        return (inputs, targets);
    }

    [Fact]
    public void SequenceComputeThenApplyIsStepBitForBitWithTheStateCarried()
    {
        const int windows = 5, steps = 6, batch = 3;
        var (inputs, targets) = Windows(windows, steps, batch, 13);
        SequenceModel stepped = CharModel(14), split = CharModel(14);
        var stepTrainer = new SequenceTrainer(stepped, new Adam(1e-2f), steps, batch, clipNorm: 0.5f, l2: 1e-3f);
        var splitTrainer = new SequenceTrainer(split, new Adam(1e-2f), steps, batch, clipNorm: 0.5f, l2: 1e-3f);
        int size = steps * batch;
        for (int w = 0; w < windows; w++)
        {
            ReadOnlySpan<int> i = inputs.AsSpan(w * size, size), t = targets.AsSpan(w * size, size);
            float expected = stepTrainer.Step(i, t, steps, batch);
            Assert.Equal(expected, splitTrainer.ComputeGradients(i, t, steps, batch));
            uint[] parameters = Bits(split.Parameters.Values);
            if (w == 2)
            {
                // A discarded gradient neither updates nor carries the state.
                splitTrainer.DiscardGradients();
                Assert.Equal(parameters, Bits(split.Parameters.Values));
                splitTrainer.ComputeGradients(i, t, steps, batch);
            }
            Assert.Equal(expected, splitTrainer.ApplyGradients());
            Assert.Equal(stepTrainer.LastGradientNorm, splitTrainer.LastGradientNorm);
            Assert.Equal(stepTrainer.LastMeanLossPerToken, splitTrainer.LastMeanLossPerToken);
        }
        Assert.Equal(Bits(stepped.Parameters.Values), Bits(split.Parameters.Values));
        Assert.Equal(Bits(stepTrainer.Workspace.FinalState(0, steps, batch)), Bits(splitTrainer.Workspace.FinalState(0, steps, batch)));
    }

    [Fact]
    public void SequenceMisuseThrows()
    {
        const int steps = 4, batch = 2;
        var (inputs, targets) = Windows(1, steps, batch, 15);
        var trainer = new SequenceTrainer(CharModel(16), new Sgd(0.1f), steps, batch);
        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Throws<InvalidOperationException>(() => trainer.DiscardGradients());
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(inputs, targets.AsSpan(1), steps, batch)).ParamName);
        Assert.ThrowsAny<ArgumentException>(() => trainer.ComputeGradients(inputs, targets, steps + 1, batch));
        Assert.False(trainer.HasPendingGradients);
        trainer.ComputeGradients(inputs, targets, steps, batch);
        Assert.Throws<InvalidOperationException>(() => trainer.ComputeGradients(inputs, targets, steps, batch));
        Assert.Throws<InvalidOperationException>(() => trainer.Step(inputs, targets, steps, batch));
        trainer.ApplyGradients();
        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Equal(1, trainer.Optimizer.Step);
    }

    [Fact]
    public void SteadyStateSequenceComputeAndApplyAllocateNothing()
    {
        const int steps = 5, batch = 2;
        var (inputs, targets) = Windows(1, steps, batch, 17);
        var trainer = new SequenceTrainer(CharModel(18), new Adam(1e-3f), steps, batch, clipNorm: 1f);
        void Both()
        {
            trainer.ComputeGradients(inputs, targets, steps, batch);
            trainer.ApplyGradients();
        }
        Allocations.AssertSteadyStateAllocatesNothing(Both, "compute + apply");
    }

    [Fact]
    public void InputGradientMatchesCentralDifferences()
    {
        var (x, labels) = Batches(1, 19);
        Model model = Mlp(20);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch, l2: 1e-2f);
        float[] dx = new float[Batch * Inputs + 3];
        dx.AsSpan().Fill(float.NaN);
        trainer.ComputeGradients(x, labels, Batch, dx);
        Assert.All(dx[^3..], v => Assert.True(float.IsNaN(v), "dX writes only batch × inputs floats"));
        trainer.DiscardGradients();

        // J(x) = mean softmax cross-entropy (the L2 term does not depend on x), in float, h = 1e-2.
        var logits = new float[Batch * Classes];
        double Loss(float[] input)
        {
            model.Predict(input, Batch, logits);
            return SoftmaxCrossEntropy.Loss(logits, labels, Batch, Classes);
        }
        const float h = 1e-2f;
        for (int i = 0; i < Batch * Inputs; i++)
        {
            float saved = x[i];
            x[i] = saved + h;
            double plus = Loss(x);
            x[i] = saved - h;
            double minus = Loss(x);
            x[i] = saved;
            double expected = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(dx[i] - expected) <= 2e-4 + 2e-2 * Math.Abs(expected), $"dX[{i / Inputs}, {i % Inputs}] = {dx[i]}, central difference {expected}");
        }
    }

    [Fact]
    public void RequestingTheInputGradientChangesNoParameterGradient()
    {
        var (x, labels) = Batches(1, 21);
        Model with = Mlp(22), without = Mlp(22);
        var withTrainer = new Trainer(with, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch, clipNorm: 0.1f);
        var withoutTrainer = new Trainer(without, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch, clipNorm: 0.1f);
        float loss = withTrainer.ComputeGradients(x, labels, Batch, new float[Batch * Inputs]);
        Assert.Equal(withoutTrainer.ComputeGradients(x, labels, Batch), loss);
        Assert.Equal(Bits(without.Parameters.Gradients), Bits(with.Parameters.Gradients));
        withTrainer.ApplyGradients();
        withoutTrainer.ApplyGradients();
        Assert.Equal(Bits(without.Parameters.Values), Bits(with.Parameters.Values));
    }

    [Fact]
    public void TwoTrainersOfOneModelCannotConsumeEachOthersGradient()
    {
        Model model = Mlp(26);
        var (x, labels) = Batches(1, 27);
        var first = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch);
        var second = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch);
        first.ComputeGradients(x, labels, Batch);
        float[] pending = model.Parameters.Gradients.ToArray();
        float[] values = model.Parameters.Values.ToArray();
        Assert.True(first.HasPendingGradients);
        Assert.False(second.HasPendingGradients);

        Assert.Contains("another trainer", Assert.Throws<InvalidOperationException>(() => second.ComputeGradients(x, labels, Batch)).Message);
        Assert.Contains("another trainer", Assert.Throws<InvalidOperationException>(() => second.Step(x, labels, Batch)).Message);
        Assert.Contains("another trainer", Assert.Throws<InvalidOperationException>(() => second.ApplyGradients()).Message);
        Assert.Contains("another trainer", Assert.Throws<InvalidOperationException>(() => second.DiscardGradients()).Message);
        Assert.Equal(pending, model.Parameters.Gradients.ToArray());
        Assert.Equal(values, model.Parameters.Values.ToArray());

        first.DiscardGradients();
        second.Step(x, labels, Batch);
        Assert.False(first.HasPendingGradients || second.HasPendingGradients);
    }

    [Fact]
    public void InputGradientMisuseThrows()
    {
        var (x, labels) = Batches(1, 23);
        var trainer = new Trainer(Mlp(24), new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch);
        var overlap = Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(x, labels, Batch, x));
        Assert.Equal("inputGradient", overlap.ParamName);
        Assert.False(trainer.HasPendingGradients);

        Model windows = new ModelBuilder(2).Add(new Embedding(10, 3, 2)).Add(new Dense(6, 2)).Build(25);
        var windowTrainer = new Trainer(windows, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 2);
        var floats = Assert.Throws<ArgumentException>(() => windowTrainer.ComputeGradients([1f, 2f, 3f, 4f], [0, 1], 2, new float[4]));
        Assert.Equal("x", floats.ParamName);
        Assert.Contains("token ids", floats.Message);
        Assert.False(windowTrainer.HasPendingGradients);
        windowTrainer.ComputeGradients((ReadOnlySpan<int>)[1, 2, 3, 4], [0, 1], 2);
        windowTrainer.ApplyGradients();
    }
}
