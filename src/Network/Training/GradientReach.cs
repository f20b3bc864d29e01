using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// How far back the last step's loss reaches in a <see cref="SequenceModel"/>: the norms
/// ‖∂J_T/∂s_k‖ for k = T − 1 … 0, where J_T is the softmax cross-entropy of step T alone (mean over
/// the batch) and s_k the first layer's state after step k (s_0 the zero initial state; an LSTM's
/// state is (h, c)). Exponential decay with T − k is the vanishing gradient; growth, the exploding one.
/// </summary>
public static class GradientReach
{
    /// <summary>
    /// Returns norms[d − 1] = ‖∂J_T/∂s_{T−d}‖ (the Frobenius norm over the batch) for d = 1 … T: s_{T−d} comes
    /// from a forward pass over the first T − d steps from zero, then the last d steps run from it and are
    /// back-propagated with the loss of step T only. The parameters are unchanged; their gradients are overwritten.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="inputs">(batch, steps) token ids.</param>
    /// <param name="targets">(batch, steps) token ids; only the last step's are used.</param>
    /// <param name="steps">T.</param>
    /// <param name="batch">Sequences.</param>
    /// <exception cref="ArgumentException">A shape is wrong or a token id out of range.</exception>
    public static double[] Measure(SequenceModel model, int[] inputs, int[] targets, int steps, int batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
        workspace.Check(model, targets, steps, batch, nameof(targets), model.Classes);
        var window = new int[batch * steps];
        var lastTargets = new int[batch];
        for (int b = 0; b < batch; b++) lastTargets[b] = targets[b * steps + steps - 1];
        var norms = new double[steps];
        for (int distance = 1; distance <= steps; distance++)
        {
            int prefix = steps - distance;
            workspace.ResetState();
            if (prefix > 0)
            {
                Slice(inputs, steps, 0, prefix, batch, window);
                model.Forward(window.AsSpan(0, batch * prefix), prefix, batch, workspace);
                workspace.CarryState(prefix, batch);
            }
            Slice(inputs, steps, prefix, distance, batch, window);
            ReadOnlySpan<int> suffix = window.AsSpan(0, batch * distance);
            model.Forward(suffix, distance, batch, workspace);
            Span<float> gradient = workspace.LogitGradient(distance, batch);
            gradient.Clear();
            int last = (distance - 1) * batch * model.Classes;
            SoftmaxCrossEntropy.ForwardBackward(workspace.Logits(distance, batch)[last..], lastTargets, batch, model.Classes, gradient[last..], 1f / batch);
            model.Parameters.ZeroGradients();
            model.Backward(suffix, distance, batch, workspace);
            double sum = 0;
            foreach (float g in workspace.InitialStateGradient(0, batch)) sum += (double)g * g;
            norms[distance - 1] = Math.Sqrt(sum);
        }
        return norms;
    }

    private static void Slice(int[] tokens, int steps, int start, int count, int batch, int[] destination)
    {
        for (int b = 0; b < batch; b++)
            tokens.AsSpan(b * steps + start, count).CopyTo(destination.AsSpan(b * count));
    }
}
