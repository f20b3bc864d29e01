using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// One training step, as the algorithm reads: forward, loss, zero-grad, backward, L2, clip, update.
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
    /// The global gradient norm √(Σ g²) over every parameter (L2 term included) of the last step, before
    /// clipping; measured whether clipping is on or not. A step that throws <see cref="NonFiniteStepException"/>
    /// leaves it unchanged and carries its own norm.
    /// </summary>
    public float LastGradientNorm { get; private set; }

    /// <summary>One step on a classification batch: x (batch × inputs) and one label per example. Returns J (loss plus L2 penalty).</summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, int batch)
    {
        if (!Loss.UsesLabels) throw new InvalidOperationException($"{Loss} needs float targets, not labels");
        CheckBatch(batch);
        if (labels.Length < batch) throw new ArgumentException($"labels has {labels.Length} entries for a batch of {batch}", nameof(labels));
        return StepCore(x, labels[..batch], [], batch);
    }

    /// <summary>One step on a regression batch: x (batch × inputs) and targets (batch × outputs). Returns J.</summary>
    /// <exception cref="NonFiniteStepException">J or the gradient is not finite; nothing was updated.</exception>
    public float Step(ReadOnlySpan<float> x, ReadOnlySpan<float> targets, int batch)
    {
        if (Loss.UsesLabels) throw new InvalidOperationException($"{Loss} needs labels, not float targets");
        CheckBatch(batch);
        if (targets.Length < batch * Model.OutputSize) throw new ArgumentException($"targets has {targets.Length} floats but batch {batch} × {Model.OutputSize} outputs need {batch * Model.OutputSize}", nameof(targets));
        return StepCore(x, [], targets[..(batch * Model.OutputSize)], batch);
    }

    private void CheckBatch(int batch)
    {
        if (batch <= 0 || batch > _workspace.Capacity)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch {batch} is outside [1, {_workspace.Capacity}] (1 to the trainer's maxBatch)");
    }

    private float StepCore(ReadOnlySpan<float> x, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int batch)
    {
        ParameterArena parameters = Model.Parameters;
        Model.Forward(x, batch, _workspace);
        float loss = Loss.Compute(Model.Output(_workspace, batch), labels, targets, Model.OutputGradient(_workspace, batch), batch, Model.OutputSize);
        parameters.ZeroGradients();
        Model.Backward(x, batch, _workspace);
        loss += _l2.AddTo(parameters);
        LastGradientNorm = GuardedUpdate.Apply(parameters, Optimizer, loss, ClipNorm);
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
