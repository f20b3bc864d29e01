using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>The Network's own Activation and Reduction mirror the kernel enums member for member, and the softmax-CE reductions relate exactly.</summary>
public class NetworkVocabularyTests
{
    [Fact]
    public void ActivationAndReductionMirrorTheKernelEnums()
    {
        Assert.Equal(Enum.GetNames<ActivationFunction>(), Enum.GetNames<Activation>());
        foreach (Activation activation in Enum.GetValues<Activation>())
            Assert.Equal(activation.ToString(), ((ActivationFunction)activation).ToString());
        Assert.Equal(Enum.GetNames<LossReduction>(), Enum.GetNames<Reduction>());
        foreach (Reduction reduction in Enum.GetValues<Reduction>())
            Assert.Equal(reduction.ToString(), ((LossReduction)reduction).ToString());
    }

    [Fact]
    public void SummedSoftmaxCrossEntropyIsBatchTimesTheMeanWithAnUnscaledGradient()
    {
        const int batch = 5, classes = 4;
        var rng = new Rng(3);
        float[] logits = [.. Enumerable.Range(0, batch * classes).Select(_ => rng.NextSingle() * 4 - 2)];
        int[] labels = [0, 3, 1, 1, 2];
        float[] meanGradient = new float[logits.Length], sumGradient = new float[logits.Length];
        float mean = new SoftmaxCrossEntropyLoss().Compute(logits, labels, [], meanGradient, batch, classes);
        float sum = new SoftmaxCrossEntropyLoss(Reduction.Sum).Compute(logits, labels, [], sumGradient, batch, classes);
        Assert.Equal(mean * batch, sum, 1e-5f);
        for (int i = 0; i < logits.Length; i++) Assert.Equal(meanGradient[i] * batch, sumGradient[i], 1e-6f);
        Assert.Equal("softmax cross-entropy (sum over the batch)", new SoftmaxCrossEntropyLoss(Reduction.Sum).ToString());
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => new SoftmaxCrossEntropyLoss((Reduction)9)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => new MeanSquaredErrorLoss((Reduction)9)).ParamName);
    }
}
