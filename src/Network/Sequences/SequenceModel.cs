using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// A token-sequence model: an embedding table E (vocabulary × embedding) gathered per token, a stack of
/// recurrent layers (each layer's output sequence feeds the next), and an output layer
/// logits_t = h_t·V + c (hidden × vocabulary) applied to every step at once. All parameters live in one
/// <see cref="ParameterArena"/>.
/// </summary>
/// <remarks>
/// Inputs are token ids as (batch, steps) ints, example-major as a user holds them; inside, activations
/// are time-major (steps, batch, features) (see <see cref="RecurrentLayer"/>), so the gather writes
/// x[t, b] = E[tokens[b·steps + t]], and the logits are (steps, batch, vocabulary).
/// </remarks>
public sealed class SequenceModel
{
    /// <summary>Builds the model and initializes every parameter from <paramref name="seed"/>.</summary>
    /// <param name="vocabulary">Token ids are in [0, vocabulary); also the output size.</param>
    /// <param name="embedding">Features of a token's embedding, the first layer's input size.</param>
    /// <param name="layers">Recurrent layers, first to last; each one's input size is the previous one's hidden size.</param>
    /// <param name="seed">Initialization seed.</param>
    /// <exception cref="ArgumentException">A layer's input size does not match (the message names both layers and sizes), or a layer is repeated.</exception>
    public SequenceModel(int vocabulary, int embedding, IReadOnlyList<RecurrentLayer> layers, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedding);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("a sequence model needs at least one recurrent layer", nameof(layers));
        int expected = embedding;
        string previous = "the embedding";
        for (int l = 0; l < layers.Count; l++)
        {
            RecurrentLayer layer = layers[l] ?? throw new ArgumentNullException(nameof(layers));
            for (int k = 0; k < l; k++)
                if (ReferenceEquals(layers[k], layer)) throw new ArgumentException("a layer instance can be added only once", nameof(layers));
            layer.Name = $"{layer.GetType().Name.ToLowerInvariant()}{l + 1}";
            if (layer.InputSize != expected)
                throw new ArgumentException($"{layer.Name} takes {layer.InputSize} inputs but {previous} gives {expected}", nameof(layers));
            expected = layer.HiddenSize;
            previous = layer.Name;
        }
        Vocabulary = vocabulary;
        EmbeddingSize = embedding;
        Layers = [.. layers];
        Output = new Dense(expected, vocabulary) { Name = "output" };
        Parameters = new ParameterArena();
        EmbeddingTable = Parameters.Declare("embedding.table", vocabulary, embedding, isWeight: true, rowSparse: true);
        foreach (RecurrentLayer layer in Layers) layer.DeclareParameters(Parameters);
        Output.DeclareParameters(Parameters);
        Parameters.Seal();
        var rng = new Rng(seed);
        Initializers.Fill(Initializer.SmallNormal, Parameters.ValuesOf(EmbeddingTable), vocabulary, embedding, rng);
        foreach (RecurrentLayer layer in Layers) layer.InitializeParameters(Parameters, rng);
        Output.InitializeParameters(Parameters, rng);
    }

    /// <summary>Token ids are in [0, Vocabulary); the logits have Vocabulary classes.</summary>
    public int Vocabulary { get; }
    /// <summary>Embedding features per token.</summary>
    public int EmbeddingSize { get; }
    /// <summary>The recurrent layers, first to last.</summary>
    public IReadOnlyList<RecurrentLayer> Layers { get; }
    /// <summary>The per-step output layer (last hidden size → Vocabulary, no activation).</summary>
    public Dense Output { get; }
    /// <summary>E (vocabulary × embedding), a row-sparse parameter.</summary>
    public Parameter EmbeddingTable { get; }
    /// <summary>All parameters and their gradients.</summary>
    public ParameterArena Parameters { get; }
    /// <summary>Number of trainable floats (without padding).</summary>
    public long ParameterCount => Parameters.Parameters.Sum(p => (long)p.Length);

    /// <summary>Activations and state for up to <paramref name="maxSteps"/> steps of <paramref name="maxBatch"/> sequences.</summary>
    public SequenceWorkspace CreateWorkspace(int maxSteps, int maxBatch) => new(this, maxSteps, maxBatch);

    /// <summary>
    /// Forward over <paramref name="tokens"/> (batch, steps) from the workspace's initial states; the
    /// logits (steps, batch, vocabulary) are then in <see cref="SequenceWorkspace.Logits"/> and each
    /// layer's final state in <see cref="SequenceWorkspace.FinalState"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps or batch is outside the workspace's capacity, or a token id is outside [0, Vocabulary) (the message names its example and step).</exception>
    /// <exception cref="ArgumentException">tokens does not hold batch·steps ids, or a given initial state was set for another batch.</exception>
    public void Forward(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace)
    {
        workspace.Check(this, tokens, steps, batch, nameof(tokens));
        int embedding = EmbeddingSize;
        ReadOnlySpan<float> table = Parameters.ValuesOf(EmbeddingTable);
        Span<float> x = workspace.Embedded(steps, batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                table.Slice(tokens[b * steps + t] * embedding, embedding).CopyTo(x.Slice((t * batch + b) * embedding, embedding));
        ReadOnlySpan<float> input = x;
        for (int l = 0; l < Layers.Count; l++)
        {
            Layers[l].Forward(input, steps, batch, workspace.Buffers[l], Parameters);
            input = workspace.Buffers[l].Outputs(steps, batch);
        }
        Output.Forward(input, workspace.Logits(steps, batch), steps * batch, Parameters);
    }

    /// <summary>
    /// Backpropagation through time after <see cref="Forward"/> on the same tokens: reads ∂J/∂logits from
    /// <see cref="SequenceWorkspace.LogitGradient"/> (overwritten) and accumulates every parameter's gradient;
    /// each layer's ∂J/∂(initial state) is then in <see cref="SequenceWorkspace.InitialStateGradient"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<int> tokens, int steps, int batch, SequenceWorkspace workspace)
    {
        workspace.Check(this, tokens, steps, batch, nameof(tokens));
        int rows = steps * batch, last = Layers.Count - 1;
        Output.Backward(workspace.Buffers[last].Outputs(steps, batch), workspace.Logits(steps, batch), workspace.LogitGradient(steps, batch),
            workspace.OutputGradient(last, steps, batch), rows, Parameters);
        for (int l = last; l >= 0; l--)
        {
            ReadOnlySpan<float> input = l == 0 ? workspace.Embedded(steps, batch) : workspace.Buffers[l - 1].Outputs(steps, batch);
            Span<float> inputGradient = l == 0 ? workspace.EmbeddedGradient(steps, batch) : workspace.OutputGradient(l - 1, steps, batch);
            Layers[l].Backward(input, workspace.OutputGradient(l, steps, batch), inputGradient, steps, batch, workspace.Buffers[l], Parameters);
        }
        int embedding = EmbeddingSize;
        Span<float> tableGradient = Parameters.GradientOf(EmbeddingTable);
        TouchedRows touched = Parameters.TouchedRowsOf(EmbeddingTable);
        ReadOnlySpan<float> dx = workspace.EmbeddedGradient(steps, batch);
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
            {
                int token = tokens[b * steps + t];
                touched.Touch(token);
                Blas1.Axpy(1f, dx.Slice((t * batch + b) * embedding, embedding), tableGradient.Slice(token * embedding, embedding));
            }
    }

    /// <summary>The layers, one per line, and the parameter count.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, [$"embedding: {Vocabulary} × {EmbeddingSize}", .. Layers.Select(l => l.ToString()), Output.ToString(), $"{ParameterCount:N0} parameters"]);
}
