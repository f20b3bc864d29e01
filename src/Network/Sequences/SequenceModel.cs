using System.Diagnostics.CodeAnalysis;
using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// A sequence model: the inputs of every step (token ids gathered from an embedding table E
/// (vocabulary × embedding), or float features), a stack of recurrent layers (each layer's output
/// sequence feeds the next), and an output layer logits_t = h_t·V + c (hidden × classes) applied to every
/// step at once, for a per-step classification. All parameters live in one <see cref="ParameterArena"/>.
/// </summary>
/// <remarks>
/// Inputs are example-major as a user holds them: token ids (batch, steps) or features
/// (batch, steps, features). Inside, activations are time-major (steps, batch, features) (see
/// <see cref="RecurrentLayer"/>): the gather writes x[t, b] = E[tokens[b·steps + t]] (features are
/// transposed the same way), and the logits are (steps, batch, classes).
/// When the vocabulary has at most half as many rows as a pass has tokens (steps·batch) and the first layer is a
/// built-in cell, the embedding is folded into that layer's input projection: each step gathers rows of
/// (E·W_i + b_i) instead of multiplying the gathered x by W_i, and backward forms ∇W_i, ∇b_i and ∂J/∂E from the
/// gate gradients summed by token. The function is the same; the rounding differs from the unfolded pass.
/// </remarks>
public sealed class SequenceModel
{
    /// <summary>Builds the model and initializes every parameter from <paramref name="seed"/>.</summary>
    /// <param name="vocabulary">Token ids are in [0, vocabulary); also the output size.</param>
    /// <param name="embedding">Features of a token's embedding, the first layer's input size.</param>
    /// <param name="layers">Recurrent layers, first to last; each one's input size is the previous one's hidden size.</param>
    /// <param name="seed">Initialization seed.</param>
    /// <exception cref="ArgumentException">A layer's input size does not match (the message names both layers and sizes), or a layer is repeated or already belongs to another model.</exception>
    public SequenceModel(int vocabulary, int embedding, IReadOnlyList<RecurrentLayer> layers, ulong seed)
        : this(Positive(vocabulary, nameof(vocabulary)), embedding, layers, vocabulary, seed)
    {
    }

    /// <summary>Builds a model that reads (batch, steps, <paramref name="features"/>) floats and classifies every step into <paramref name="classes"/>.</summary>
    /// <exception cref="ArgumentException">A layer's input size does not match (the message names both layers and sizes), or a layer is repeated or already belongs to another model.</exception>
    public static SequenceModel ForFeatures(int features, IReadOnlyList<RecurrentLayer> layers, int classes, ulong seed) =>
        new(0, features, layers, Positive(classes, nameof(classes)), seed);

    private static int Positive(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
        return value;
    }

    private SequenceModel(int vocabulary, int embedding, IReadOnlyList<RecurrentLayer> layers, int classes, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedding);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("a sequence model needs at least one recurrent layer", nameof(layers));
        int expected = embedding;
        string previous = vocabulary > 0 ? "the embedding" : "the input";
        for (int l = 0; l < layers.Count; l++)
        {
            RecurrentLayer layer = layers[l] ?? throw new ArgumentNullException(nameof(layers));
            for (int k = 0; k < l; k++)
                if (ReferenceEquals(layers[k], layer)) throw new ArgumentException("a layer instance can be added only once", nameof(layers));
            if (layer.Owner is not null) throw new ArgumentException($"{layer.Name} ({layer.GetType().Name} {layer.InputSize} → {layer.HiddenSize}) already belongs to another model: its parameters live in that model's arena; create a new layer", nameof(layers));
            layer.Name = $"{layer.GetType().Name.ToLowerInvariant()}{l + 1}";
            if (layer.InputSize != expected)
                throw new ArgumentException($"{layer.Name} takes {layer.InputSize} inputs but {previous} gives {expected}", nameof(layers));
            expected = layer.HiddenSize;
            previous = layer.Name;
        }
        Vocabulary = vocabulary;
        EmbeddingSize = embedding;
        Classes = classes;
        Layers = [.. layers];
        foreach (RecurrentLayer layer in Layers) layer.Owner = this;
        Output = new Dense(expected, classes) { Name = "output" };
        Parameters = new ParameterArena();
        _embeddingTable = vocabulary > 0 ? Parameters.Declare("embedding.table", vocabulary, embedding, isWeight: true, rowSparse: true) : null;
        foreach (RecurrentLayer layer in Layers) layer.DeclareParameters(Parameters);
        Output.DeclareParameters(Parameters);
        Parameters.Seal();
        var rng = new Rng(seed);
        if (_embeddingTable is not null) Initializers.Fill(Initializer.SmallNormal, Parameters.ValuesOf(_embeddingTable), vocabulary, embedding, rng);
        foreach (RecurrentLayer layer in Layers) layer.InitializeParameters(Parameters, rng);
        Output.InitializeParameters(Parameters, rng);
    }

    private readonly Parameter? _embeddingTable;

    /// <summary>Token ids are in [0, Vocabulary); 0 for a model that reads float features.</summary>
    public int Vocabulary { get; }
    /// <summary>Features per step going into the first recurrent layer: the embedding size, or the input features.</summary>
    public int EmbeddingSize { get; }
    /// <summary>Classes per step (the vocabulary for a language model).</summary>
    public int Classes { get; }
    /// <summary>True when the model reads token ids through an embedding, false when it reads float features.</summary>
    public bool ReadsTokens => _embeddingTable is not null;
    /// <summary>The recurrent layers, first to last.</summary>
    public IReadOnlyList<RecurrentLayer> Layers { get; }
    /// <summary>The per-step output layer (last hidden size → Classes, no activation).</summary>
    public Dense Output { get; }
    /// <summary>E (vocabulary × embedding), a row-sparse parameter.</summary>
    /// <exception cref="InvalidOperationException">The model reads float features.</exception>
    public Parameter EmbeddingTable => _embeddingTable ?? throw new InvalidOperationException("this model reads float features: it has no embedding table");
    /// <summary>All parameters and their gradients.</summary>
    public ParameterArena Parameters { get; }
    /// <summary>Number of trainable floats (without padding).</summary>
    public long ParameterCount => Parameters.Parameters.Sum(p => (long)p.Length);

    /// <summary>Activations and state for up to <paramref name="maxSteps"/> steps of <paramref name="maxBatch"/> sequences.</summary>
    public SequenceWorkspace CreateWorkspace(int maxSteps, int maxBatch) => new(this, maxSteps, maxBatch);

    /// <summary>
    /// Forward over <paramref name="tokens"/> (batch, steps) from the workspace's initial states; the
    /// logits (steps, batch, classes) are then in <see cref="SequenceWorkspace.Logits"/> and each
    /// layer's final state in <see cref="SequenceWorkspace.FinalState"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps or batch is outside the workspace's capacity, or a token id is outside [0, Vocabulary) (the message names its example and step).</exception>
    /// <exception cref="ArgumentException">tokens does not hold batch·steps ids, or a given initial state was set for another batch.</exception>
    /// <exception cref="InvalidOperationException">The model reads float features.</exception>
    public void Forward(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace)
    {
        if (!ReadsTokens) throw new InvalidOperationException("this model reads float features, not token ids");
        workspace.Check(this, tokens, steps, batch, nameof(tokens));
        if (FoldsEmbedding(steps, batch, workspace, out RecurrentLayer? first, out Parameter? weight, out Parameter? bias))
        {
            int width = weight.Cols;
            Span<float> projected = workspace.ProjectedTable(width);
            Gemm.MultiplyBiasActivation(Vocabulary, width, EmbeddingSize, Parameters.ValuesOf(EmbeddingTable), Parameters.ValuesOf(weight), Parameters.ValuesOf(bias), ActivationFunction.None, projected);
            first.ForwardFolded(new TokenProjection(projected, [], tokens, steps, width), steps, batch, workspace.Buffers[0], Parameters);
            ForwardLayers(1, steps, batch, workspace);
            return;
        }
        int embedding = EmbeddingSize;
        ReadOnlySpan<float> table = Parameters.ValuesOf(EmbeddingTable);
        Span<float> x = workspace.Inputs(steps, batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                table.Slice(tokens[b * steps + t] * embedding, embedding).CopyTo(x.Slice((t * batch + b) * embedding, embedding));
        ForwardLayers(0, steps, batch, workspace);
    }

    /// <summary>
    /// Whether a token pass of (steps, batch) folds the embedding into the first layer's input projection
    /// (<see cref="TokenProjection"/>): when that layer's steps begin with x·W_i + b_i and the vocabulary has at most
    /// half as many rows as the pass (then (E·W_i + b_i) costs less than X·W_i, and the three input-side
    /// products of backward shrink from steps·batch to vocabulary rows). Both paths compute the same
    /// function; their roundings differ. <see cref="FoldEmbedding"/> overrides the size rule.
    /// </summary>
    private bool FoldsEmbedding(int steps, int batch, SequenceWorkspace workspace, [NotNullWhen(true)] out RecurrentLayer? first, [NotNullWhen(true)] out Parameter? weight, [NotNullWhen(true)] out Parameter? bias)
    {
        first = Layers[0];
        (weight, bias) = first.InputProjection ?? default;
        return weight is not null && bias is not null && workspace.HasProjectedTable
            && (FoldEmbedding ?? 2L * Vocabulary <= (long)steps * batch);
    }

    /// <summary>Forces (true) or forbids (false) folding the embedding into the first layer's input projection; null: by size (tests use it to cover both paths).</summary>
    internal bool? FoldEmbedding { get; set; }

    /// <summary>True when the first layer's input projection can absorb the embedding (token models whose first layer is a built-in cell).</summary>
    internal bool CanFoldEmbedding => ReadsTokens && Layers[0].InputProjection is not null;

    /// <summary>
    /// Forward over float <paramref name="features"/> (batch, steps, features) for a model built by
    /// <see cref="ForFeatures"/>; otherwise as the token overload.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps or batch is outside the workspace's capacity.</exception>
    /// <exception cref="ArgumentException">features does not hold batch·steps·features floats, or a given initial state was set for another batch.</exception>
    public void Forward(ReadOnlySpan<float> features, int steps, int batch, SequenceWorkspace workspace)
    {
        if (ReadsTokens) throw new InvalidOperationException("this model reads token ids, not float features");
        workspace.CheckFeatures(this, features, steps, batch);
        int width = EmbeddingSize;
        Span<float> x = workspace.Inputs(steps, batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                features.Slice((b * steps + t) * width, width).CopyTo(x.Slice((t * batch + b) * width, width));
        ForwardLayers(0, steps, batch, workspace);
    }

    /// <summary>Runs layers <paramref name="from"/>… and the output layer (layer 0 reads the gathered inputs).</summary>
    private void ForwardLayers(int from, int steps, int batch, SequenceWorkspace workspace)
    {
        ReadOnlySpan<float> input = from == 0 ? workspace.Inputs(steps, batch) : workspace.Buffers[from - 1].Outputs(steps, batch);
        for (int l = from; l < Layers.Count; l++)
        {
            Layers[l].Forward(input, steps, batch, workspace.Buffers[l], Parameters);
            input = workspace.Buffers[l].Outputs(steps, batch);
        }
        Output.Forward(input, workspace.Logits(steps, batch), steps * batch, Parameters);
    }

    /// <summary>
    /// Backpropagation through time after <see cref="Forward(ReadOnlySpan{int}, int, int, SequenceWorkspace)"/> on the same tokens: reads ∂J/∂logits from
    /// <see cref="SequenceWorkspace.LogitGradient"/> (overwritten) and accumulates every parameter's gradient;
    /// each layer's ∂J/∂(initial state) is then in <see cref="SequenceWorkspace.InitialStateGradient"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace)
    {
        if (!ReadsTokens) throw new InvalidOperationException("this model reads float features, not token ids");
        workspace.Check(this, tokens, steps, batch, nameof(tokens));
        if (FoldsEmbedding(steps, batch, workspace, out RecurrentLayer? first, out Parameter? weight, out Parameter? bias))
            BackwardWithFoldedEmbedding(tokens, steps, batch, workspace, first, weight, bias);
        else
            BackwardGathered(tokens, steps, batch, workspace);
    }

    private void BackwardGathered(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace)
    {
        BackwardLayers(0, steps, batch, workspace, inputGradient: true);
        int embedding = EmbeddingSize;
        Span<float> tableGradient = Parameters.GradientOf(EmbeddingTable);
        TouchedRows touched = Parameters.TouchedRowsOf(EmbeddingTable);
        ReadOnlySpan<float> dx = workspace.InputGradient(steps, batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                int token = tokens[b * steps + t];
                touched.Touch(token);
                Blas1.Axpy(1f, dx.Slice((t * batch + b) * embedding, embedding), tableGradient.Slice(token * embedding, embedding));
            }
    }

    /// <summary>
    /// Backward of the folded forward: the first layer adds its ∂J/∂(x·W_i + b_i) rows into G (vocabulary × width) by
    /// token; then ∇W_i += Eᵀ·G, ∇b_i += Σ_rows G, and each used token's row of G·W_iᵀ goes to ∂J/∂E.
    /// </summary>
    private void BackwardWithFoldedEmbedding(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace, RecurrentLayer first, Parameter weight, Parameter bias)
    {
        BackwardLayers(1, steps, batch, workspace, inputGradient: true);
        int width = weight.Cols, embedding = EmbeddingSize;
        Span<float> projectedGradient = workspace.ProjectedTableGradient(width);
        projectedGradient.Clear();
        first.BackwardFolded(new TokenProjection([], projectedGradient, tokens, steps, width), workspace.OutputGradient(0, steps, batch), steps, batch, workspace.Buffers[0], Parameters);
        ReadOnlySpan<float> table = Parameters.ValuesOf(EmbeddingTable);
        Parameters.AccumulateProduct(weight, Transpose.Transposed, Transpose.None, Vocabulary, table, embedding, projectedGradient, width);
        Parameters.AccumulateRowSums(bias, projectedGradient, Vocabulary);
        Span<float> rowGradient = workspace.EmbeddingRowGradient();
        Gemm.Multiply(Transpose.None, Transpose.Transposed, Vocabulary, embedding, width, 1f, projectedGradient, width, Parameters.ValuesOf(weight), width, 0f, rowGradient, embedding);
        Span<bool> used = workspace.UsedTokens();
        used.Clear();
        foreach (int token in tokens[..(steps * batch)]) used[token] = true;
        Span<float> tableGradient = Parameters.GradientOf(EmbeddingTable);
        TouchedRows touched = Parameters.TouchedRowsOf(EmbeddingTable);
        for (int v = 0; v < Vocabulary; v++)
        {
            if (!used[v]) continue;
            touched.Touch(v);
            Blas1.Axpy(1f, rowGradient.Slice(v * embedding, embedding), tableGradient.Slice(v * embedding, embedding));
        }
    }

    /// <summary>
    /// Backpropagation through time after the features overload of <see cref="Forward(ReadOnlySpan{float}, int, int, SequenceWorkspace)"/>;
    /// no gradient is computed for the features themselves.
    /// </summary>
    public void Backward(ReadOnlySpan<float> features, int steps, int batch, SequenceWorkspace workspace)
    {
        if (ReadsTokens) throw new InvalidOperationException("this model reads token ids, not float features");
        workspace.CheckFeatures(this, features, steps, batch);
        BackwardLayers(0, steps, batch, workspace, inputGradient: false);
    }

    /// <summary>Backward through the output layer and layers …, <paramref name="to"/> (∂J/∂x of layer 0 only when <paramref name="inputGradient"/>).</summary>
    private void BackwardLayers(int to, int steps, int batch, SequenceWorkspace workspace, bool inputGradient)
    {
        int rows = steps * batch, last = Layers.Count - 1;
        Output.Backward(workspace.Buffers[last].Outputs(steps, batch), workspace.Logits(steps, batch), workspace.LogitGradient(steps, batch),
            workspace.OutputGradient(last, steps, batch), rows, Parameters);
        for (int l = last; l >= to; l--)
        {
            ReadOnlySpan<float> input = l == 0 ? workspace.Inputs(steps, batch) : workspace.Buffers[l - 1].Outputs(steps, batch);
            Span<float> dx = l > 0 ? workspace.OutputGradient(l - 1, steps, batch) : inputGradient ? workspace.InputGradient(steps, batch) : [];
            Layers[l].Backward(input, workspace.OutputGradient(l, steps, batch), dx, steps, batch, workspace.Buffers[l], Parameters);
        }
    }

    /// <summary>The layers, one per line, and the parameter count.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, [ReadsTokens ? $"embedding: {Vocabulary} × {EmbeddingSize}" : $"input: {EmbeddingSize} features per step", .. Layers.Select(l => l.ToString()), Output.ToString(), $"{ParameterCount:N0} parameters"]);
}
