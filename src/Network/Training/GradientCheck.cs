namespace Simd.Network;

/// <summary>The worst disagreement between analytic and finite-difference gradients for one parameter.</summary>
/// <param name="Parameter">The parameter's name.</param>
/// <param name="Checked">Elements compared.</param>
/// <param name="WorstRelativeError">max |a − n| / max(|a|, |n|, floor) over the checked elements, where
/// floor = max(1e-3 · max |a| of the parameter, 100 · 2^−23 · |J| / h): entries near 0 and the float
/// rounding of J itself (amplified by 1/h in the difference quotient) do not dominate.</param>
/// <param name="WorstAbsoluteError">max |a − n|.</param>
/// <param name="WorstIndex">Element index of the worst relative error.</param>
public readonly record struct GradientCheckResult(string Parameter, int Checked, double WorstRelativeError, double WorstAbsoluteError, int WorstIndex);

/// <summary>
/// Compares a model's back-propagated gradients with central finite differences
/// (J(θ + h) − J(θ − h)) / 2h of the same loss (with the L2 penalty), element by element.
/// </summary>
public static class GradientCheck
{
    /// <summary>
    /// Checks up to <paramref name="maxElementsPerParameter"/> elements of every parameter (all of them
    /// when the parameter is smaller; otherwise an evenly spaced sample that includes the first and last).
    /// The model's parameters are restored exactly afterwards; its gradients hold the analytic gradient.
    /// </summary>
    public static IReadOnlyList<GradientCheckResult> Run(Model model, Loss loss, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int batch, float l2 = 0f, int maxElementsPerParameter = 64, float step = 1e-2f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxElementsPerParameter);
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "the finite-difference step must be positive");
        Workspace workspace = model.CreateWorkspace(batch);
        ParameterArena parameters = model.Parameters;

        model.Forward(x, batch, workspace);
        loss.Compute(model.Output(workspace, batch), labels, targets, model.OutputGradient(workspace, batch), batch, model.OutputSize);
        parameters.ZeroGradients();
        model.Backward(x, batch, workspace);
        var penalty = new L2Penalty(l2);
        penalty.AddTo(parameters);
        float[] analytic = parameters.Gradients.ToArray();
        float[] scratch = new float[batch * model.OutputSize];

        double j0 = Objective(model, loss, x, labels, targets, batch, l2, workspace, scratch);
        double noise = 100 * Math.ScaleB(1.0, -23) * Math.Abs(j0) / step;
        var results = new List<GradientCheckResult>();
        foreach (Parameter parameter in parameters.Parameters)
        {
            Span<float> values = parameters.ValuesOf(parameter);
            int count = Math.Min(parameter.Length, maxElementsPerParameter);
            double scale = 0;
            for (int i = 0; i < parameter.Length; i++) scale = Math.Max(scale, Math.Abs(analytic[parameter.Offset + i]));
            double floor = Math.Max(Math.Max(1e-3 * scale, noise), 1e-9);
            double worstRelative = 0, worstAbsolute = 0;
            int worstIndex = 0;
            for (int s = 0; s < count; s++)
            {
                int index = count == 1 ? 0 : (int)((long)s * (parameter.Length - 1) / (count - 1));
                float original = values[index];
                values[index] = original + step;
                double plus = Objective(model, loss, x, labels, targets, batch, l2, workspace, scratch);
                values[index] = original - step;
                double minus = Objective(model, loss, x, labels, targets, batch, l2, workspace, scratch);
                values[index] = original;
                double numeric = (plus - minus) / (2.0 * step);
                double a = analytic[parameter.Offset + index];
                double absolute = Math.Abs(a - numeric);
                double relative = absolute / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), floor);
                if (relative > worstRelative) { worstRelative = relative; worstIndex = index; }
                worstAbsolute = Math.Max(worstAbsolute, absolute);
            }
            results.Add(new GradientCheckResult(parameter.Name, count, worstRelative, worstAbsolute, worstIndex));
        }
        analytic.CopyTo(parameters.Gradients);
        return results;
    }

    /// <summary>J(θ) at the current parameters: the loss plus λ·Σ‖W‖² accumulated in double.</summary>
    private static double Objective(Model model, Loss loss, ReadOnlySpan<float> x, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int batch, float l2, Workspace workspace, Span<float> scratch)
    {
        model.Forward(x, batch, workspace);
        double j = loss.Compute(model.Output(workspace, batch), labels, targets, scratch, batch, model.OutputSize);
        return j + new L2Penalty(l2).Evaluate(model.Parameters);
    }
}
