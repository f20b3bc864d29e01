using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>
/// ZeroGradients only marks dense gradients; AccumulateProduct / AccumulateRowSums overwrite them, every reader sees zeros,
/// and a second backward pass still accumulates.
/// </summary>
public class LazyZeroGradientTests
{
    private static (Model Model, Dense First, Dense Second) TwoLayers()
    {
        var first = new Dense(5, 4, Activation.Tanh);
        var second = new Dense(4, 3);
        return (new ModelBuilder(5).Add(first).Add(second).Build(3), first, second);
    }

    private static float[] Gradient(Model model, float[] x, int batch)
    {
        Workspace workspace = model.CreateWorkspace(batch);
        model.Forward(x, batch, workspace);
        Span<float> dy = model.OutputGradient(workspace, batch);
        for (int i = 0; i < dy.Length; i++) dy[i] = 0.25f * (i % 5) - 0.5f;
        model.Backward(x, batch, workspace);
        return model.Parameters.Gradients.ToArray();
    }

    private static float[] Input(int batch)
    {
        float[] x = new float[batch * 5];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i + 1);
        return x;
    }

    [Fact]
    public void OverwriteAfterZeroEqualsClearThenAccumulate()
    {
        var (lazy, _, _) = TwoLayers();
        var (eager, _, _) = TwoLayers();
        float[] x = Input(6);
        lazy.Parameters.Gradients.Fill(123f); // stale contents that must not leak
        lazy.Parameters.ZeroGradients();
        eager.Parameters.Gradients.Clear();
        Assert.Equal(Gradient(eager, x, 6), Gradient(lazy, x, 6));
    }

    [Fact]
    public void SecondBackwardAccumulates()
    {
        var (model, _, _) = TwoLayers();
        float[] x = Input(3);
        model.Parameters.ZeroGradients();
        float[] once = Gradient(model, x, 3);
        float[] twice = Gradient(model, x, 3);
        for (int i = 0; i < once.Length; i++)
            Assert.Equal(2 * once[i], twice[i], 5);
        Assert.Contains(once, g => g != 0f);
    }

    [Fact]
    public void EveryReaderSeesZerosAfterZeroGradients()
    {
        var (model, first, second) = TwoLayers();
        ParameterArena arena = model.Parameters;
        arena.Gradients.Fill(7f);
        arena.ZeroGradients();
        Assert.All(arena.GradientOf(first.Weight).ToArray(), g => Assert.Equal(0f, g));
        arena.ZeroGradients();
        foreach ((int offset, int length) in arena.ActiveGradientRanges())
            Assert.All(arena.Gradients.Slice(offset, length).ToArray(), g => Assert.Equal(0f, g));
        arena.Gradients.Fill(7f);
        arena.ZeroGradients();
        Assert.All(arena.Gradients.ToArray(), g => Assert.Equal(0f, g));

    }

    [Fact]
    public void AccumulateProductOverwritesStaleMemoryThenAdds()
    {
        var (model, first, second) = TwoLayers();
        ParameterArena arena = model.Parameters;
        float[] a = [.. Enumerable.Range(0, 2 * 4).Select(i => 0.5f * i - 1)];   // (k = 2) × rows, used transposed
        float[] b = [.. Enumerable.Range(0, 2 * 3).Select(i => 0.25f * i + 1)];  // (k = 2) × cols
        var product = new float[4 * 3];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 3; c++)
                product[r * 3 + c] = a[r] * b[c] + a[4 + r] * b[3 + c];
        arena.Gradients.Fill(7f);
        arena.ZeroGradients();
        arena.AccumulateProduct(second.Weight, Transpose.Transposed, Transpose.None, 2, a, 4, b, 3);
        Assert.Equal(product, arena.GradientOf(second.Weight).ToArray());
        arena.AccumulateProduct(second.Weight, Transpose.Transposed, Transpose.None, 2, a, 4, b, 3);
        Assert.Equal(product.Select(p => 2 * p), arena.GradientOf(second.Weight).ToArray());
        arena.AccumulateRowSums(second.Bias, b, 2);
        Assert.Equal([b[0] + b[3], b[1] + b[4], b[2] + b[5]], arena.GradientOf(second.Bias).ToArray());
        Assert.All(arena.GradientOf(first.Weight).ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void RowSparseAndForeignParametersAreRejected()
    {
        var embedding = new Embedding(10, 2, 2);
        Model model = new ModelBuilder(2).Add(embedding).Add(new Dense(4, 2)).Build(1);
        var (other, first, _) = TwoLayers();
        Assert.Throws<ArgumentException>(() => model.Parameters.AccumulateRowSums(embedding.Table, new float[2], 1));
        Assert.Throws<ArgumentException>(() => model.Parameters.AccumulateProduct(embedding.Table, Transpose.None, Transpose.None, 1, new float[10], 1, new float[2], 2));
        Assert.Throws<ArgumentException>(() => model.Parameters.AccumulateRowSums(first.Weight, new float[4], 1));
        Assert.Throws<ArgumentException>(() => model.Parameters.AccumulateProduct(first.Weight, Transpose.None, Transpose.None, 1, new float[5], 1, new float[4], 4));
        Assert.Throws<ArgumentException>(() => model.Parameters.GradientOf(first.Weight));
        _ = other;
    }
}
