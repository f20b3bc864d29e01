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
        int batch, float l2 = 0f, int maxElementsPerParameter = 64, float step = 1e-2f) =>
        Run(model, loss, x.ToArray(), null, labels, targets, batch, l2, maxElementsPerParameter, step);

    /// <summary>The same check for a model that reads token ids (its first layer is an <see cref="Embedding"/>), on a classification batch.</summary>
    public static IReadOnlyList<GradientCheckResult> Run(Model model, Loss loss, ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels,
        int batch, float l2 = 0f, int maxElementsPerParameter = 64, float step = 1e-2f) =>
        Run(model, loss, null, tokens.ToArray(), labels, [], batch, l2, maxElementsPerParameter, step);

    private static IReadOnlyList<GradientCheckResult> Run(Model model, Loss loss, float[]? x, int[]? tokens, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets,
        int batch, float l2, int maxElementsPerParameter, float step)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxElementsPerParameter);
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "the finite-difference step must be positive");
        Workspace workspace = model.CreateWorkspace(batch);
        ParameterArena parameters = model.Parameters;

        model.Forward(Input(x, tokens), batch, workspace);
        loss.Compute(model.Output(workspace, batch), labels, targets, model.OutputGradient(workspace, batch), batch, model.OutputSize);
        parameters.ZeroGradients();
        model.Backward(Input(x, tokens), batch, workspace, []);
        var penalty = new L2Penalty(l2);
        penalty.AddTo(parameters);
        float[] analytic = parameters.Gradients.ToArray();
        float[] scratch = new float[batch * model.OutputSize];
        float[] targetArray = targets.ToArray();
        int[] labelArray = labels.ToArray();
        var results = Compare(parameters, analytic, () => Objective(model, loss, x, tokens, labelArray, targetArray, batch, l2, workspace, scratch), maxElementsPerParameter, step);
        analytic.CopyTo(parameters.Gradients);
        return results;
    }

    private static ModelInput Input(float[]? x, int[]? tokens) => tokens is null ? ModelInput.Of(x) : ModelInput.Of(tokens);

    /// <summary>
    /// The same check for a <see cref="SequenceModel"/> on (batch, steps) <paramref name="inputs"/> and
    /// <paramref name="targets"/> with the per-step loss of <paramref name="reduction"/>, starting from
    /// <paramref name="initialStates"/> (one (batch, state size) array per layer; empty: zero states).
    /// Besides every parameter it checks each layer's ∂J/∂(initial state), reported as "{layer}.initial_state".
    /// The parameters and initial states are restored exactly afterwards.
    /// </summary>
    public static IReadOnlyList<GradientCheckResult> Run(SequenceModel model, SequenceReduction reduction, int[] inputs, int[] targets, int steps, int batch,
        IReadOnlyList<float[]>? initialStates = null, int maxElementsPerParameter = 64, float step = 1e-2f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxElementsPerParameter);
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "the finite-difference step must be positive");
        SequenceWorkspace workspace = model.CreateWorkspace(steps, batch);
        float[][] states = [.. Enumerable.Range(0, model.Layers.Count).Select(l =>
            initialStates is { Count: > 0 } ? (float[])initialStates[l].Clone() : new float[batch * model.Layers[l].StateSize])];
        for (int l = 0; l < states.Length; l++) workspace.SetInitialState(l, states[l], batch);
        var loss = new SequenceCrossEntropy(reduction);
        ParameterArena parameters = model.Parameters;
        model.Forward(inputs, steps, batch, workspace);
        loss.Compute(model, workspace, targets, steps, batch, out _);
        parameters.ZeroGradients();
        model.Backward(inputs, steps, batch, workspace);
        float[] analytic = parameters.Gradients.ToArray();
        double Objective()
        {
            model.Forward(inputs, steps, batch, workspace);
            return loss.Compute(model, workspace, targets, steps, batch, out _);
        }
        var results = new List<GradientCheckResult>(Compare(parameters, analytic, Objective, maxElementsPerParameter, step));
        for (int l = 0; l < states.Length; l++)
        {
            float[] stateGradient = workspace.InitialStateGradient(l, batch).ToArray();
            Span<float> state = workspace.Buffers[l].InitialState(batch);
            results.Add(CompareElements($"{model.Layers[l].Name}.initial_state", state, stateGradient, Objective, maxElementsPerParameter, step, Noise(Objective(), step)));
        }
        analytic.CopyTo(parameters.Gradients);
        return results;
    }

    /// <summary>100 float roundings of |J|, amplified by 1/h in the difference quotient.</summary>
    private static double Noise(double j, float step) => 100 * Math.ScaleB(1.0, -23) * Math.Abs(j) / step;

    private static List<GradientCheckResult> Compare(ParameterArena parameters, float[] analytic, Func<double> objective, int maxElementsPerParameter, float step)
    {
        double noise = Noise(objective(), step);
        var results = new List<GradientCheckResult>();
        foreach (Parameter parameter in parameters.Parameters)
            results.Add(CompareElements(parameter.Name, parameters.ValuesOf(parameter), analytic.AsSpan(parameter.Offset, parameter.Length), objective, maxElementsPerParameter, step, noise));
        return results;
    }

    /// <summary>Central differences of <paramref name="objective"/> over a sample of <paramref name="values"/>, restored afterwards, against <paramref name="analytic"/>.</summary>
    private static GradientCheckResult CompareElements(string name, Span<float> values, ReadOnlySpan<float> analytic, Func<double> objective, int maxElements, float step, double noise)
    {
        int count = Math.Min(values.Length, maxElements);
        double scale = 0;
        foreach (float a in analytic) scale = Math.Max(scale, Math.Abs(a));
        double floor = Math.Max(Math.Max(1e-3 * scale, noise), 1e-9);
        double worstRelative = 0, worstAbsolute = 0;
        int worstIndex = 0;
        for (int s = 0; s < count; s++)
        {
            int index = count == 1 ? 0 : (int)((long)s * (values.Length - 1) / (count - 1));
            float original = values[index];
            values[index] = original + step;
            double plus = objective();
            values[index] = original - step;
            double minus = objective();
            values[index] = original;
            double numeric = (plus - minus) / (2.0 * step);
            double absolute = Math.Abs(analytic[index] - numeric);
            double relative = absolute / Math.Max(Math.Max(Math.Abs(analytic[index]), Math.Abs(numeric)), floor);
            if (relative > worstRelative) { worstRelative = relative; worstIndex = index; }
            worstAbsolute = Math.Max(worstAbsolute, absolute);
        }
        return new GradientCheckResult(name, count, worstRelative, worstAbsolute, worstIndex);
    }

    /// <summary>J(θ) at the current parameters: the loss plus λ·Σ‖W‖² accumulated in double.</summary>
    private static double Objective(Model model, Loss loss, float[]? x, int[]? tokens, int[] labels, float[] targets,
        int batch, float l2, Workspace workspace, Span<float> scratch)
    {
        model.Forward(Input(x, tokens), batch, workspace);
        double j = loss.Compute(model.Output(workspace, batch), labels, targets, scratch, batch, model.OutputSize);
        return j + new L2Penalty(l2).Evaluate(model.Parameters);
    }
}
