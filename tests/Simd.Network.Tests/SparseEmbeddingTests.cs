using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>The embedding table is row-sparse: zeroing and SGD touch only the rows a batch used, with full-pass results.</summary>
public class SparseEmbeddingTests
{
    private const int Vocabulary = 40, Dimension = 6, Window = 3, Batch = 4;

    private static (Model Model, Embedding Embedding) WindowModel()
    {
        var embedding = new Embedding(Vocabulary, Dimension, Window);
        Model model = new ModelBuilder(Window).Add(embedding).Add(new Dense(Window * Dimension, 7, Activation.Tanh)).Add(new Dense(7, 3)).Build(5);
        return (model, embedding);
    }

    private static int[] Tokens(int seed)
    {
        var rng = new Rng((ulong)seed);
        int[] tokens = new int[Batch * Window];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(Vocabulary / 4);
        tokens[1] = tokens[5] = 3; // a repeated word
        return tokens;
    }

    private static readonly int[] Labels = [0, 2, 1, 2];

    [Fact]
    public void SgdStepEqualsAFullPassBitwise()
    {
        var (sparseModel, _) = WindowModel();
        var (denseModel, _) = WindowModel();
        var trainer = new Trainer(sparseModel, new SoftmaxCrossEntropyLoss(), new Sgd(0.3f), Batch);
        var loss = new SoftmaxCrossEntropyLoss();
        Workspace workspace = denseModel.CreateWorkspace(Batch);
        for (int step = 0; step < 5; step++)
        {
            int[] tokens = Tokens(step);
            trainer.Step(tokens, Labels, Batch);

            // The same step by hand, over the whole arena.
            denseModel.Forward(tokens, Batch, workspace);
            loss.Compute(denseModel.Output(workspace, Batch), Labels, [], denseModel.OutputGradient(workspace, Batch), Batch, denseModel.OutputSize);
            denseModel.Parameters.Gradients.Clear();
            denseModel.Backward(tokens, Batch, workspace);
            OptimizerUpdates.Sgd(denseModel.Parameters.Gradients, denseModel.Parameters.Values, 0.3f);

            Assert.Equal(denseModel.Parameters.Values.ToArray(), sparseModel.Parameters.Values.ToArray());
        }
    }

    [Fact]
    public void ZeroGradientsClearsEveryTouchedRowAndOnlyThoseAreActive()
    {
        var (model, embedding) = WindowModel();
        ParameterArena arena = model.Parameters;
        Workspace workspace = model.CreateWorkspace(Batch);
        int[] tokens = Tokens(1);
        model.Forward(tokens, Batch, workspace);
        model.OutputGradient(workspace, Batch).Fill(1f);
        arena.ZeroGradients();
        model.Backward(tokens, Batch, workspace);

        TouchedRows touched = arena.TouchedRowsOf(embedding.Table);
        int[] expectedRows = [.. tokens.Distinct()];
        Assert.Equal(expectedRows, touched.Rows.ToArray());
        Span<float> gradient = arena.GradientOf(embedding.Table);
        for (int row = 0; row < Vocabulary; row++)
            if (!expectedRows.Contains(row))
                Assert.True(gradient.Slice(row * Dimension, Dimension).IndexOfAnyExcept(0f) < 0, $"untouched row {row} has a gradient");

        // Every nonzero gradient lies inside an active range, and the ranges do not overlap.
        bool[] covered = new bool[arena.Length];
        foreach ((int offset, int length) in arena.ActiveGradientRanges())
            for (int i = offset; i < offset + length; i++)
            {
                Assert.False(covered[i], $"element {i} is in two active ranges");
                covered[i] = true;
            }
        for (int i = 0; i < arena.Length; i++)
            Assert.True(covered[i] || arena.Gradients[i] == 0f, $"gradient {i} is nonzero outside the active ranges");

        arena.ZeroGradients();
        Assert.True(arena.Gradients.IndexOfAnyExcept(0f) < 0);
        Assert.Equal(0, touched.Count);
    }

    [Fact]
    public void L2MakesTheWholeTableActive()
    {
        var (model, embedding) = WindowModel();
        float[] before = model.Parameters.ValuesOf(embedding.Table).ToArray();
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), Batch, l2: 0.01f);
        trainer.Step(Tokens(2), Labels, Batch);
        float[] after = model.Parameters.ValuesOf(embedding.Table).ToArray();
        int lastRow = Vocabulary - 1; // never used by Tokens: only L2 moves it
        for (int j = 0; j < Dimension; j++)
        {
            float w = before[lastRow * Dimension + j];
            Assert.Equal(w - 0.1f * (2 * 0.01f * w), after[lastRow * Dimension + j], 6);
        }
        Assert.True(model.Parameters.TouchedRowsOf(embedding.Table).All);
    }

    [Fact]
    public void DenseParametersHaveNoRowTracker()
    {
        var (model, _) = WindowModel();
        Parameter dense = model.Parameters.Parameters.First(p => !p.IsRowSparse);
        var error = Assert.Throws<ArgumentException>(() => model.Parameters.TouchedRowsOf(dense));
        Assert.Contains(dense.Name, error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Parameters.TouchedRowsOf(model.Parameters.Parameters[0]).Touch(Vocabulary));
    }
}
