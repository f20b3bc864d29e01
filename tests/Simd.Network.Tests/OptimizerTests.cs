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

    private static Model Mlp(ulong seed) => new ModelBuilder(3).Add(new Dense(3, 4, Activation.Relu)).Add(new Dense(4, 2)).Build(seed);

    [Fact]
    public void AnOptimizerServesOneModel()
    {
        Model first = Mlp(1), second = Mlp(2);
        var adam = new Adam(0.01f);
        var trainer = new Trainer(first, new SoftmaxCrossEntropyLoss(), adam, 2);
        trainer.Step([0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.6f], [0, 1], 2);
        float[] moments = (float[])adam.State[1].Clone();

        var error = Assert.Throws<InvalidOperationException>(() => new Trainer(second, new SoftmaxCrossEntropyLoss(), adam, 2));
        Assert.Equal("this adam optimizer already updates another model (its state has that model's layout, 4 parameters in 64 floats); create one optimizer per model", error.Message);
        var sequence = new SequenceModel(5, 3, [new Elman(3, 4)], 1);
        Assert.Throws<InvalidOperationException>(() => new SequenceTrainer(sequence, adam, 4, 2));
        Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(Path.Combine(Path.GetTempPath(), "never-written.ckpt"), second, adam));
        Assert.Throws<InvalidOperationException>(() => Checkpoint.Deserialize(Checkpoint.Serialize(second.Parameters, null), "test", second.Parameters, adam));

        // A second trainer of the same model shares the optimizer and keeps its state.
        var again = new Trainer(first, new SoftmaxCrossEntropyLoss(), adam, 4);
        Assert.Equal(moments, adam.State[1]);
        Assert.Equal(1, adam.Step);
        again.Step([0.1f, -0.2f, 0.3f], [1], 1);
        Assert.Equal(2, adam.Step);
    }

    [Fact]
    public void LoadingBindsAFreshOptimizerAndRestoresItsState()
    {
        Model model = Mlp(1);
        var adam = new Adam(0.01f);
        new Trainer(model, new SoftmaxCrossEntropyLoss(), adam, 2).Step([0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.6f], [0, 1], 2);
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);

        Model restored = Mlp(2);
        var fresh = new Adam(0.01f);
        Checkpoint.Deserialize(bytes, "test", restored.Parameters, fresh);
        Assert.Equal(adam.State[0], fresh.State[0]);
        Assert.Equal(1, fresh.Step);
        new Trainer(restored, new SoftmaxCrossEntropyLoss(), fresh, 2);
        Assert.Equal(adam.State[1], fresh.State[1]);
        Assert.Throws<InvalidOperationException>(() => new Trainer(model, new SoftmaxCrossEntropyLoss(), fresh, 2));

        // An optimizer that never trained has no state to save: the file records none.
        Model untouched = Mlp(3);
        string path = Path.Combine(Path.GetTempPath(), $"simd-{Environment.ProcessId}-{Guid.NewGuid():N}.ckpt");
        try
        {
            Checkpoint.Save(path, untouched, new Adam(0.01f));
            var target = new Adam(0.01f);
            Checkpoint.Load(path, Mlp(4), target);
            Assert.Equal(0, target.Step);
            Assert.Empty(target.State);
        }
        finally { File.Delete(path); }
    }
}
