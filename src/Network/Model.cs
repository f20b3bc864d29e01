using Microsoft.Extensions.ObjectPool;

namespace Simd.Network;

/// <summary>
/// Activations and their gradients for one batch size: outputs[l] and gradients[l] are
/// (capacity × layer l's output size). Allocated once and reused for every batch up to the capacity.
/// </summary>
public sealed class Workspace
{
    internal Workspace(Model model, int capacity)
    {
        Model = model;
        Capacity = capacity;
        Outputs = [.. model.Layers.Select(l => new float[capacity * l.OutputSize])];
        Gradients = [.. model.Layers.Select(l => new float[capacity * l.OutputSize])];
    }

    /// <summary>The largest batch this workspace holds.</summary>
    public int Capacity { get; }
    /// <summary>The model that created this workspace; only it can use it.</summary>
    internal Model Model { get; }
    internal float[][] Outputs { get; }   // per layer: (capacity, outputSize)
    internal float[][] Gradients { get; } // per layer: (capacity, outputSize)
}

/// <summary>
/// A sequential model: layers applied in order, all parameters in one <see cref="ParameterArena"/>
/// with a gradient twin. Built by <see cref="ModelBuilder"/>, which checks every shape.
/// </summary>
public sealed class Model
{
    private readonly DefaultObjectPool<Workspace> _inferenceWorkspaces;
    private const int InferenceBatch = 256;

    internal Model(IReadOnlyList<Layer> layers, ParameterArena parameters)
    {
        Layers = layers;
        Parameters = parameters;
        _inferenceWorkspaces = new DefaultObjectPool<Workspace>(new WorkspacePolicy(this), Environment.ProcessorCount);
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers { get; }
    /// <summary>All parameters and their gradients.</summary>
    public ParameterArena Parameters { get; }
    /// <summary>Floats per example going in.</summary>
    public int InputSize => Layers[0].InputSize;
    /// <summary>Floats per example coming out.</summary>
    public int OutputSize => Layers[^1].OutputSize;
    /// <summary>Number of trainable floats (without padding).</summary>
    public long ParameterCount => Parameters.Parameters.Sum(p => (long)p.Length);

    /// <summary>A workspace for batches of up to <paramref name="capacity"/> examples.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive, or capacity × a layer's width exceeds the largest array.</exception>
    public Workspace CreateWorkspace(int capacity)
    {
        CheckCapacity(capacity, nameof(capacity));
        return new Workspace(this, capacity);
    }

    /// <summary>
    /// Throws unless 1 ≤ <paramref name="capacity"/> and capacity × every layer's input and output width fits
    /// in one array, so that no batch offset or buffer size computed in int can wrap.
    /// </summary>
    internal void CheckCapacity(int capacity, string parameterName)
    {
        if (capacity <= 0)
            throw new ArgumentOutOfRangeException(parameterName, capacity, $"{parameterName} is the largest batch, so it must be at least 1");
        Layer widest = Layers.MaxBy(l => Math.Max(l.InputSize, l.OutputSize))!;
        int width = Math.Max(widest.InputSize, widest.OutputSize);
        long floats = (long)capacity * width;
        if (floats > Array.MaxLength)
            throw new ArgumentOutOfRangeException(parameterName, capacity,
                $"a batch of {capacity:N0} examples × {width:N0} floats ({widest.Name}) is {floats:N0} floats, more than one array holds ({Array.MaxLength:N0}); at most {Array.MaxLength / width:N0} examples per batch fit this model");
    }

    /// <summary>True when the first layer is an <see cref="Embedding"/>: the model reads token ids (<c>ReadOnlySpan&lt;int&gt;</c> overloads), not floats.</summary>
    public bool ReadsTokens => Layers[0] is Embedding;

    /// <summary>Runs every layer forward on x (batch × InputSize); the result is <see cref="Output"/>.</summary>
    /// <exception cref="ArgumentException">The model reads token ids (<see cref="ReadsTokens"/>), x is too short, or the workspace belongs to another model.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is outside [1, the workspace's capacity].</exception>
    public void Forward(ReadOnlySpan<float> x, int batch, Workspace workspace) => Forward(ModelInput.Of(x), batch, workspace);

    /// <summary>
    /// Runs every layer forward on token ids (batch × InputSize: each example's window of ids, row-major) for a model
    /// whose first layer is an <see cref="Embedding"/>; the result is <see cref="Output"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The first layer is not an embedding, tokens is too short, or the workspace belongs to another model.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is out of range, or an id is outside [0, vocabulary) (the message names its example and position).</exception>
    public void Forward(ReadOnlySpan<int> tokens, int batch, Workspace workspace) => Forward(ModelInput.Of(tokens), batch, workspace);

    internal void Forward(ModelInput input, int batch, Workspace workspace)
    {
        CheckBatch(input, batch, workspace);
        Span<float> first = workspace.Outputs[0].AsSpan(0, batch * Layers[0].OutputSize);
        if (input.IsTokens) ((Embedding)Layers[0]).Forward(input.Tokens[..(batch * InputSize)], first, batch, Parameters);
        else Layers[0].Forward(input.Features[..(batch * InputSize)], first, batch, Parameters);
        ReadOnlySpan<float> previous = first;
        for (int l = 1; l < Layers.Count; l++)
        {
            Span<float> output = workspace.Outputs[l].AsSpan(0, batch * Layers[l].OutputSize);
            Layers[l].Forward(previous, output, batch, Parameters);
            previous = output;
        }
    }

    /// <summary>The last forward pass's output (batch × OutputSize).</summary>
    public ReadOnlySpan<float> Output(Workspace workspace, int batch) => workspace.Outputs[^1].AsSpan(0, batch * OutputSize);

    /// <summary>Where the loss writes ∂J/∂output (batch × OutputSize) before <see cref="Backward(ReadOnlySpan{float}, int, Workspace)"/>.</summary>
    public Span<float> OutputGradient(Workspace workspace, int batch) => workspace.Gradients[^1].AsSpan(0, batch * OutputSize);

    /// <summary>
    /// Back-propagates ∂J/∂output (already in <see cref="OutputGradient"/>) through every layer,
    /// accumulating parameter gradients. The first layer computes no input gradient.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, int batch, Workspace workspace) => Backward(ModelInput.Of(x), batch, workspace, []);

    /// <summary>
    /// <see cref="Backward(ReadOnlySpan{float}, int, Workspace)"/> for a model that reads token ids: the embedding
    /// accumulates the rows of δ·Wᵀ that each window position used into the rows of its table's gradient.
    /// </summary>
    public void Backward(ReadOnlySpan<int> tokens, int batch, Workspace workspace) => Backward(ModelInput.Of(tokens), batch, workspace, []);

    /// <summary>
    /// <see cref="Backward(ReadOnlySpan{float}, int, Workspace)"/>, and when <paramref name="inputGradient"/> is
    /// not empty, also dX[i, j] = ∂J/∂x[i, j] for the batch, (batch × InputSize) row-major, written (not
    /// accumulated) into its first batch × InputSize floats. An empty span costs nothing: the first layer's
    /// input-gradient product is skipped, as in the overload without it. The span must not overlap x.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inputGradient"/> is not empty and shorter than batch × InputSize, or
    /// overlaps x; or the model reads token ids, which have no gradient.</exception>
    public void Backward(ReadOnlySpan<float> x, int batch, Workspace workspace, Span<float> inputGradient) =>
        Backward(ModelInput.Of(x), batch, workspace, inputGradient);

    internal void Backward(ModelInput input, int batch, Workspace workspace, Span<float> inputGradient)
    {
        CheckBatch(input, batch, workspace);
        CheckInputGradient(input, batch, inputGradient);
        for (int l = Layers.Count - 1; l >= 1; l--)
        {
            Layer layer = Layers[l];
            layer.Backward(workspace.Outputs[l - 1].AsSpan(0, batch * layer.InputSize), workspace.Outputs[l].AsSpan(0, batch * layer.OutputSize),
                workspace.Gradients[l].AsSpan(0, batch * layer.OutputSize), workspace.Gradients[l - 1].AsSpan(0, batch * layer.InputSize), batch, Parameters);
        }
        Span<float> dy = workspace.Gradients[0].AsSpan(0, batch * Layers[0].OutputSize);
        if (input.IsTokens)
        {
            ((Embedding)Layers[0]).Backward(input.Tokens[..(batch * InputSize)], dy, batch, Parameters);
            return;
        }
        Layers[0].Backward(input.Features[..(batch * InputSize)], workspace.Outputs[0].AsSpan(0, batch * Layers[0].OutputSize), dy,
            inputGradient.IsEmpty ? [] : inputGradient[..(batch * InputSize)], batch, Parameters);
    }

    /// <summary>
    /// Inference: writes the outputs for <paramref name="count"/> examples of x into
    /// <paramref name="destination"/> (count × OutputSize), in batches, with a pooled workspace.
    /// Safe to call from several threads at once; allocation-free once the pool is warm.
    /// </summary>
    public void Predict(ReadOnlySpan<float> x, int count, Span<float> destination) => Predict(ModelInput.Of(x), count, destination);

    /// <summary><see cref="Predict(ReadOnlySpan{float}, int, Span{float})"/> for a model that reads token ids (count × InputSize ids).</summary>
    public void Predict(ReadOnlySpan<int> tokens, int count, Span<float> destination) => Predict(ModelInput.Of(tokens), count, destination);

    private void Predict(ModelInput input, int count, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckKind(input);
        if (input.Length < (long)count * InputSize)
            throw new ArgumentException($"{input.Name} has {input.Length} {input.Unit} but {count} examples × {InputSize} inputs need {(long)count * InputSize}", input.Name);
        if (destination.Length < (long)count * OutputSize)
            throw new ArgumentException($"destination has {destination.Length} floats but {count} examples × {OutputSize} outputs need {(long)count * OutputSize}", nameof(destination));
        Workspace workspace = _inferenceWorkspaces.Get();
        try
        {
            for (int start = 0; start < count; start += InferenceBatch)
            {
                int batch = Math.Min(InferenceBatch, count - start);
                Forward(input.Slice(start * InputSize, batch * InputSize), batch, workspace);
                Output(workspace, batch).CopyTo(destination.Slice(start * OutputSize, batch * OutputSize));
            }
        }
        finally { _inferenceWorkspaces.Return(workspace); }
    }

    /// <summary>Throws unless <paramref name="inputGradient"/> is empty or can receive dX for the batch; call after the batch is checked.</summary>
    internal void CheckInputGradient(ModelInput input, int batch, ReadOnlySpan<float> inputGradient)
    {
        if (inputGradient.IsEmpty) return;
        if (input.IsTokens)
            throw new ArgumentException($"{Layers[0].Name} reads token ids, which have no gradient; pass an empty inputGradient", nameof(inputGradient));
        if (inputGradient.Length < batch * InputSize)
            throw new ArgumentException($"inputGradient has {inputGradient.Length} floats but batch {batch} × {InputSize} inputs need {batch * InputSize}", nameof(inputGradient));
        if (inputGradient.Overlaps(input.Features[..(batch * InputSize)]))
            throw new ArgumentException("inputGradient overlaps x; dX needs its own buffer", nameof(inputGradient));
    }

    /// <summary>Throws unless the input's kind (floats or token ids) is what the first layer reads.</summary>
    internal void CheckKind(ModelInput input)
    {
        if (ReadsTokens && !input.IsTokens)
            throw new ArgumentException($"{Layers[0].Name} ({Layers[0].Architecture}) reads token ids: pass them as ReadOnlySpan<int>, not floats", "x");
        if (!ReadsTokens && input.IsTokens)
            throw new ArgumentException($"token ids need an Embedding as the first layer, but {Layers[0].Name} ({Layers[0].Architecture}) reads floats", "tokens");
    }

    internal void CheckBatch(ModelInput input, int batch, Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.Model != this)
            throw new ArgumentException("the workspace was created by another model (its buffers have that model's layer sizes); use this model's CreateWorkspace", nameof(workspace));
        if (batch <= 0 || batch > workspace.Capacity)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch {batch} is outside [1, {workspace.Capacity}] (1 to the workspace's capacity)");
        CheckKind(input);
        if (input.Length < batch * InputSize)
            throw new ArgumentException($"{input.Name} has {input.Length} {input.Unit} but batch {batch} × {InputSize} inputs need {batch * InputSize}", input.Name);
    }

    /// <summary>The layers, one per line, and the parameter count.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Layers.Select(l => l.ToString())) + Environment.NewLine + $"{ParameterCount:N0} parameters";

    private sealed class WorkspacePolicy(Model model) : PooledObjectPolicy<Workspace>
    {
        public override Workspace Create() => new(model, InferenceBatch);
        public override bool Return(Workspace obj) => true;
    }
}

/// <summary>Builds a <see cref="Model"/> layer by layer, checking that each layer's input matches the previous output.</summary>
public sealed class ModelBuilder
{
    private readonly List<Layer> _layers = [];
    private readonly int _inputSize;
    private bool _built;

    /// <summary>Starts a model whose examples have <paramref name="inputSize"/> floats.</summary>
    public ModelBuilder(int inputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        _inputSize = inputSize;
    }

    /// <summary>Appends a layer; from then on the layer belongs to this builder's model and cannot join another.</summary>
    /// <exception cref="ArgumentException">The layer's input size differs from the previous output size (the message names both layers and shapes),
    /// an embedding is not first, or the layer was already added (here or to another model).</exception>
    /// <exception cref="InvalidOperationException">This builder has already built its model.</exception>
    public ModelBuilder Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_built) throw new InvalidOperationException("this builder has already built its model; start a new ModelBuilder");
        if (_layers.Contains(layer)) throw new ArgumentException($"{layer.Name} was already added to this model: a layer instance can be added only once", nameof(layer));
        if (layer.Owner is not null)
            throw new ArgumentException($"{layer.Name} ({layer.GetType().Name} {layer.InputSize} → {layer.OutputSize}) already belongs to another model: its parameters live in that model's arena; create a new layer", nameof(layer));
        int index = _layers.Count;
        string kind = layer.GetType().Name.ToLowerInvariant();
        layer.Name = $"{kind}{_layers.Count(l => l.GetType() == layer.GetType()) + 1}";
        if (layer is Embedding && index > 0)
            throw new ArgumentException($"{layer.Name}: an embedding reads token indices and must be the first layer", nameof(layer));
        int expected = index == 0 ? _inputSize : _layers[^1].OutputSize;
        string previous = index == 0 ? "the model input" : _layers[^1].Name;
        if (layer.InputSize != expected)
            throw new ArgumentException($"{layer.Name} takes {layer.InputSize} inputs but {previous} gives {expected}", nameof(layer));
        layer.Owner = this;
        _layers.Add(layer);
        return this;
    }

    /// <summary>Allocates the parameter arena and initializes every layer from <paramref name="seed"/>. A builder builds one model.</summary>
    /// <exception cref="InvalidOperationException">No layer was added, or this builder has already built its model (its layers belong to it).</exception>
    public Model Build(ulong seed)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("a model needs at least one layer");
        if (_built) throw new InvalidOperationException("this builder has already built its model, which owns its layers; start a new ModelBuilder with new layers");
        _built = true;
        var arena = new ParameterArena();
        foreach (Layer layer in _layers) layer.DeclareParameters(arena);
        arena.Seal();
        var rng = new Rng(seed);
        foreach (Layer layer in _layers) layer.InitializeParameters(arena, rng);
        return new Model([.. _layers], arena);
    }
}
