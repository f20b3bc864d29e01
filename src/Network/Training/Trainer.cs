using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// One training step, as the algorithm reads: forward, loss, zero-grad, backward, L2, clip, update.
/// <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/> does it all; <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>
/// and <see cref="ApplyGradients"/> split it for the "compute, inspect or all-reduce, then apply" loop.
/// Every buffer is allocated when the trainer is created, so a steady-state step allocates nothing.
/// A step whose loss or gradient is not finite throws <see cref="NonFiniteStepException"/> and changes
/// neither the parameters nor the optimizer state, whether clipping is on or not.
/// </summary>
public sealed class Trainer
{
    private readonly Workspace _workspace;
    private readonly L2Penalty _l2;

    /// <summary>Creates a trainer for batches of up to <paramref name="maxBatch"/> examples.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="optimizer">The optimizer, bound here to the model (its state is allocated the first time); it cannot serve another model.</param>
    /// <param name="maxBatch">Largest batch <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{int}, int)"/> will see.</param>
    /// <param name="l2">λ of the L2 penalty λ·Σ‖W‖² over weight matrices and embedding tables (not biases); 0 disables it.</param>
    /// <param name="clipNorm">Clip the global gradient norm to this value; 0 disables clipping.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatch"/> is not positive or its buffers would exceed the largest array (the message says the largest allowed); λ or the clipping norm is negative or not finite.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already updates another model.</exception>
    public Trainer(Model model, Loss loss, Optimizer optimizer, int maxBatch, float l2 = 0f, float clipNorm = 0f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(l2 >= 0 && float.IsFinite(l2))) throw new ArgumentOutOfRangeException(nameof(l2), l2, "λ must be finite and non-negative");
        if (!(clipNorm >= 0 && float.IsFinite(clipNorm))) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "the clipping norm must be finite and non-negative (0 disables clipping)");
        model.CheckCapacity(maxBatch, nameof(maxBatch));
        optimizer.Attach(model.Parameters);
        Model = model;
        Loss = loss;
        Optimizer = optimizer;
        L2 = l2;
        _l2 = new L2Penalty(l2);
        ClipNorm = clipNorm;
        _workspace = model.CreateWorkspace(maxBatch);
    }

    /// <summary>The model being trained.</summary>
    public Model Model { get; }
    /// <summary>The loss.</summary>
    public Loss Loss { get; }
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>L2 λ (0: none).</summary>
    public float L2 { get; }
    /// <summary>Global-norm clipping threshold (0: none).</summary>
    public float ClipNorm { get; }
    /// <summary>
    /// The global gradient norm N = √(Σ g²) over every parameter's gradient (L2 term included). After
    /// <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>: the norm of the gradient just
    /// computed. After <see cref="ApplyGradients"/> or a <c>Step</c>: the norm of the gradient that was applied, measured
    /// again before clipping (so it includes any change made in between, such as an all-reduce). Measured whether
    /// clipping is on or not; a call that throws <see cref="NonFiniteStepException"/> leaves it unchanged and carries its own norm.
    /// </summary>
    public float LastGradientNorm { get; private set; }

    /// <summary>
    /// True between a <c>ComputeGradients</c> and the <see cref="ApplyGradients"/> or <see cref="DiscardGradients"/>
    /// that consumes its gradient.
    /// </summary>
    public bool HasPendingGradients => Model.Parameters.PendingGradientOwner == this;

    private float _pendingLoss; // J of the pending gradients, checked by ApplyGradients

    /// <summary>
    /// One step on a classification batch: x (batch × inputs) and one label per example. Returns J (loss plus L2 penalty).
    /// Exactly <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/> then
    /// <see cref="ApplyGradients"/>, bit for bit, without the read-only norm measurement that ApplyGradients repeats.
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending (see <see cref="HasPendingGradients"/>).</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int batch)
    {
        CheckLabels(labels, batch);
        ComputeCore(ModelInput.Of(x), labels[..batch], [], batch, []);
        return ApplyGradients();
    }

    /// <summary>One step on a regression batch: x (batch × inputs) and targets (batch × outputs). Returns J. Exactly compute then apply, as the label form.</summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending (see <see cref="HasPendingGradients"/>).</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<float> targets, int batch)
    {
        CheckTargets(targets, batch);
        ComputeCore(ModelInput.Of(x), [], targets[..(batch * Model.OutputSize)], batch, []);
        return ApplyGradients();
    }

    /// <summary>
    /// One step on a classification batch of token ids (batch × inputs) for a model whose first layer is an
    /// <see cref="Embedding"/>; otherwise exactly as the float form.
    /// </summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending (see <see cref="HasPendingGradients"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the embedding's vocabulary; nothing was updated.</exception>
    public float Step(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels, int batch)
    {
        CheckLabels(labels, batch);
        ComputeCore(ModelInput.Of(tokens), labels[..batch], [], batch, []);
        return ApplyGradients();
    }

    /// <summary>
    /// The compute half of a step on a classification batch, with no update: forward, J = loss + λ·Σ‖W‖², zero-grad,
    /// backward (plus 2λ·W), then N = √(Σ g²) into <see cref="LastGradientNorm"/>. Afterwards the gradient arena
    /// (one span: <see cref="ParameterArena.GradientsForWriting"/>; by name: <see cref="ParameterArena.GradientOf(string)"/>) holds ∂J/∂θ for
    /// exactly this batch, unclipped, and stays valid until the next call that computes or applies. Nothing else
    /// changes: parameters, optimizer state and <see cref="Optimizer.Step"/> are untouched, and J is returned even
    /// when it is not finite (<see cref="ApplyGradients"/> refuses it).
    /// </summary>
    /// <param name="x">(batch × inputs).</param>
    /// <param name="labels">One class per example; the first batch entries are used.</param>
    /// <param name="batch">Examples, 1 to maxBatch.</param>
    /// <param name="inputGradient">Empty (the default: no cost), or at least batch × inputs floats that receive
    /// dX = ∂J/∂x (batch × inputs, overwritten). Not available when the first layer is an embedding.</param>
    /// <returns>J, the loss plus the L2 penalty.</returns>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending: apply or discard it first.</exception>
    /// <exception cref="ArgumentException">A size is wrong (batch, labels, x, inputGradient); nothing changed.</exception>
    public float ComputeGradients(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int batch, Span<float> inputGradient = default)
    {
        CheckLabels(labels, batch);
        float loss = ComputeCore(ModelInput.Of(x), labels[..batch], [], batch, inputGradient);
        LastGradientNorm = GuardedUpdate.Norm(Model.Parameters);
        return loss;
    }

    /// <summary>The compute half of a step on a regression batch (targets batch × outputs); otherwise as the label form.</summary>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending: apply or discard it first.</exception>
    /// <exception cref="ArgumentException">A size is wrong (batch, targets, x, inputGradient); nothing changed.</exception>
    public float ComputeGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> targets, int batch, Span<float> inputGradient = default)
    {
        CheckTargets(targets, batch);
        float loss = ComputeCore(ModelInput.Of(x), [], targets[..(batch * Model.OutputSize)], batch, inputGradient);
        LastGradientNorm = GuardedUpdate.Norm(Model.Parameters);
        return loss;
    }

    /// <summary>The compute half of a step on a classification batch of token ids; otherwise as the float form (token ids have no input gradient).</summary>
    /// <exception cref="InvalidOperationException">A computed gradient is still pending: apply or discard it first.</exception>
    /// <exception cref="ArgumentException">A size is wrong (batch, labels, tokens) or an id is out of range; nothing changed.</exception>
    public float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<int> labels, int batch)
    {
        CheckLabels(labels, batch);
        float loss = ComputeCore(ModelInput.Of(tokens), labels[..batch], [], batch, []);
        LastGradientNorm = GuardedUpdate.Norm(Model.Parameters);
        return loss;
    }

    /// <summary>
    /// The apply half of a step: consumes the pending gradient g as it is in the arena now (the caller may have
    /// changed it, e.g. replaced it by the average over processes, through <see cref="ParameterArena.GradientsForWriting"/>
    /// so that embedding rows this process did not touch count too). Measures N = √(Σ g²); with clipping on and
    /// N &gt; <see cref="ClipNorm"/>, scales every gradient by ClipNorm / N (<see cref="Clipping.ClipByGlobalNorm(float, Span{float})"/>
    /// over the whole arena, so clipping applies to the gradient as changed); then, unless J or N is not finite,
    /// lets the optimizer update the parameters. Returns the J that the compute half returned.
    /// </summary>
    /// <exception cref="InvalidOperationException">No gradient is pending: call ComputeGradients first (or it was already applied or discarded).</exception>
    /// <exception cref="NonFiniteStepException">J or N is not finite: parameters and optimizer state are unchanged, and the gradient is consumed.</exception>
    public float ApplyGradients()
    {
        PendingGradient.Consume(Model.Parameters, this, "apply");
        LastGradientNorm = GuardedUpdate.Apply(Model.Parameters, Optimizer, _pendingLoss, ClipNorm);
        return _pendingLoss;
    }

    /// <summary>Drops the pending gradient without an update (after inspecting it, say); the arena's gradients are left as they are.</summary>
    /// <exception cref="InvalidOperationException">No gradient is pending.</exception>
    public void DiscardGradients()
    {
        PendingGradient.Consume(Model.Parameters, this, "discard");
    }

    private void CheckLabels(ReadOnlySpan<int> labels, int batch)
    {
        if (!Loss.UsesLabels) throw new InvalidOperationException($"{Loss} needs float targets, not labels");
        CheckBatch(batch);
        if (labels.Length < batch) throw new ArgumentException($"labels has {labels.Length} entries for a batch of {batch}", nameof(labels));
    }

    private void CheckTargets(ReadOnlySpan<float> targets, int batch)
    {
        if (Loss.UsesLabels) throw new InvalidOperationException($"{Loss} needs labels, not float targets");
        CheckBatch(batch);
        if (targets.Length < batch * Model.OutputSize) throw new ArgumentException($"targets has {targets.Length} floats but batch {batch} × {Model.OutputSize} outputs need {batch * Model.OutputSize}", nameof(targets));
    }

    private void CheckBatch(int batch)
    {
        if (batch <= 0 || batch > _workspace.Capacity)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch {batch} is outside [1, {_workspace.Capacity}] (1 to the trainer's maxBatch)");
    }

    /// <summary>Forward, loss, zero-grad, backward, L2; leaves the gradient pending and returns J.</summary>
    private float ComputeCore(ModelInput input, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int batch, Span<float> inputGradient)
    {
        PendingGradient.CheckFree(Model.Parameters, this);
        Model.CheckBatch(input, batch, _workspace);
        Model.CheckInputGradient(input, batch, inputGradient);
        ParameterArena parameters = Model.Parameters;
        Model.Forward(input, batch, _workspace);
        float loss = Loss.Compute(Model.Output(_workspace, batch), labels, targets, Model.OutputGradient(_workspace, batch), batch, Model.OutputSize);
        parameters.ZeroGradients();
        Model.Backward(input, batch, _workspace, inputGradient);
        loss += _l2.AddTo(parameters);
        _pendingLoss = loss;
        PendingGradient.Mark(Model.Parameters, this);
        return loss;
    }

    /// <summary>Mean loss (without L2) and accuracy of the model on <paramref name="data"/>, in batches.</summary>
    public static (float Loss, double Accuracy) Evaluate(Model model, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != model.InputSize) throw new ArgumentException($"{data.Source} has {data.FeatureCount} features but the model takes {model.InputSize}", nameof(data));
        if (data.ClassCount != model.OutputSize) throw new ArgumentException($"{data.Source} has {data.ClassCount} classes but the model outputs {model.OutputSize}", nameof(data));
        Workspace workspace = model.CreateWorkspace(batchSize);
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, data.Count - start);
            model.Forward(data.Features.AsSpan(start * data.FeatureCount, batch * data.FeatureCount), batch, workspace);
            ReadOnlySpan<float> logits = model.Output(workspace, batch);
            ReadOnlySpan<int> labels = data.Labels.AsSpan(start, batch);
            lossSum += (double)SoftmaxCrossEntropy.Loss(logits, labels, batch, data.ClassCount) * batch;
            for (int i = 0; i < batch; i++)
            {
                ReadOnlySpan<float> row = logits.Slice(i * data.ClassCount, data.ClassCount);
                int best = 0;
                for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                if (best == labels[i]) correct++;
            }
        }
        return ((float)(lossSum / data.Count), (double)correct / data.Count);
    }
}
