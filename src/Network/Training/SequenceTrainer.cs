namespace Simd.Network;

/// <summary>
/// One training step of a <see cref="SequenceModel"/> by backpropagation through time, as the algorithm
/// reads: forward from the carried state, per-step loss, zero-grad, backward, L2, clip, update, carry the
/// state (<see cref="Step(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>, or split into
/// <see cref="ComputeGradients(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> and <see cref="ApplyGradients"/>
/// for the "compute, inspect or all-reduce, then apply" loop). Truncated BPTT: consecutive calls on consecutive windows of a stream carry the state from
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
    /// <summary>
    /// The global gradient norm N = √(Σ g²) over every parameter's gradient (L2 term included). After a
    /// <c>ComputeGradients</c>: the norm of the gradient just computed; after <see cref="ApplyGradients"/> or a
    /// <c>Step</c>: the norm of the gradient applied, measured again before clipping.
    /// </summary>
    public float LastGradientNorm { get; private set; }
    /// <summary>The mean loss per token (nats) of the last completed (applied) step, whatever the reduction.</summary>
    public float LastMeanLossPerToken { get; private set; }

    /// <summary>
    /// True between a <c>ComputeGradients</c> and the <see cref="ApplyGradients"/> or <see cref="DiscardGradients"/>
    /// that consumes its gradient.
    /// </summary>
    public bool HasPendingGradients => Model.Parameters.PendingGradientOwner == this;

    private float _pendingLoss, _pendingMeanPerToken; // of the pending gradients
    private int _pendingSteps, _pendingBatch;          // the window whose final state ApplyGradients carries

    /// <summary>
    /// One step on <paramref name="inputs"/> and <paramref name="targets"/>, each (batch, steps) token ids
    /// (for a language model the targets are the inputs shifted by one). Returns J (loss plus L2 penalty).
    /// Exactly <see cref="ComputeGradients(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> then
    /// <see cref="ApplyGradients"/>, bit for bit, without the read-only norm measurement that ApplyGradients repeats.
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a token id is out of range (see <see cref="SequenceModel.Forward(ReadOnlySpan{int}, int, int, SequenceWorkspace)"/>); nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending (see <see cref="HasPendingGradients"/>).</exception>
    public float Step(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ComputeCore(inputs, targets, steps, batch);
        return ApplyGradients();
    }

    /// <summary>
    /// One step on float <paramref name="features"/> (batch, steps, features) for a model built by
    /// <see cref="SequenceModel.ForFeatures"/>, with one class per step in <paramref name="targets"/> (batch, steps).
    /// Exactly compute then apply, as the token form.
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a target out of range; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending (see <see cref="HasPendingGradients"/>).</exception>
    public float Step(ReadOnlySpan<float> features, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ComputeCore(features, targets, steps, batch);
        return ApplyGradients();
    }

    /// <summary>
    /// The compute half of a step on token ids, with no update: forward from the carried state, J = per-step loss
    /// (reduced as <see cref="Loss"/> says) + λ·Σ‖W‖², zero-grad, backpropagation through the window, plus 2λ·W,
    /// then N = √(Σ g²) into <see cref="LastGradientNorm"/>. Afterwards the gradient arena holds ∂J/∂θ for exactly this
    /// window, unclipped, valid until the next call that computes or applies. Parameters, optimizer state and the
    /// carried state are untouched (<see cref="ApplyGradients"/> carries the state); J is returned even when not finite.
    /// Token ids are <c>ReadOnlySpan&lt;int&gt;</c>, (batch, steps) row-major.
    /// </summary>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending: apply or discard it first.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a token id is out of range; nothing changed.</exception>
    public float ComputeGradients(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps, int batch)
    {
        float loss = ComputeCore(inputs, targets, steps, batch);
        LastGradientNorm = GuardedUpdate.Norm(Model.Parameters);
        return loss;
    }

    /// <summary>The compute half of a step on float features (batch, steps, features); otherwise as the token form.</summary>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending: apply or discard it first.</exception>
    /// <exception cref="ArgumentException">A shape is wrong or a target out of range; nothing changed.</exception>
    public float ComputeGradients(ReadOnlySpan<float> features, ReadOnlySpan<int> targets, int steps, int batch)
    {
        float loss = ComputeCore(features, targets, steps, batch);
        LastGradientNorm = GuardedUpdate.Norm(Model.Parameters);
        return loss;
    }

    /// <summary>
    /// The apply half of a step: consumes the pending gradient g as it is in the arena now (possibly changed by the
    /// caller, e.g. all-reduced through <see cref="ParameterArena.GradientsForWriting"/>, which makes the embedding
    /// rows this process did not touch count too). Measures N = √(Σ g²); with clipping on and N &gt; <see cref="ClipNorm"/>, scales the
    /// whole gradient arena by ClipNorm / N; then, unless J or N is not finite, updates the parameters, sets
    /// <see cref="LastMeanLossPerToken"/> and, with <see cref="CarryState"/>, carries the window's final state.
    /// Returns the J that the compute half returned.
    /// </summary>
    /// <exception cref="InvalidOperationException">No gradient is pending: call ComputeGradients first (or it was already applied or discarded).</exception>
    /// <exception cref="NonFiniteStepException">J or N is not finite: parameters, optimizer state and carried state are unchanged, and the gradient is consumed.</exception>
    public float ApplyGradients()
    {
        PendingGradient.Consume(Model.Parameters, this, "apply");
        LastGradientNorm = GuardedUpdate.Apply(Model.Parameters, Optimizer, _pendingLoss, ClipNorm);
        LastMeanLossPerToken = _pendingMeanPerToken;
        if (CarryState) Workspace.CarryState(_pendingSteps, _pendingBatch);
        return _pendingLoss;
    }

    /// <summary>Drops the pending gradient without an update; the carried state stays as it was before the compute.</summary>
    /// <exception cref="InvalidOperationException">No gradient is pending.</exception>
    public void DiscardGradients()
    {
        PendingGradient.Consume(Model.Parameters, this, "discard");
    }

    private float ComputeCore(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ThrowIfPending();
        Workspace.Check(Model, targets, steps, batch, nameof(targets), Model.Classes);
        Model.Forward(inputs, steps, batch, Workspace);
        float loss = Loss.Compute(Model, Workspace, targets, steps, batch, out float meanPerToken);
        Model.Parameters.ZeroGradients();
        Model.Backward(inputs, steps, batch, Workspace);
        return Pend(loss, meanPerToken, steps, batch);
    }

    private float ComputeCore(ReadOnlySpan<float> features, ReadOnlySpan<int> targets, int steps, int batch)
    {
        ThrowIfPending();
        Workspace.Check(Model, targets, steps, batch, nameof(targets), Model.Classes);
        Model.Forward(features, steps, batch, Workspace);
        float loss = Loss.Compute(Model, Workspace, targets, steps, batch, out float meanPerToken);
        Model.Parameters.ZeroGradients();
        Model.Backward(features, steps, batch, Workspace);
        return Pend(loss, meanPerToken, steps, batch);
    }

    private void ThrowIfPending()
    {
        PendingGradient.CheckFree(Model.Parameters, this);
    }

    /// <summary>Adds L2 and records the pending gradient's J and window, shared by both compute forms.</summary>
    private float Pend(float loss, float meanPerToken, int steps, int batch)
    {
        loss += _l2.AddTo(Model.Parameters);
        _pendingLoss = loss;
        _pendingMeanPerToken = meanPerToken;
        _pendingSteps = steps;
        _pendingBatch = batch;
        PendingGradient.Mark(Model.Parameters, this);
        return loss;
    }
}
