using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>Parameters and gradients by name, and the whole gradient arena as one writable span.</summary>
public class ParameterArenaTests
{
    [Fact]
    public void ParametersAndGradientsAreReadableByName()
    {
        var first = new Dense(4, 3, Activation.Relu);
        Model model = new ModelBuilder(4).Add(first).Add(new Dense(3, 2)).Build(1);
        ParameterArena arena = model.Parameters;
        Assert.Same(first.Weight, arena["dense1.weight"]);
        Assert.Same(first.Bias, arena["dense1.bias"]);
        Assert.True(arena.ValuesOf("dense2.weight") == arena.ValuesOf(arena["dense2.weight"]));
        Assert.Equal(3 * 2, arena.GradientOf("dense2.weight").Length);

        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 2);
        trainer.ComputeGradients([1f, 2f, 3f, 4f, -1f, 0.5f, 2f, -3f], [0, 1], 2);
        Assert.True(arena.GradientOf("dense1.bias") == arena.Gradients.Slice(first.Bias.Offset, first.Bias.Length));
        Assert.Contains(arena.GradientOf("dense2.weight").ToArray(), g => g != 0);

        var missing = Assert.Throws<ArgumentException>(() => arena.GradientOf("dense3.weight"));
        Assert.Equal("name", missing.ParamName);
        Assert.Contains("'dense3.weight'", missing.Message);
        Assert.Contains("'dense2.bias'", missing.Message);
        Assert.Throws<ArgumentException>(() => arena.ValuesOf("weight"));
    }

    [Fact]
    public void WritableGradientsCountEveryEmbeddingRow()
    {
        // A window classifier over 50 tokens that only ever sees tokens 0..3: an all-reduce may bring a
        // gradient for row 40 from another process; through GradientsForWriting it is clipped, applied and zeroed.
        var embedding = new Embedding(50, 2, 1);
        Model model = new ModelBuilder(1).Add(embedding).Add(new Dense(2, 3)).Build(2);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(1f), 4);
        int[] tokens = [0, 1, 2, 3];
        int[] labels = [0, 1, 2, 0];
        ParameterArena arena = model.Parameters;
        int row40 = embedding.Table.Offset + 40 * 2;
        float before = arena.Values[row40];

        trainer.ComputeGradients(tokens, labels, 4);
        Span<float> gradients = arena.GradientsForWriting();
        Assert.Equal(arena.Length, gradients.Length);
        gradients[row40] = 0.5f;
        float localNorm = trainer.LastGradientNorm;
        trainer.ApplyGradients();
        Assert.Equal(before - 0.5f, arena.Values[row40]);
        Assert.Equal(Math.Sqrt((double)localNorm * localNorm + 0.25), trainer.LastGradientNorm, 1e-5);

        trainer.ComputeGradients(tokens, labels, 4);
        Assert.Equal(0f, arena.GradientOf(embedding.Table)[40 * 2]);
        trainer.ApplyGradients();
        Assert.Equal(before - 0.5f, arena.Values[row40]);
    }
}
