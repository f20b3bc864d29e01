namespace Simd.Network;

/// <summary>
/// Everything a <see cref="SequenceModel"/> needs for sequences of up to <see cref="MaxSteps"/> steps and
/// <see cref="MaxBatch"/> examples, allocated once: the embedded inputs, every layer's
/// <see cref="RecurrentBuffers"/> (activations and state), the logits, and the gradients between layers.
/// </summary>
/// <remarks>
/// State: each layer starts a forward pass from its initial state: zero after creation and after
/// <see cref="ResetState"/>, a caller's after <see cref="SetInitialState"/>, or the last forward pass's
/// final state after <see cref="CarryState"/> (truncated BPTT: the state is carried to the next window,
/// the gradient is not). A non-zero state belongs to the batch size it was set for.
/// </remarks>
public sealed class SequenceWorkspace
{
    private readonly SequenceModel _model;
    private readonly float[] _inputs, _inputGradient, _logits, _logitGradient;
    private readonly float[][] _outputGradients;
    private readonly float[] _projectedTable, _projectedTableGradient, _embeddingRowGradient;
    private readonly bool[] _usedTokens;
    private int _stateBatch; // 0: the initial states are zero for any batch

    internal SequenceWorkspace(SequenceModel model, int maxSteps, int maxBatch)
    {
        CheckCapacity(model, maxSteps, maxBatch);
        _model = model;
        MaxSteps = maxSteps;
        MaxBatch = maxBatch;
        int rows = maxSteps * maxBatch;
        _inputs = new float[rows * model.EmbeddingSize];              // (steps, batch, embedding or features): the first layer's input
        _inputGradient = new float[rows * model.EmbeddingSize];       // (steps, batch, embedding)
        _logits = new float[rows * model.Classes];                    // (steps, batch, classes)
        _logitGradient = new float[rows * model.Classes];             // (steps, batch, classes)
        Buffers = [.. model.Layers.Select(l => l.CreateBuffers(maxSteps, maxBatch))];
        _outputGradients = [.. model.Layers.Select(l => new float[rows * l.HiddenSize])]; // per layer (steps, batch, hidden)
        Labels = new int[rows];
        bool fold = model.CanFoldEmbedding && (model.FoldEmbedding ?? 2L * model.Vocabulary <= rows);
        int width = fold ? model.Layers[0].InputProjection!.Value.Weight.Cols : 0;
        _projectedTable = fold ? new float[model.Vocabulary * width] : [];          // (vocabulary, width): E·W_i + b_i
        _projectedTableGradient = fold ? new float[model.Vocabulary * width] : [];  // (vocabulary, width): G
        _embeddingRowGradient = fold ? new float[model.Vocabulary * model.EmbeddingSize] : []; // (vocabulary, embedding): G·W_iᵀ
        _usedTokens = fold ? new bool[model.Vocabulary] : [];
    }

    /// <summary>
    /// Throws unless both sizes are positive and every per-step buffer, (maxSteps + 1)·maxBatch rows of the widest
    /// row (embedding, classes, or 4·hidden: an LSTM's gates, the widest block of the built-in cells), fits in one
    /// array, so that no size or offset computed in int can wrap.
    /// </summary>
    internal static void CheckCapacity(SequenceModel model, int maxSteps, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        long widest = Math.Max(model.EmbeddingSize, model.Classes);
        foreach (RecurrentLayer layer in model.Layers) widest = Math.Max(widest, 4L * layer.HiddenSize);
        long perSequence = (maxSteps + 1L) * widest, floats = perSequence * maxBatch;
        if (perSequence > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps,
                $"one sequence of {maxSteps:N0} steps × {widest:N0} floats per row is {perSequence:N0} floats, more than one array holds ({Array.MaxLength:N0})");
        if (floats > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch,
                $"{maxSteps:N0} steps × {maxBatch:N0} sequences × {widest:N0} floats per row is {floats:N0} floats, more than one array holds ({Array.MaxLength:N0}); at most {Array.MaxLength / perSequence:N0} sequences of {maxSteps:N0} steps fit this model");
    }

    /// <summary>The longest sequence this workspace holds.</summary>
    public int MaxSteps { get; }
    /// <summary>The largest batch this workspace holds.</summary>
    public int MaxBatch { get; }
    /// <summary>Per recurrent layer, its activations and state.</summary>
    public IReadOnlyList<RecurrentBuffers> Buffers { get; }
    /// <summary>Time-major labels (steps, batch) of the last loss computation.</summary>
    internal int[] Labels { get; }

    /// <summary>The logits of the last forward pass, (steps, batch, classes).</summary>
    public Span<float> Logits(int steps, int batch) => _logits.AsSpan(0, steps * batch * _model.Classes);
    /// <summary>Where the loss writes ∂J/∂logits, (steps, batch, classes).</summary>
    public Span<float> LogitGradient(int steps, int batch) => _logitGradient.AsSpan(0, steps * batch * _model.Classes);
    internal Span<float> Inputs(int steps, int batch) => _inputs.AsSpan(0, steps * batch * _model.EmbeddingSize);
    internal Span<float> InputGradient(int steps, int batch) => _inputGradient.AsSpan(0, steps * batch * _model.EmbeddingSize);
    /// <summary>True when this workspace holds the tables for folding the embedding into the first layer's input projection (the model can fold and a pass of this capacity may).</summary>
    internal bool HasProjectedTable => _usedTokens.Length > 0;
    internal Span<float> ProjectedTable(int width) => _projectedTable.AsSpan(0, _model.Vocabulary * width);
    internal Span<float> ProjectedTableGradient(int width) => _projectedTableGradient.AsSpan(0, _model.Vocabulary * width);
    internal Span<float> EmbeddingRowGradient() => _embeddingRowGradient;
    internal Span<bool> UsedTokens() => _usedTokens;
    internal Span<float> OutputGradient(int layer, int steps, int batch) => _outputGradients[layer].AsSpan(0, steps * batch * _model.Layers[layer].HiddenSize);

    /// <summary>Layer <paramref name="layer"/>'s state after the last forward pass, (batch, state size).</summary>
    public ReadOnlySpan<float> FinalState(int layer, int steps, int batch) => Buffers[layer].FinalState(steps, batch);

    /// <summary>∂J/∂(layer <paramref name="layer"/>'s initial state) from the last backward pass, (batch, state size).</summary>
    public ReadOnlySpan<float> InitialStateGradient(int layer, int batch) => Buffers[layer].InitialStateGradient(batch);

    /// <summary>Every layer starts the next forward pass from the zero state.</summary>
    public void ResetState()
    {
        foreach (RecurrentBuffers buffers in Buffers) buffers.InitialState(buffers.MaxBatch).Clear();
        _stateBatch = 0;
    }

    /// <summary>Layer <paramref name="layer"/> starts the next forward passes (of this batch size) from <paramref name="state"/> (batch, state size).</summary>
    /// <exception cref="ArgumentOutOfRangeException">layer or batch is out of range.</exception>
    /// <exception cref="ArgumentException">state does not hold batch × state size floats, or another layer's state was set for another batch.</exception>
    public void SetInitialState(int layer, ReadOnlySpan<float> state, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)layer, (uint)Buffers.Count, nameof(layer));
        if (batch <= 0 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in [1, {MaxBatch}] (the workspace's capacity)");
        RecurrentBuffers buffers = Buffers[layer];
        if (state.Length != batch * buffers.StateSize)
            throw new ArgumentException($"state has {state.Length} floats but {_model.Layers[layer].Name}'s state is (batch {batch} × {buffers.StateSize}) = {batch * buffers.StateSize}", nameof(state));
        if (_stateBatch != 0 && _stateBatch != batch)
            throw new ArgumentException($"the other layers' states are set for batch {_stateBatch}, not {batch}; call ResetState first", nameof(batch));
        state.CopyTo(buffers.InitialState(batch));
        _stateBatch = batch;
    }

    /// <summary>Every layer starts the next forward pass from the final state of the last one (same steps and batch as that pass).</summary>
    public void CarryState(int steps, int batch)
    {
        for (int l = 0; l < Buffers.Count; l++)
            Buffers[l].FinalState(steps, batch).CopyTo(Buffers[l].InitialState(batch));
        _stateBatch = batch;
    }

    /// <summary>Checks the sizes, and that every id of <paramref name="tokens"/> (batch, steps) is in [0, <paramref name="range"/>) (the vocabulary for inputs, the classes for targets).</summary>
    internal void Check(SequenceModel model, ReadOnlySpan<int> tokens, int steps, int batch, string tokensName, int range = -1)
    {
        CheckSizes(model, steps, batch);
        if (tokens.Length != steps * batch)
            throw new ArgumentException($"{tokensName} has {tokens.Length} ids but (batch {batch} × steps {steps}) needs {steps * batch}", tokensName);
        int limit = range < 0 ? model.Vocabulary : range;
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)limit)
                throw new ArgumentOutOfRangeException(tokensName, tokens[i], $"{tokensName}[{i}] (example {i / steps}, step {i % steps}) is {tokens[i]}, not {(range < 0 ? "a token id" : "a class")} in [0, {limit})");
    }

    /// <summary>Checks the sizes and that <paramref name="features"/> holds (batch, steps, features) floats.</summary>
    internal void CheckFeatures(SequenceModel model, ReadOnlySpan<float> features, int steps, int batch)
    {
        CheckSizes(model, steps, batch);
        if (features.Length != steps * batch * model.EmbeddingSize)
            throw new ArgumentException($"features has {features.Length} floats but (batch {batch} × steps {steps} × {model.EmbeddingSize} features) needs {steps * batch * model.EmbeddingSize}", nameof(features));
    }

    private void CheckSizes(SequenceModel model, int steps, int batch)
    {
        if (!ReferenceEquals(model, _model)) throw new ArgumentException("the workspace belongs to another model", nameof(model));
        if (steps <= 0 || steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be in [1, {MaxSteps}] (the workspace was created for at most {MaxSteps} steps)");
        if (batch <= 0 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in [1, {MaxBatch}] (the workspace's capacity)");
        if (_stateBatch != 0 && _stateBatch != batch)
            throw new ArgumentException($"batch is {batch} but the initial state is (batch {_stateBatch} × {Buffers[0].StateSize}); call ResetState or give a state for batch {batch}", nameof(batch));
    }
}
