using Simd.Kernels;

namespace Simd.Network.Tests;

public class GradientReachTests
{
    [Theory]
    [InlineData("elman")]
    [InlineData("gru")]
    [InlineData("lstm")]
    public void NormsAreThoseOfTheLastStepsLossWithRespectToEachState(string cell)
    {
        const int steps = 5, batch = 2;
        RecurrentLayer layer = cell switch { "gru" => new Gru(4, 6), "lstm" => new Lstm(4, 6), _ => new Elman(4, 6) };
        var model = new SequenceModel(5, 4, [layer], 7);
        var (inputs, targets) = RecurrentGradientTests.Tokens(steps, batch, 3);
        double[] norms = GradientReach.Measure(model, inputs, targets, steps, batch);
        Assert.Equal(steps, norms.Length);
        for (int distance = 1; distance <= steps; distance++)
        {
            // The reference runs the last `distance` steps from s_{T−d}, the state after the first T − d steps.
            var prefix = new SequenceReference(model, steps - distance, batch, SequenceReduction.SumOverTimeMeanOverBatch);
            int[] Take(int[] tokens, int start, int count) => [.. Enumerable.Range(0, batch).SelectMany(b => tokens.Skip(b * steps + start).Take(count))];
            double[] state = new double[batch * layer.StateSize];
            if (distance < steps)
            {
                prefix.Loss(Take(inputs, 0, steps - distance), Take(targets, 0, steps - distance));
                state = prefix.FinalStates[0];
            }
            var suffix = new SequenceReference(model, distance, batch, SequenceReduction.SumOverTimeMeanOverBatch) { LastStepOnly = true };
            suffix.InitialStates[0] = state;
            int[] suffixInputs = Take(inputs, steps - distance, distance), suffixTargets = Take(targets, steps - distance, distance);
            double sum = 0;
            for (int i = 0; i < state.Length; i++)
            {
                double derivative = suffix.StateDerivative(0, i, suffixInputs, suffixTargets);
                sum += derivative * derivative;
            }
            Assert.Equal(Math.Sqrt(sum), norms[distance - 1], 2e-3 * Math.Sqrt(sum) + 1e-7);
        }
    }

    [Fact]
    public void ReluWithALargeIdentityExplodesAndTanhVanishes()
    {
        const int steps = 24, batch = 4;
        var (inputs, targets) = RecurrentGradientTests.Tokens(steps, batch, 5);
        var exploding = new SequenceModel(5, 4, [new Elman(4, 16, Activation.Relu, RecurrentInitializer.ScaledIdentity, 1.5f)], 1);
        var vanishing = new SequenceModel(5, 4, [new Elman(4, 16, Activation.Tanh, RecurrentInitializer.ScaledIdentity, 0.3f)], 1);
        double[] up = GradientReach.Measure(exploding, inputs, targets, steps, batch);
        double[] down = GradientReach.Measure(vanishing, inputs, targets, steps, batch);
        Assert.True(up[^1] > 1e3 * up[0], $"ReLU 1.5·I: {up[0]} → {up[^1]}");
        Assert.True(down[^1] < 1e-6 * down[0], $"tanh 0.3·I: {down[0]} → {down[^1]}");
    }
}
