using Simd.Kernels;

namespace Simd.Network;

/// <summary>One small model with a batch of data, ready for <see cref="Run"/>.</summary>
/// <param name="Name">What the case covers.</param>
/// <param name="Model">The model (seeded).</param>
/// <param name="Loss">Its loss.</param>
/// <param name="X">(Batch × inputs) features, or empty when the model reads token ids.</param>
/// <param name="Tokens">(Batch × inputs) token ids when the model reads them (<see cref="Model.ReadsTokens"/>), else empty.</param>
/// <param name="Labels">Labels when the loss uses them, else empty.</param>
/// <param name="Targets">Targets when the loss uses them, else empty.</param>
/// <param name="Batch">Examples in the batch.</param>
/// <param name="L2">λ of the L2 penalty.</param>
public sealed record GradientCheckCase(string Name, Model Model, Loss Loss, float[] X, int[] Tokens, int[] Labels, float[] Targets, int Batch, float L2)
{
    /// <summary>
    /// <see cref="GradientCheck.Run(Model, Loss, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, int, float, int, float)"/> on this case
    /// (the token-id form when the model reads token ids).
    /// </summary>
    public IReadOnlyList<GradientCheckResult> Run(int maxElementsPerParameter = 64) => Model.ReadsTokens
        ? GradientCheck.Run(Model, Loss, Tokens, Labels, Batch, L2, maxElementsPerParameter)
        : GradientCheck.Run(Model, Loss, X, Labels, Targets, Batch, L2, maxElementsPerParameter);
}

/// <summary>One small sequence model with a batch of windows, ready for <see cref="GradientCheck.Run(SequenceModel, SequenceReduction, int[], int[], int, int, IReadOnlyList{float[]}?, int, float)"/>.</summary>
/// <param name="Name">What the case covers.</param>
/// <param name="Model">The model (seeded).</param>
/// <param name="Reduction">How the per-step losses combine.</param>
/// <param name="Inputs">(batch, steps) token ids.</param>
/// <param name="Targets">(batch, steps) token ids.</param>
/// <param name="Steps">Steps per window.</param>
/// <param name="Batch">Windows in the batch.</param>
/// <param name="InitialStates">Per layer (batch, state size), or empty for zero states.</param>
public sealed record SequenceGradientCheckCase(string Name, SequenceModel Model, SequenceReduction Reduction, int[] Inputs, int[] Targets, int Steps, int Batch, IReadOnlyList<float[]> InitialStates);

/// <summary>The standard gradient-check cases: one small model of each kind the library builds.</summary>
public static class GradientCheckSuite
{
    /// <summary>All cases, built from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<GradientCheckCase> Cases(ulong seed = 1) =>
    [
        TwoLayerRelu(seed),
        SigmoidMse(seed),
        TanhNetwork(seed),
        SigmoidSoftmaxSum(seed),
        WindowClassifier(seed),
    ];

    /// <summary>
    /// Two-layer ReLU network, mean softmax cross-entropy, λ(‖W1‖² + ‖W2‖²). Inputs are drawn until every
    /// first-layer pre-activation is at least 0.1 away from ReLU's kink, so that finite differences with
    /// steps up to 1e-2 never cross it (at the kink itself the two one-sided derivatives differ).
    /// </summary>
    public static GradientCheckCase TwoLayerRelu(ulong seed)
    {
        const int inputs = 6, hidden = 8, batch = 5;
        var first = new Dense(inputs, hidden, Activation.Relu);
        Model model = new ModelBuilder(inputs).Add(first).Add(new Dense(hidden, 4)).Build(seed);
        var rng = new Rng(seed + 100);
        float[] x;
        do x = Uniform(rng, batch * inputs);
        while (MinAbsPreActivation(model, first, x, batch) < 0.1);
        return new("2-layer ReLU, softmax-CE + L2", model, new SoftmaxCrossEntropyLoss(), x, [], Labels(rng, batch, 4), [], batch, 0.01f);
    }

    /// <summary>min |x·W + b| over the batch for a dense layer that reads the model input.</summary>
    public static double MinAbsPreActivation(Model model, Dense layer, ReadOnlySpan<float> x, int batch)
    {
        ReadOnlySpan<float> w = model.Parameters.ValuesOf(layer.Weight), b = model.Parameters.ValuesOf(layer.Bias);
        double min = double.PositiveInfinity;
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < layer.Outputs; j++)
            {
                double z = b[j];
                for (int p = 0; p < layer.Inputs; p++) z += (double)x[i * layer.Inputs + p] * w[p * layer.Outputs + j];
                min = Math.Min(min, Math.Abs(z));
            }
        return min;
    }

    /// <summary>Sigmoid network with ½‖a − y‖² summed over the batch.</summary>
    public static GradientCheckCase SigmoidMse(ulong seed)
    {
        Model model = new ModelBuilder(5).Add(new Dense(5, 7, Activation.Sigmoid)).Add(new Dense(7, 3, Activation.Sigmoid)).Build(seed);
        var rng = new Rng(seed + 200);
        const int batch = 4;
        return new("sigmoid, MSE (sum)", model, new MeanSquaredErrorLoss(Reduction.Sum), Uniform(rng, batch * 5), [], [], Uniform(rng, batch * 3), batch, 0f);
    }

    /// <summary>Tanh network with mean MSE and L2.</summary>
    public static GradientCheckCase TanhNetwork(ulong seed)
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 6, Activation.Tanh)).Add(new Dense(6, 6, Activation.Tanh)).Add(new Dense(6, 2)).Build(seed);
        var rng = new Rng(seed + 300);
        const int batch = 3;
        return new("tanh ×2, MSE (mean) + L2", model, new MeanSquaredErrorLoss(Reduction.Mean), Uniform(rng, batch * 4), [], [], Uniform(rng, batch * 2), batch, 0.005f);
    }

    /// <summary>Sigmoid hidden layer with softmax cross-entropy summed (not averaged) over the batch.</summary>
    public static GradientCheckCase SigmoidSoftmaxSum(ulong seed)
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 5, Activation.Sigmoid)).Add(new Dense(5, 3)).Build(seed);
        var rng = new Rng(seed + 250);
        const int batch = 4;
        return new("sigmoid, softmax-CE (sum)", model, new SoftmaxCrossEntropyLoss(Reduction.Sum), Uniform(rng, batch * 4), [], Labels(rng, batch, 3), [], batch, 0f);
    }

    /// <summary>
    /// Window classifier x = [L_w0, …, L_w(m−1)], h = relu(xW + b1), θ = hU + b2, softmax-CE, with a
    /// word repeated inside a window and across windows so that embedding gradients accumulate.
    /// </summary>
    public static GradientCheckCase WindowClassifier(ulong seed)
    {
        const int vocabulary = 9, dimension = 3, window = 4, hidden = 5, classes = 3, batch = 3;
        Model model = new ModelBuilder(window)
            .Add(new Embedding(vocabulary, dimension, window))
            .Add(new Dense(window * dimension, hidden, Activation.Tanh))
            .Add(new Dense(hidden, classes))
            .Build(seed);
        int[] tokens = [2, 5, 2, 7, 1, 1, 1, 3, 7, 0, 8, 2];
        var rng = new Rng(seed + 400);
        return new("window classifier, repeated words", model, new SoftmaxCrossEntropyLoss(), [], tokens, Labels(rng, batch, classes), [], batch, 0.01f);
    }

    /// <summary>
    /// Small sequence models over 7 steps, batch 3: Elman tanh, Elman ReLU (identity-initialized, given
    /// initial state), GRU, LSTM (given initial state), and a stacked LSTM → GRU → Elman.
    /// </summary>
    public static IReadOnlyList<SequenceGradientCheckCase> SequenceCases(ulong seed = 1) =>
    [
        Sequence("Elman tanh, sum over time", seed, SequenceReduction.SumOverTimeMeanOverBatch, false, new Elman(4, 6)),
        ReluSequence(seed),
        Sequence("GRU, mean over tokens", seed, SequenceReduction.MeanOverTokens, false, new Gru(4, 6)),
        Sequence("LSTM, given state", seed, SequenceReduction.SumOverTimeMeanOverBatch, true, new Lstm(4, 6, forgetBias: 1f)),
        Sequence("LSTM → GRU → Elman", seed, SequenceReduction.MeanOverTokens, true, new Lstm(4, 5, RecurrentInitializer.Orthogonal), new Gru(5, 4), new Elman(4, 3)),
    ];

    /// <summary>
    /// Elman ReLU with W = 0.5·I, biases alternating +1 and −1 and a given state in [0, 0.8): every
    /// pre-activation stays at least about 0.3 from ReLU's kink, so steps of 1e-2 never cross it, and
    /// half the units are off (ReLU′ = 0) throughout.
    /// </summary>
    private static SequenceGradientCheckCase ReluSequence(ulong seed)
    {
        var elman = new Elman(4, 6, Activation.Relu, RecurrentInitializer.ScaledIdentity, 0.5f);
        SequenceGradientCheckCase c = Sequence("Elman ReLU (0.5·I), given state", seed, SequenceReduction.SumOverTimeMeanOverBatch, true, elman);
        Span<float> bias = c.Model.Parameters.ValuesOf(elman.Bias);
        for (int j = 0; j < bias.Length; j++) bias[j] = j % 2 == 0 ? 1f : -1f;
        foreach (ref float s in c.InitialStates[0].AsSpan()) s = 0.4f * (s + 1);
        return c;
    }

    private static SequenceGradientCheckCase Sequence(string name, ulong seed, SequenceReduction reduction, bool givenState, params RecurrentLayer[] layers)
    {
        const int vocabulary = 5, embedding = 4, steps = 7, batch = 3;
        var model = new SequenceModel(vocabulary, embedding, layers, seed);
        var rng = new Rng(seed + 500);
        int[] inputs = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(vocabulary))];
        int[] targets = [.. Enumerable.Range(0, steps * batch).Select(_ => rng.NextInt(vocabulary))];
        float[][] states = givenState ? [.. layers.Select(l => Uniform(rng, batch * l.StateSize))] : [];
        return new(name, model, reduction, inputs, targets, steps, batch, states);
    }

    private static float[] Uniform(Rng rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = 2 * rng.NextSingle() - 1;
        return values;
    }

    private static int[] Labels(Rng rng, int count, int classes)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = rng.NextInt(classes);
        return labels;
    }
}
