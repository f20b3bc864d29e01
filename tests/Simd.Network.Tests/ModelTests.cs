using Simd.Kernels;

namespace Simd.Network.Tests;

public class ModelTests
{
    [Fact]
    public void BuilderNamesLayersAndShapesInErrors()
    {
        var builder = new ModelBuilder(784).Add(new Dense(784, 256, Activation.Relu));
        var error = Assert.Throws<ArgumentException>(() => builder.Add(new Dense(128, 10)));
        Assert.Contains("dense2 takes 128 inputs but dense1 gives 256", error.Message);
        error = Assert.Throws<ArgumentException>(() => new ModelBuilder(10).Add(new Dense(12, 3)));
        Assert.Contains("the model input gives 10", error.Message);
        error = Assert.Throws<ArgumentException>(() => new ModelBuilder(5).Add(new Dense(5, 5)).Add(new Embedding(10, 1, 5)));
        Assert.Contains("must be the first layer", error.Message);
        Assert.Throws<InvalidOperationException>(() => new ModelBuilder(3).Build(1));
    }

    [Fact]
    public void ArenaHoldsAllParametersAligned()
    {
        Model model = new ModelBuilder(5).Add(new Dense(5, 3, Activation.Tanh)).Add(new Dense(3, 2)).Build(1);
        Assert.Equal(5 * 3 + 3 + 3 * 2 + 2, model.ParameterCount);
        Assert.All(model.Parameters.Parameters, p => Assert.Equal(0, p.Offset % ParameterArena.Alignment));
        Assert.Equal(["dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias"], model.Parameters.Parameters.Select(p => p.Name));
        Assert.Equal(model.Parameters.Values.Length, model.Parameters.Gradients.Length);
    }

    [Fact]
    public void SameSeedSameInitialization()
    {
        Model a = new ModelBuilder(8).Add(new Dense(8, 16, Activation.Relu)).Add(new Dense(16, 4)).Build(9);
        Model b = new ModelBuilder(8).Add(new Dense(8, 16, Activation.Relu)).Add(new Dense(16, 4)).Build(9);
        Model c = new ModelBuilder(8).Add(new Dense(8, 16, Activation.Relu)).Add(new Dense(16, 4)).Build(10);
        Assert.True(a.Parameters.Values.SequenceEqual(b.Parameters.Values));
        Assert.False(a.Parameters.Values.SequenceEqual(c.Parameters.Values));
    }

    [Fact]
    public void DenseForwardMatchesDoubleReference()
    {
        var layer = new Dense(7, 5, Activation.Sigmoid);
        Model model = new ModelBuilder(7).Add(layer).Build(2);
        var rng = new Rng(4);
        float[] x = [.. Enumerable.Range(0, 3 * 7).Select(_ => rng.NextSingle() * 2 - 1)];
        Workspace workspace = model.CreateWorkspace(3);
        model.Forward(x, 3, workspace);
        ReadOnlySpan<float> y = model.Output(workspace, 3), w = model.Parameters.ValuesOf(layer.Weight), b = model.Parameters.ValuesOf(layer.Bias);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++)
            {
                double z = b[j];
                for (int p = 0; p < 7; p++) z += (double)x[i * 7 + p] * w[p * 5 + j];
                Assert.Equal(1 / (1 + Math.Exp(-z)), y[i * 5 + j], 5);
            }
    }

    [Fact]
    public void EmbeddingConcatenatesRowsAndAccumulatesRepeatedWords()
    {
        var embedding = new Embedding(vocabulary: 6, dimension: 2, window: 3);
        Model model = new ModelBuilder(3).Add(embedding).Build(1);
        Span<float> table = model.Parameters.ValuesOf(embedding.Table);
        for (int i = 0; i < table.Length; i++) table[i] = i;
        int[] tokens = [4, 1, 4, 0, 4, 2];
        Workspace workspace = model.CreateWorkspace(2);
        model.Forward(tokens, 2, workspace);
        Assert.Equal([8, 9, 2, 3, 8, 9, 0, 1, 8, 9, 4, 5], model.Output(workspace, 2).ToArray());

        Span<float> dy = model.OutputGradient(workspace, 2);
        for (int i = 0; i < dy.Length; i++) dy[i] = i + 1;
        model.Parameters.ZeroGradients();
        model.Backward(tokens, 2, workspace);
        float[] gradient = model.Parameters.GradientOf(embedding.Table).ToArray();
        // Word 4 appears three times: positions (0,0), (0,2), (1,1) → dy slices [1,2] + [5,6] + [9,10].
        Assert.Equal([7, 8, 3, 4, 11, 12, 0, 0, 15, 18, 0, 0], gradient);
    }

    [Fact]
    public void EmbeddingRejectsBadTokens()
    {
        Model model = new ModelBuilder(2).Add(new Embedding(5, 3, 2)).Build(1);
        Workspace workspace = model.CreateWorkspace(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward((ReadOnlySpan<int>)[1, 5], 1, workspace));
        Assert.Contains("position 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward((ReadOnlySpan<int>)[-1, 0], 1, workspace));
        var floats = Assert.Throws<ArgumentException>(() => model.Forward((ReadOnlySpan<float>)[1f, 2f], 1, workspace));
        Assert.Equal("x", floats.ParamName);
        Assert.Contains("token ids", floats.Message);
        Assert.Throws<NotSupportedException>(() => model.Layers[0].Forward([1f, 2f], new float[6], 1, model.Parameters));
        var embedding = (Embedding)model.Layers[0];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => embedding.Forward([1, 2], new float[5], 1, model.Parameters)).ParamName);
        Assert.Equal("tokens", Assert.Throws<ArgumentException>(() => embedding.Backward([1, 2, 3], new float[12], 2, model.Parameters)).ParamName);
        var shortTokens = Assert.Throws<ArgumentException>(() => model.Forward((ReadOnlySpan<int>)[1], 1, workspace));
        Assert.Equal("tokens", shortTokens.ParamName);

        Model dense = new ModelBuilder(2).Add(new Dense(2, 1)).Build(1);
        var tokensToDense = Assert.Throws<ArgumentException>(() => dense.Forward((ReadOnlySpan<int>)[1, 2], 1, dense.CreateWorkspace(1)));
        Assert.Equal("tokens", tokensToDense.ParamName);
        Assert.Contains("Embedding", tokensToDense.Message);
    }

    [Fact]
    public void PredictMatchesForwardAcrossBatchBoundaries()
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 8, Activation.Tanh)).Add(new Dense(8, 3)).Build(1);
        var rng = new Rng(8);
        const int count = 300;
        float[] x = [.. Enumerable.Range(0, count * 4).Select(_ => rng.NextSingle())];
        float[] predicted = new float[count * 3];
        model.Predict(x, count, predicted);
        Workspace workspace = model.CreateWorkspace(count);
        model.Forward(x, count, workspace);
        Assert.True(predicted.AsSpan().SequenceEqual(model.Output(workspace, count)));
        Assert.Throws<ArgumentException>(() => model.Predict(x, count, new float[10]));
    }

    [Fact]
    public void WorkspaceCapacityIsEnforced()
    {
        Model model = new ModelBuilder(2).Add(new Dense(2, 2)).Build(1);
        Workspace workspace = model.CreateWorkspace(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[10], 5, workspace));
        Assert.Throws<ArgumentException>(() => model.Forward(new float[3], 2, workspace));
    }

    [Fact]
    public void ALayerBelongsToOneModel()
    {
        var shared = new Dense(4, 3, Activation.Relu);
        Model first = new ModelBuilder(4).Add(shared).Build(1);
        float[] before = first.Parameters.Values.ToArray();
        var error = Assert.Throws<ArgumentException>(() => new ModelBuilder(4).Add(shared));
        Assert.Contains("dense1 (Dense 4 → 3) already belongs to another model", error.Message);
        Assert.Equal("layer", error.ParamName);
        Assert.Equal("dense1", shared.Name);
        Assert.Same(shared.Weight, first.Parameters.Parameters[0]);
        Assert.True(first.Parameters.Values.SequenceEqual(before));

        var builder = new ModelBuilder(4).Add(new Dense(4, 2));
        builder.Build(1);
        Assert.Contains("already built", Assert.Throws<InvalidOperationException>(() => builder.Build(2)).Message);
        Assert.Throws<InvalidOperationException>(() => builder.Add(new Dense(2, 2)));
    }

    [Fact]
    public void ARecurrentLayerBelongsToOneSequenceModel()
    {
        var cell = new Gru(3, 4);
        var first = new SequenceModel(5, 3, [cell], 1);
        float[] before = first.Parameters.Values.ToArray();
        var error = Assert.Throws<ArgumentException>(() => new SequenceModel(5, 3, [cell], 2));
        Assert.Contains("gru1 (Gru 3 → 4) already belongs to another model", error.Message);
        Assert.Throws<ArgumentException>(() => SequenceModel.ForFeatures(3, [cell], 2, 1));
        Assert.True(first.Parameters.Values.SequenceEqual(before));
    }
}
