using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>A non-finite loss or gradient never reaches the weights, the optimizer state or a checkpoint.</summary>
public class NonFiniteGuardTests
{
    private static Model Mlp(ulong seed) =>
        new ModelBuilder(8).Add(new Dense(8, 12, Activation.Relu)).Add(new Dense(12, 4)).Build(seed);

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Momentum(0.05f),
        _ => new Adam(1e-2f),
    };

    private static float[] Inputs(int batch, ulong seed)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, batch * 8).Select(_ => rng.NextSingle() * 2 - 1)];
    }

    public static TheoryData<string, float, string> Cases()
    {
        var data = new TheoryData<string, float, string>();
        foreach (string optimizer in new[] { "sgd", "momentum", "adam" })
            foreach (float clip in new[] { 0f, 1f })
                foreach (string poison in new[] { "nan input", "inf input", "huge weight" })
                    data.Add(optimizer, clip, poison);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NonFiniteStepChangesNothingAndNamesTheStep(string optimizerName, float clip, string poison)
    {
        Model model = Mlp(1);
        Optimizer optimizer = Create(optimizerName);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, 4, clipNorm: clip);
        float[] x = Inputs(4, 2);
        int[] labels = [0, 1, 2, 3];
        for (int i = 0; i < 3; i++) trainer.Step(x, labels, 4);
        float normBefore = trainer.LastGradientNorm;

        if (poison == "nan input") x[5] = float.NaN;
        else if (poison == "inf input") x[9] = float.PositiveInfinity;
        else model.Parameters.ValuesOf(model.Layers[1] is Dense d ? d.Weight : throw new InvalidOperationException())[0] = 3e38f;
        float[] values = model.Parameters.Values.ToArray();
        float[][] state = [.. optimizer.State.Select(s => s.ToArray())];

        var error = Assert.Throws<NonFiniteStepException>(() => trainer.Step(x, labels, 4));
        Assert.Equal(4, error.Step);
        Assert.StartsWith("step 4:", error.Message);
        Assert.False(float.IsFinite(error.Loss) && float.IsFinite(error.GradientNorm), $"{error.Loss} {error.GradientNorm}");
        Assert.Equal(values, model.Parameters.Values.ToArray());
        Assert.Equal(3, optimizer.Step);
        for (int s = 0; s < state.Length; s++) Assert.Equal(state[s], optimizer.State[s]);
        Assert.Equal(normBefore, trainer.LastGradientNorm);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void GradientNormIsReportedBeforeClippingWithOrWithoutClipping(float clip)
    {
        Model model = Mlp(3);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(1e-9f), 4, l2: 0.01f, clipNorm: clip);
        float[] x = Inputs(4, 4);
        for (int i = 0; i < x.Length; i++) x[i] *= 30;
        trainer.Step(x, [3, 2, 1, 0], 4);
        // The learning rate is tiny, so the parameters are (nearly) those of the step: recompute the norm in double.
        model.Parameters.ZeroGradients();
        Workspace workspace = model.CreateWorkspace(4);
        model.Forward(x, 4, workspace);
        new SoftmaxCrossEntropyLoss().Compute(model.Output(workspace, 4), [3, 2, 1, 0], [], model.OutputGradient(workspace, 4), 4, 4);
        model.Backward(x, 4, workspace);
        new L2Penalty(0.01f).AddTo(model.Parameters);
        double sum = 0;
        foreach (float g in model.Parameters.Gradients) sum += (double)g * g;
        double expected = Math.Sqrt(sum);
        Assert.True(expected > 1, $"the case must clip: norm {expected}");
        Assert.Equal(expected, trainer.LastGradientNorm, expected * 1e-4);
    }

    [Fact]
    public void HugeLearningRateStopsWithoutCorruptingTheModel()
    {
        Model model = Mlp(5);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(1e12f), 4);
        float[] x = Inputs(4, 6);
        float[] last = model.Parameters.Values.ToArray();
        var error = Assert.Throws<NonFiniteStepException>(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                trainer.Step(x, [0, 1, 2, 3], 4);
                last = model.Parameters.Values.ToArray();
            }
        });
        Assert.True(error.Step >= 2);
        Assert.Equal(last, model.Parameters.Values.ToArray());
        Assert.All(model.Parameters.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void CheckpointWithANonFiniteValueIsNeverWritten()
    {
        Model model = Mlp(7);
        var adam = new Adam();
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), adam, 4);
        trainer.Step(Inputs(4, 8), [0, 1, 2, 3], 4);
        string path = Path.Combine(Path.GetTempPath(), $"simd-nonfinite-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        Dense second = (Dense)model.Layers[1];
        model.Parameters.ValuesOf(second.Bias)[2] = float.NaN;
        var error = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(path, model.Parameters, adam));
        Assert.Contains("dense2.bias[2] is NaN", error.Message);
        Assert.False(File.Exists(path));

        model.Parameters.ValuesOf(second.Bias)[2] = 0;
        adam.State[1][3] = float.PositiveInfinity;
        error = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(path, model.Parameters, adam));
        Assert.Contains("adam state array 1", error.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"));
    }
}
