namespace Simd.Network;

/// <summary>
/// One training step of a <see cref="SequenceModel"/> by backpropagation through time, as the algorithm
/// reads: forward from the carried state, per-step loss, zero-grad, backward, L2, clip, update, carry the
/// state. Truncated BPTT: consecutive calls on consecutive windows of a stream carry the state from
/// window to window (<see cref="CarryState"/>), while each window's gradient stops at its start.
/// Every buffer is allocated when the trainer is created, so a steady-state step allocates nothing.
/// A step whose loss or gradient is not finite throws <see cref="NonFiniteStepException"/> and changes
/// neither the parameters, the optimizer state nor the carried state.
/// </summary>
public sealed class SequenceTrainer
{
    private readonly L2Penalty _l2;

    /// <summary>Creates a trainer for windows of up to <paramref name="maxSteps"/> steps and <paramref name="maxBatch"/> sequences.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or clipNorm / l2 is negative or not finite.</exception>
    public SequenceTrainer(SequenceModel model, Optimizer optimizer, int maxSteps, int maxBatch,
        SequenceReduction reduction = SequenceReduction.SumOverTimeMeanOverBatch, float clipNorm = 0f, float l2 = 0f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(clipNorm >= 0 && float.IsFinite(clipNorm))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clipping norm must be finite and non-negative (0 disables clipping)");
        if (!(l2 >= 0 && float.IsFinite(l2))) throw new ArgumentOutOfRangeException(nameof(l2), l2, "λ must be finite and non-negative");
        Model = model;
        Optimizer = optimizer;
        Loss = new SequenceCrossEntropy(reduction);
        ClipNorm = clipNorm;
        _l2 = new L2Penalty(l2);
        Workspace = model.CreateWorkspace(maxSteps, maxBatch);
        optimizer.Attach(model.Parameters);
    }

    /// <summary>The model being trained.</summary>
    public SequenceModel Model { get; }
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The per-step loss and its reduction.</summary>
    public SequenceCrossEntropy Loss { get; }
    /// <summary>Global-norm clipping threshold (0: none).</summary>
    public float ClipNorm { get; }
    /// <summary>The activations and the carried state.</summary>
    public SequenceWorkspace Workspace { get; }
    /// <summary>When true (the default), each step's final state is the next step's initial state.</summary>
    public bool CarryState { get; set; } = true;
    /// <summary>The global gradient norm of the last completed step, before clipping.</summary>
    public float LastGradientNorm { get; private set; }
    /// <summary>The mean loss per token (nats) of the last completed step, whatever the reduction.</summary>
    public float LastMeanLossPerToken { get; private set; }

    /// <summary>
    /// One step on <paramref name="inputs"/> and <paramref name="targets"/>, each (batch, steps) token ids
    /// (for a language model the targets are the inputs shifted by one). Returns J (loss plus L2 penalty).
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a token id is out of range (see <see cref="SequenceModel.Forward(ReadOnlySpan{int}, int, int, SequenceWorkspace)"/>); nothing was changed.</exception>
    public float Step(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ParameterArena parameters = Model.Parameters;
        Workspace.Check(Model, targets, steps, batch, nameof(targets), Model.Classes);
        Model.Forward(inputs, steps, batch, Workspace);
        float loss = Loss.Compute(Model, Workspace, targets, steps, batch, out float meanPerToken);
        parameters.ZeroGradients();
        Model.Backward(inputs, steps, batch, Workspace);
        return Finish(loss, meanPerToken, steps, batch);
    }

    /// <summary>
    /// One step on float <paramref name="features"/> (batch, steps, features) for a model built by
    /// <see cref="SequenceModel.ForFeatures"/>, with one class per step in <paramref name="targets"/> (batch, steps).
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a target out of range; nothing was changed.</exception>
    public float Step(ReadOnlySpan<float> features, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ParameterArena parameters = Model.Parameters;
        Workspace.Check(Model, targets, steps, batch, nameof(targets), Model.Classes);
        Model.Forward(features, steps, batch, Workspace);
        float loss = Loss.Compute(Model, Workspace, targets, steps, batch, out float meanPerToken);
        parameters.ZeroGradients();
        Model.Backward(features, steps, batch, Workspace);
        return Finish(loss, meanPerToken, steps, batch);
    }

    /// <summary>L2, the guarded update and the state carry shared by both step forms.</summary>
    private float Finish(float loss, float meanPerToken, int steps, int batch)
    {
        ParameterArena parameters = Model.Parameters;
        loss += _l2.AddTo(parameters);
        LastGradientNorm = GuardedUpdate.Apply(parameters, Optimizer, loss, ClipNorm);
        LastMeanLossPerToken = meanPerToken;
        if (CarryState) Workspace.CarryState(steps, batch);
        return loss;
    }
}
