using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>Backpropagation through time against finite differences of the double-precision reference.</summary>
public class RecurrentGradientTests
{
    private const int Vocabulary = 5, Embedding = 4, Hidden = 6;

    internal static (int[] Inputs, int[] Targets) Tokens(int steps, int batch, ulong seed)
    {
        var rng = new Rng(seed);
        int[] inputs = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(Vocabulary))];
        int[] targets = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(Vocabulary))];
        return (inputs, targets);
    }

    internal static float[] RandomState(int length, ulong seed)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, length).Select(_ => rng.NextSingle() * 1.6f - 0.8f)];
    }

    private static RecurrentLayer[] Layers(string kind) => kind switch
    {
        "tanh" => [new Elman(Embedding, Hidden, Activation.Tanh)],
        "relu" => [new Elman(Embedding, Hidden, Activation.Relu, RecurrentInitializer.ScaledIdentity, 0.9f)],
        "tanh-orthogonal" => [new Elman(Embedding, Hidden, Activation.Tanh, RecurrentInitializer.Orthogonal)],
        "stacked" => [new Elman(Embedding, Hidden, Activation.Tanh), new Elman(Hidden, 3, Activation.Relu, RecurrentInitializer.Orthogonal)],
        "gru" => [new Gru(Embedding, Hidden)],
        "lstm" => [new Lstm(Embedding, Hidden, forgetBias: 1f)],
        "lstm-gru-elman" => [new Lstm(Embedding, Hidden, RecurrentInitializer.Orthogonal), new Gru(Hidden, 5, RecurrentInitializer.Orthogonal), new Elman(5, 3)],
        _ => throw new ArgumentException(kind),
    };

    /// <summary>|a − n| / max(|a|, |n|, 1e-3·max|n| over the parameter, 1e-6): float rounding in J (about 1e-7·|J|) does not dominate entries near 0.</summary>
    private static void AssertClose(ReadOnlySpan<float> analytic, Func<int, double> numeric, string what)
    {
        var expected = new double[analytic.Length];
        for (int i = 0; i < expected.Length; i++) expected[i] = numeric(i);
        double floor = Math.Max(1e-3 * expected.Max(Math.Abs), 1e-6);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(analytic[i] - expected[i]) / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(expected[i])), floor);
            Assert.True(error < 2e-3, $"{what}[{i}]: analytic {analytic[i]}, finite difference {expected[i]} (relative error {error:E2})");
        }
    }

    /// <summary>Every case with the embedding folded into the first layer's input projection and without (fold).</summary>
    public static TheoryData<string, int, bool, SequenceReduction, bool> Cases()
    {
        var data = new TheoryData<string, int, bool, SequenceReduction, bool>();
        foreach (string kind in new[] { "tanh", "relu", "tanh-orthogonal", "stacked", "gru", "lstm", "lstm-gru-elman" })
            foreach (int steps in new[] { 1, 2, 7 })
                foreach (bool givenState in new[] { false, true })
                    foreach (bool fold in new[] { false, true })
                        data.Add(kind, steps, givenState, steps == 2 ? SequenceReduction.MeanOverTokens : SequenceReduction.SumOverTimeMeanOverBatch, fold);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferencesOnEveryLevel(string kind, int steps, bool givenState, SequenceReduction reduction, bool fold)
    {
        const int batch = 3;
        var (inputs, targets) = Tokens(steps, batch, 11);
        foreach (SimdLevel level in SimdLevels.All)
        {
            using var scope = SimdLevels.Force(level);
            var model = new SequenceModel(Vocabulary, Embedding, Layers(kind), seed: 5) { FoldEmbedding = fold };
            SequenceWorkspace workspace = model.CreateWorkspace(7, 4);
            Assert.Equal(fold, workspace.HasProjectedTable);
            var reference = new SequenceReference(model, steps, batch, reduction);
            if (givenState)
                for (int l = 0; l < model.Layers.Count; l++)
                {
                    float[] state = RandomState(batch * model.Layers[l].StateSize, 20 + (ulong)l);
                    workspace.SetInitialState(l, state, batch);
                    reference.InitialStates[l] = [.. state.Select(v => (double)v)];
                }
            model.Forward(inputs, steps, batch, workspace);
            float j = new SequenceCrossEntropy(reduction).Compute(model, workspace, targets, steps, batch, out _);
            model.Parameters.ZeroGradients();
            model.Backward(inputs, steps, batch, workspace);

            double expectedJ = reference.Loss(inputs, targets);
            Assert.True(Math.Abs(j - expectedJ) <= 1e-5 * Math.Abs(expectedJ), $"{level}: J {j}, reference {expectedJ}");
            for (int l = 0; l < model.Layers.Count; l++)
            {
                ReadOnlySpan<float> final = workspace.FinalState(l, steps, batch);
                for (int i = 0; i < final.Length; i++) Assert.Equal(reference.FinalStates[l][i], final[i], 5e-6);
            }
            foreach (Parameter parameter in model.Parameters.Parameters)
                AssertClose(model.Parameters.GradientOf(parameter), i => reference.ParameterDerivative(parameter.Offset + i, inputs, targets), $"{level} {parameter.Name}");
            for (int l = 0; l < model.Layers.Count; l++)
            {
                int layer = l;
                AssertClose(workspace.InitialStateGradient(l, batch), i => reference.StateDerivative(layer, i, inputs, targets), $"{level} ∂J/∂s0 of layer {l}");
            }
        }
    }

    [Fact]
    public void EmbeddingIsFoldedWhenTheVocabularyHasAtMostHalfAsManyRowsAsAPass()
    {
        var model = new SequenceModel(Vocabulary, Embedding, Layers("lstm"), seed: 5);
        Assert.True(model.CreateWorkspace(5, 2).HasProjectedTable);    // 10 rows ≥ 2·5
        Assert.False(model.CreateWorkspace(3, 3).HasProjectedTable);   // 9 rows < 2·5
        var features = SequenceModel.ForFeatures(Embedding, Layers("gru"), Vocabulary, seed: 5);
        Assert.False(features.CreateWorkspace(7, 4).HasProjectedTable);

        // A pass shorter than the workspace's capacity decides by its own rows: 3 × 3 = 9 rows is not folded, so the
        // loss equals that of a model that never folds, bit for bit; 5 × 2 = 10 rows is folded and equal to rounding.
        var never = new SequenceModel(Vocabulary, Embedding, Layers("lstm"), seed: 5) { FoldEmbedding = false };
        SequenceWorkspace folding = model.CreateWorkspace(7, 4), plain = never.CreateWorkspace(7, 4);
        foreach (var (steps, batch) in new[] { (3, 3), (5, 2) })
        {
            var (inputs, _) = Tokens(steps, batch, 8);
            model.Forward(inputs, steps, batch, folding);
            never.Forward(inputs, steps, batch, plain);
            float[] a = folding.Logits(steps, batch).ToArray(), b = plain.Logits(steps, batch).ToArray();
            if (steps * batch < 2 * Vocabulary) Assert.Equal(b, a);
            else for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 1e-5f);
        }
    }

    [Fact]
    public void TruncatedWindowsCarryTheStateButNotTheGradient()
    {
        const int steps = 4, batch = 2;
        var model = new SequenceModel(Vocabulary, Embedding, Layers("lstm-gru-elman"), seed: 8);
        SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
        var (first, firstTargets) = Tokens(steps, batch, 30);
        var (second, secondTargets) = Tokens(steps, batch, 31);
        var reference = new SequenceReference(model, steps, batch, SequenceReduction.SumOverTimeMeanOverBatch);
        var loss = new SequenceCrossEntropy(SequenceReduction.SumOverTimeMeanOverBatch);

        model.Forward(first, steps, batch, workspace);
        reference.Loss(first, firstTargets);
        workspace.CarryState(steps, batch);
        for (int l = 0; l < model.Layers.Count; l++) reference.InitialStates[l] = (double[])reference.FinalStates[l].Clone();

        model.Forward(second, steps, batch, workspace);
        loss.Compute(model, workspace, secondTargets, steps, batch, out _);
        model.Parameters.ZeroGradients();
        model.Backward(second, steps, batch, workspace);
        // The second window's gradient treats its initial state as a constant: the reference holds it fixed.
        foreach (Parameter parameter in model.Parameters.Parameters)
            AssertClose(model.Parameters.GradientOf(parameter), i => reference.ParameterDerivative(parameter.Offset + i, second, secondTargets), parameter.Name);
        for (int l = 0; l < model.Layers.Count; l++)
        {
            int layer = l;
            AssertClose(workspace.InitialStateGradient(l, batch), i => reference.StateDerivative(layer, i, second, secondTargets), $"∂J/∂s0 of layer {l}");
        }
    }

    [Fact]
    public void RecurrentGradientIsTheSumOfPerStepOuterProducts()
    {
        const int steps = 7, batch = 3;
        var elman = new Elman(Embedding, Hidden, Activation.Tanh);
        var model = new SequenceModel(Vocabulary, Embedding, [elman], seed: 9);
        SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
        float[] initial = RandomState(batch * Hidden, 3);
        workspace.SetInitialState(0, initial, batch);
        var (inputs, targets) = Tokens(steps, batch, 12);
        model.Forward(inputs, steps, batch, workspace);
        new SequenceCrossEntropy(SequenceReduction.SumOverTimeMeanOverBatch).Compute(model, workspace, targets, steps, batch, out _);
        model.Parameters.ZeroGradients();
        model.Backward(inputs, steps, batch, workspace);

        ReadOnlySpan<float> outputs = workspace.Buffers[0].Outputs(steps, batch);       // s_1 … s_T
        ReadOnlySpan<float> delta = workspace.OutputGradient(0, steps, batch);           // δ_1 … δ_T after backward
        var expected = new double[Hidden * Hidden];
        for (int t = 0; t < steps; t++)
        {
            // One step's outer product δ_t·s_{t−1}ᵀ, laid out as W (hidden_in × hidden_out).
            ReadOnlySpan<float> previous = t == 0 ? initial : outputs.Slice((t - 1) * batch * Hidden, batch * Hidden);
            for (int b = 0; b < batch; b++)
                for (int k = 0; k < Hidden; k++)
                    for (int j = 0; j < Hidden; j++)
                        expected[k * Hidden + j] += (double)previous[b * Hidden + k] * delta[(t * batch + b) * Hidden + j];
        }
        ReadOnlySpan<float> gradient = model.Parameters.GradientOf(elman.RecurrentWeight);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], gradient[i], 1e-5 * (1 + Math.Abs(expected[i])));
    }

    [Fact]
    public void ReductionsDifferByTheStepCount()
    {
        const int steps = 5, batch = 2;
        float[] Gradient(SequenceReduction reduction, out float j)
        {
            var model = new SequenceModel(Vocabulary, Embedding, Layers("tanh"), seed: 4);
            SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
            var (inputs, targets) = Tokens(steps, batch, 40);
            model.Forward(inputs, steps, batch, workspace);
            j = new SequenceCrossEntropy(reduction).Compute(model, workspace, targets, steps, batch, out _);
            model.Parameters.ZeroGradients();
            model.Backward(inputs, steps, batch, workspace);
            return model.Parameters.Gradients.ToArray();
        }
        float[] sum = Gradient(SequenceReduction.SumOverTimeMeanOverBatch, out float jSum);
        float[] mean = Gradient(SequenceReduction.MeanOverTokens, out float jMean);
        Assert.Equal(jSum / steps, jMean, 1e-5f * jSum);
        for (int i = 0; i < sum.Length; i++) Assert.Equal(sum[i] / steps, mean[i], 1e-6f + 1e-5f * Math.Abs(sum[i]));
    }

    [Fact]
    public void RecurrentInitializersHaveTheirShape()
    {
        var rng = new Rng(1);
        float[] w = new float[16 * 16];
        RecurrentInitializers.Fill(RecurrentInitializer.Orthogonal, w, 16, 1, rng);
        for (int a = 0; a < 16; a++)
            for (int b = 0; b < 16; b++)
            {
                double dot = 0;
                for (int j = 0; j < 16; j++) dot += (double)w[a * 16 + j] * w[b * 16 + j];
                Assert.Equal(a == b ? 1 : 0, dot, 1e-5);
            }
        RecurrentInitializers.Fill(RecurrentInitializer.ScaledIdentity, w, 16, 0.5, rng);
        for (int i = 0; i < w.Length; i++) Assert.Equal(i / 16 == i % 16 ? 0.5f : 0f, w[i]);
        RecurrentInitializers.Fill(RecurrentInitializer.Uniform, w, 16, 1, rng);
        Assert.All(w, v => Assert.InRange(v, -0.25f, 0.25f));
        Assert.True(w.Max() > 0.2f && w.Min() < -0.2f);
    }

    /// <summary>Hidden 256 makes 4·hidden a multiple of 4 KiB: the LSTM's forward then multiplies a padded copy of W_h.</summary>
    public static TheoryData<SimdLevel> Levels() => [.. SimdLevels.All];

    [Theory]
    [MemberData(nameof(Levels))]
    public void LstmWithPaddedRecurrentWeightMatchesTheReference(SimdLevel level)
    {
        using var scope = SimdLevels.Force(level);
        const int steps = 3, batch = 2, hidden = 256;
        Assert.NotEqual(4 * hidden, Gemm.InPlaceLeadingDimension(4 * hidden));
        var model = new SequenceModel(Vocabulary, Embedding, [new Lstm(Embedding, hidden, RecurrentInitializer.Orthogonal, forgetBias: 1f)], seed: 4);
        var (inputs, targets) = Tokens(steps, batch, 5);
        var trainer = new SequenceTrainer(model, new Sgd(0.1f), steps, batch);
        float loss = trainer.ComputeGradients(inputs, targets, steps, batch);
        trainer.DiscardGradients();
        double expected = new SequenceReference(model, steps, batch, SequenceReduction.SumOverTimeMeanOverBatch).Loss(inputs, targets);
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Abs(expected), $"{level}: loss {loss}, reference {expected}");
    }
}
