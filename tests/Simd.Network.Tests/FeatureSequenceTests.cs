using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>Sequences of float features: (batch, steps, features) in, one class per step out.</summary>
public class FeatureSequenceTests
{
    private static float[] Features(int count, ulong seed)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, count).Select(_ => rng.NextSingle() * 2 - 1)];
    }

    [Theory]
    [InlineData("elman")]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void GradientsMatchFiniteDifferences(string cell)
    {
        const int features = 3, steps = 5, batch = 2, classes = 4;
        RecurrentLayer layer = cell switch { "gru" => new Gru(features, 6), "lstm" => new Lstm(features, 6), _ => new Elman(features, 6) };
        var model = SequenceModel.ForFeatures(features, [layer], classes, 2);
        Assert.False(model.ReadsTokens);
        Assert.Equal(0, model.Vocabulary);
        float[] x = Features(batch * steps * features, 3);
        int[] targets = [.. Enumerable.Range(0, batch * steps).Select(i => (i * 7) % classes)];
        SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
        model.Forward(x, steps, batch, workspace);
        float j = new SequenceCrossEntropy(SequenceReduction.MeanOverTokens).Compute(model, workspace, targets, steps, batch, out _);
        model.Parameters.ZeroGradients();
        model.Backward(x, steps, batch, workspace);
        var reference = new SequenceReference(model, steps, batch, SequenceReduction.MeanOverTokens);
        double expected = reference.Loss(x, targets);
        Assert.Equal(expected, j, 1e-5 * expected);
        foreach (Parameter parameter in model.Parameters.Parameters)
        {
            ReadOnlySpan<float> analytic = model.Parameters.GradientOf(parameter);
            for (int i = 0; i < parameter.Length; i++)
            {
                int index = parameter.Offset + i;
                double original = reference.Theta[index];
                reference.Theta[index] = original + 1e-6;
                double plus = reference.Loss(x, targets);
                reference.Theta[index] = original - 1e-6;
                double minus = reference.Loss(x, targets);
                reference.Theta[index] = original;
                double numeric = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(analytic[i] - numeric) <= 2e-3 * Math.Abs(numeric) + 1e-6, $"{parameter.Name}[{i}]: {analytic[i]} vs {numeric}");
            }
        }
    }

    [Fact]
    public void LearnsTheSignOfARunningSum()
    {
        const int steps = 12, batch = 16;
        var model = SequenceModel.ForFeatures(1, [new Gru(1, 16)], 2, 4);
        var trainer = new SequenceTrainer(model, new Adam(1e-2f), steps, batch, SequenceReduction.MeanOverTokens, clipNorm: 5f) { CarryState = false };
        var rng = new Rng(5);
        var x = new float[batch * steps];
        var targets = new int[batch * steps];
        float first = 0, last = 0;
        for (int i = 0; i < 300; i++)
        {
            for (int b = 0; b < batch; b++)
            {
                float sum = 0;
                for (int t = 0; t < steps; t++)
                {
                    x[b * steps + t] = rng.NextSingle() * 2 - 1;
                    sum += x[b * steps + t];
                    targets[b * steps + t] = sum > 0 ? 1 : 0;
                }
            }
            last = trainer.Step(x, targets, steps, batch);
            if (i == 0) first = last;
        }
        Assert.True(first > 0.6f, $"first loss {first}");
        Assert.True(last < 0.25f, $"loss {first} → {last}");
    }

    [Fact]
    public void WrongInputKindOrShapeIsRejected()
    {
        var features = SequenceModel.ForFeatures(3, [new Elman(3, 4)], 2, 1);
        var tokens = new SequenceModel(5, 3, [new Elman(3, 4)], 1);
        SequenceWorkspace workspace = features.CreateWorkspace(4, 2);
        var error = Assert.Throws<ArgumentException>(() => features.Forward(new float[23], 4, 2, workspace));
        Assert.Equal("features", error.ParamName);
        Assert.Contains("(batch 2 × steps 4 × 3 features) needs 24", error.Message);
        Assert.Throws<InvalidOperationException>(() => features.Forward(new int[8], 4, 2, workspace));
        Assert.Throws<InvalidOperationException>(() => tokens.Forward(new float[24], 4, 2, tokens.CreateWorkspace(4, 2)));
        Assert.Throws<InvalidOperationException>(() => features.EmbeddingTable);
        var trainer = new SequenceTrainer(features, new Sgd(0.1f), 4, 2);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(new float[24], [0, 1, 2, 0, 0, 0, 0, 0], 4, 2));
        Assert.Equal("targets", range.ParamName);
        Assert.Contains("is 2, not a class in [0, 2)", range.Message);
    }

    [Fact]
    public void ConstructionNamesTheMismatchedLayers()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequenceModel(5, 4, [new Elman(3, 6)], 1));
        Assert.Contains("elman1 takes 3 inputs but the embedding gives 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => SequenceModel.ForFeatures(4, [new Lstm(4, 6), new Gru(5, 2)], 3, 1));
        Assert.Contains("gru2 takes 5 inputs but lstm1 gives 6", error.Message);
        var shared = new Elman(4, 4);
        Assert.Throws<ArgumentException>(() => new SequenceModel(5, 4, [shared, shared], 1));
        Assert.Equal("vocabulary", Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceModel(0, 4, [new Elman(4, 2)], 1)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => SequenceModel.ForFeatures(4, [new Elman(4, 2)], 0, 1)).ParamName);
        Assert.Throws<ArgumentException>(() => new SequenceModel(5, 4, [], 1));
    }
}
