namespace Simd.Network;

/// <summary>
/// A recurrent layer: a cell applied at every step of a sequence with parameters shared across steps,
/// carrying a state from step to step, trained by backpropagation through time.
/// </summary>
/// <remarks>
/// <para>Layout: sequences are time-major inside the network: x is (steps, batch, <see cref="InputSize"/>)
/// with element (t, b, i) at (t·batch + b)·InputSize + i, so the rows of all steps form one
/// (steps·batch) × InputSize matrix (the input projection of every step is one GEMM) and the rows of one
/// step are contiguous (the per-step recurrent product reads and writes one block).</para>
/// <para>State: the forward pass starts from <see cref="RecurrentBuffers.InitialState"/> (zero unless the
/// caller wrote it), leaves the last step's state in <see cref="RecurrentBuffers.FinalState"/>, and the
/// backward pass writes ∂J/∂(initial state) to <see cref="RecurrentBuffers.InitialStateGradient"/>. No
/// gradient flows in through the final state: a window of truncated BPTT ends there.</para>
/// <para>Backward adds ∂J/∂θ summed over all steps to the arena's gradients (a shared weight's gradient is
/// the sum of its per-step gradients).</para>
/// </remarks>
public abstract class RecurrentLayer
{
    /// <summary>Unique name within the model; parameter names start with it.</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The <see cref="SequenceModel"/> this layer is part of (null before): a layer belongs to one model.</summary>
    internal SequenceModel? Owner { get; set; }

    /// <summary>Features per example and step going in.</summary>
    public abstract int InputSize { get; }

    /// <summary>Features per example and step coming out (the hidden size).</summary>
    public abstract int HiddenSize { get; }

    /// <summary>Floats of state per example (the hidden size; twice it for an LSTM's (h, c)).</summary>
    public abstract int StateSize { get; }

    /// <summary>Declares this layer's parameters in the model's arena.</summary>
    public abstract void DeclareParameters(ParameterArena arena);

    /// <summary>Seeded initialization of this layer's parameters (called once after the arena is allocated).</summary>
    public abstract void InitializeParameters(ParameterArena arena, Rng rng);

    /// <summary>Activations and state for sequences of up to <paramref name="maxSteps"/> steps and <paramref name="maxBatch"/> examples, allocated once.</summary>
    public abstract RecurrentBuffers CreateBuffers(int maxSteps, int maxBatch);

    /// <summary>
    /// Runs the cell over x (steps, batch, InputSize) from <paramref name="buffers"/>' initial state;
    /// the outputs (steps, batch, HiddenSize) and the final state are left in the buffers.
    /// </summary>
    public abstract void Forward(ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena);

    /// <summary>
    /// Backpropagation through time after <see cref="Forward"/> on the same x. <paramref name="outputGradient"/>
    /// holds ∂J/∂outputs (steps, batch, HiddenSize) on entry and is overwritten. Parameter gradients are
    /// accumulated; <paramref name="inputGradient"/> (steps, batch, InputSize) receives ∂J/∂x unless it is
    /// empty; ∂J/∂(initial state) goes to <see cref="RecurrentBuffers.InitialStateGradient"/>.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> x, Span<float> outputGradient, Span<float> inputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena);

    /// <summary>
    /// W_i and b_i when every step's pre-activations begin with x_t·W_i + b_i (the built-in cells), so that a
    /// model whose inputs are embedding rows may fold the embedding into that projection
    /// (<see cref="TokenProjection"/>); null otherwise.
    /// </summary>
    internal virtual (Parameter Weight, Parameter Bias)? InputProjection => null;

    /// <summary><see cref="Forward"/> with each step's x_t·W_i + b_i gathered from a folded table instead of computed from x.</summary>
    internal virtual void ForwardFolded(TokenProjection tokens, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena) =>
        throw new NotSupportedException($"{Name} has no input projection to fold");

    /// <summary>
    /// <see cref="Backward"/> after the folded forward: each step's rows of ∂J/∂(x_t·W_i + b_i) are added to the
    /// table gradient of <paramref name="tokens"/>; ∇W_i, ∇b_i and ∂J/∂x are left to the caller.
    /// </summary>
    internal virtual void BackwardFolded(TokenProjection tokens, Span<float> outputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena) =>
        throw new NotSupportedException($"{Name} has no input projection to fold");

    /// <summary>A one-line description.</summary>
    public abstract override string ToString();
}

/// <summary>
/// A recurrent layer's activations for one (steps, batch) capacity: the initial state, its gradient,
/// and whatever the cell saves for backward. Allocated once; a step allocates nothing.
/// </summary>
public abstract class RecurrentBuffers
{
    private readonly float[] _initialState, _initialStateGradient;

    /// <summary>Allocates the state arrays (batch × stateSize each, zeroed).</summary>
    protected RecurrentBuffers(int maxSteps, int maxBatch, int stateSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        MaxSteps = maxSteps;
        MaxBatch = maxBatch;
        StateSize = stateSize;
        _initialState = new float[maxBatch * stateSize];
        _initialStateGradient = new float[maxBatch * stateSize];
    }

    /// <summary>The longest sequence these buffers hold.</summary>
    public int MaxSteps { get; }
    /// <summary>The largest batch these buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Floats of state per example.</summary>
    public int StateSize { get; }

    /// <summary>The state the next forward pass starts from, (batch, StateSize); the caller may write it.</summary>
    public Span<float> InitialState(int batch) => _initialState.AsSpan(0, batch * StateSize);

    /// <summary>∂J/∂(initial state), (batch, StateSize), written by the last backward pass.</summary>
    public Span<float> InitialStateGradient(int batch) => _initialStateGradient.AsSpan(0, batch * StateSize);

    /// <summary>The outputs of the last forward pass, (steps, batch, hidden), time-major.</summary>
    public abstract ReadOnlySpan<float> Outputs(int steps, int batch);

    /// <summary>The state after the last step of the last forward pass, (batch, StateSize).</summary>
    public abstract ReadOnlySpan<float> FinalState(int steps, int batch);
}
