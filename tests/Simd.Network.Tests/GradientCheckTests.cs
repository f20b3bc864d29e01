using Simd.Kernels;

namespace Simd.Network.Tests;

public class GradientCheckTests
{
    public static TheoryData<int, SimdLevel> CasesAndLevels()
    {
        var data = new TheoryData<int, SimdLevel>();
        for (int c = 0; c < GradientCheckSuite.Cases().Count; c++)
            foreach (SimdLevel level in SimdLevels.All)
                data.Add(c, level);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndLevels))]
    public void AnalyticGradientsMatchFiniteDifferences(int caseIndex, SimdLevel level)
    {
        using var scope = SimdLevels.Force(level);
        GradientCheckCase c = GradientCheckSuite.Cases(seed: 3)[caseIndex];
        foreach (GradientCheckResult result in c.Run(maxElementsPerParameter: 1000))
            Assert.True(result.WorstRelativeError < 1e-2, $"{c.Name} at {level}: {result}");
    }

    public static TheoryData<int, SimdLevel> SequenceCasesAndLevels()
    {
        var data = new TheoryData<int, SimdLevel>();
        for (int c = 0; c < GradientCheckSuite.SequenceCases().Count; c++)
            foreach (SimdLevel level in SimdLevels.All)
                data.Add(c, level);
        return data;
    }

    [Theory]
    [MemberData(nameof(SequenceCasesAndLevels))]
    public void RecurrentGradientsMatchFiniteDifferences(int caseIndex, SimdLevel level)
    {
        using var scope = SimdLevels.Force(level);
        SequenceGradientCheckCase c = GradientCheckSuite.SequenceCases(seed: 3)[caseIndex];
        float[] before = c.Model.Parameters.Values.ToArray();
        var results = GradientCheck.Run(c.Model, c.Reduction, c.Inputs, c.Targets, c.Steps, c.Batch, c.InitialStates, maxElementsPerParameter: 1000);
        Assert.Equal(c.Model.Parameters.Parameters.Count + c.Model.Layers.Count, results.Count);
        foreach (GradientCheckResult result in results)
            Assert.True(result.WorstRelativeError < 1e-2, $"{c.Name} at {level}: {result}");
        Assert.Equal(before, c.Model.Parameters.Values.ToArray());
    }

    [Fact]
    public void GradientCheckCatchesAWrongGradient()
    {
        // A check that cannot fail proves nothing: corrupt the analytic gradient through a wrong loss
        // scale and make sure the check reports it.
        GradientCheckCase c = GradientCheckSuite.SigmoidMse(1);
        var wrong = new ScaledLoss(c.Loss, gradientScale: 1.5f);
        var results = GradientCheck.Run(c.Model, wrong, c.X, c.Labels, c.Targets, c.Batch, c.L2);
        Assert.Contains(results, r => r.WorstRelativeError > 0.2);
    }

    private sealed class ScaledLoss(Loss inner, float gradientScale) : Loss
    {
        public override bool UsesLabels => inner.UsesLabels;
        internal override float Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> gradient, int batch, int outputCount)
        {
            float j = inner.Compute(outputs, labels, targets, gradient, batch, outputCount);
            foreach (ref float g in gradient) g *= gradientScale;
            return j;
        }
    }

    [Fact]
    public void ReluPreActivationExactlyAtZeroGetsZeroGradient()
    {
        // Hidden unit 0 has an all-zero weight column and zero bias, so z = 0 for every example:
        // ReLU′(0) = 0, hence no gradient reaches that column or bias, while the finite difference
        // (one-sided derivatives 0 and > 0) would average to something else.
        var first = new Dense(3, 4, Activation.Relu);
        Model model = new ModelBuilder(3).Add(first).Add(new Dense(4, 2)).Build(5);
        Span<float> w = model.Parameters.ValuesOf(first.Weight);
        for (int p = 0; p < 3; p++) w[p * 4] = 0;
        model.Parameters.ValuesOf(first.Bias)[0] = 0;
        float[] x = [0.5f, -0.25f, 1f, -1f, 0.75f, 0.3f];
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(1e-9f), 2);
        trainer.Step(x, [1, 0], 2);
        Span<float> dw = model.Parameters.GradientOf(first.Weight);
        for (int p = 0; p < 3; p++) Assert.Equal(0f, dw[p * 4]);
        Assert.Equal(0f, model.Parameters.GradientOf(first.Bias)[0]);
        Assert.NotEqual(0f, model.Parameters.GradientOf(first.Bias)[1] + model.Parameters.GradientOf(first.Bias)[2] + model.Parameters.GradientOf(first.Bias)[3]);
    }
}
