using Simd.Kernels;

namespace Simd.Network.Tests;

public class OptimizerTests
{
    public static TheoryData<float> BadLearningRates => [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.1f, 0f];

    [Theory]
    [MemberData(nameof(BadLearningRates))]
    public void TheLearningRateSetterRefusesWhatTheConstructorRefuses(float bad)
    {
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(0.1f), new Momentum(0.1f), new Adam(0.1f) })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(bad));
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = bad);
            Assert.Contains("the learning rate must be finite and positive", error.Message);
            Assert.Equal(0.1f, optimizer.LearningRate);
            optimizer.LearningRate = 0.05f;
            Assert.Equal(0.05f, optimizer.LearningRate);
        }
    }

    [Fact]
    public void AStepThatThrowsChangesNeitherParametersNorStateNorTheStepCounter()
    {
        Model model = new ModelBuilder(3).Add(new Dense(3, 2, Activation.Tanh)).Build(1);
        var adam = new Adam(0.01f);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), adam, 2);
        float[] x = [0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.6f];
        trainer.Step(x, [0, 1], 2);
        // Adam's kernel takes the step number as an int: the update after int.MaxValue cannot run.
        adam.Step = int.MaxValue;
        float[] values = model.Parameters.Values.ToArray(), first = (float[])adam.State[0].Clone(), second = (float[])adam.State[1].Clone();
        Assert.Throws<OverflowException>(() => trainer.Step(x, [0, 1], 2));
        Assert.Equal(int.MaxValue, adam.Step);
        Assert.Equal(values, model.Parameters.Values.ToArray());
        Assert.Equal(first, adam.State[0]);
        Assert.Equal(second, adam.State[1]);
    }
}
