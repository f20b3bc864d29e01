using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// Gated recurrent unit with PyTorch's equations and gate order (r, z, n): for each step,
/// r = σ(x·W_ir + b_ir + h·W_hr + b_hr), z = σ(x·W_iz + b_iz + h·W_hz + b_hz),
/// n = tanh(x·W_in + b_in + r ⊙ (h·W_hn + b_hn)), h′ = (1 − z) ⊙ n + z ⊙ h.
/// </summary>
/// <remarks>
/// <para>Parameters: <see cref="InputWeight"/> (inputs × 3·hidden) = PyTorch's weight_ih_lᵀ, its
/// column blocks in the order r, z, n; <see cref="RecurrentWeight"/> (hidden × 3·hidden) = weight_hh_lᵀ;
/// <see cref="InputBias"/> = bias_ih_l and <see cref="RecurrentBias"/> = bias_hh_l (3·hidden each; both are
/// needed because b_hn sits inside r ⊙ (…)). Copying PyTorch's tensors transposed gives the same function.</para>
/// <para>Forward: the input gates of all steps X·W_i + b_i are one GEMM over steps·batch rows (or, when the model
/// folds its embedding into W_i, each step's rows are gathered from that table: <see cref="TokenProjection"/>); per step,
/// h·W_h + b_h for all three gates is one (batch × hidden)·(hidden × 3·hidden) GEMM, then the gate
/// nonlinearities and the update run in one fused pass (<see cref="RecurrentGates.GruForward"/>).</para>
/// <para>Backward: per step the gate gradients from the saved r, z, n and h·W_hn + b_hn in one fused pass
/// (<see cref="RecurrentGates.GruBackward"/>), and one GEMM
/// for ∂J/∂h_{t−1} (on a copy of W_hᵀ made once per backward pass); then ∇W_i, ∇W_h (one accumulating GEMM each over steps·batch rows), ∇b_i, ∇b_h and
/// ∂J/∂x. NaN propagates.</para>
/// </remarks>
public sealed class Gru : RecurrentLayer
{
    private Parameter? _input, _recurrent, _inputBias, _recurrentBias;

    /// <summary>Creates the layer; W_h's three blocks are initialized by <paramref name="initializer"/>, W_i uniform in ±1/√hidden, biases zero.</summary>
    public Gru(int inputs, int hidden, RecurrentInitializer initializer = RecurrentInitializer.Uniform)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (!Enum.IsDefined(initializer)) throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "unknown recurrent initializer");
        Inputs = inputs;
        Hidden = hidden;
        Initializer = initializer;
    }

    /// <summary>Features per step going in.</summary>
    public int Inputs { get; }
    /// <summary>Hidden size H.</summary>
    public int Hidden { get; }
    /// <summary>How W_h was initialized.</summary>
    public RecurrentInitializer Initializer { get; }
    /// <inheritdoc/>
    public override int InputSize => Inputs;
    /// <inheritdoc/>
    public override int HiddenSize => Hidden;
    /// <inheritdoc/>
    public override int StateSize => Hidden;
    /// <summary>W_i (inputs × 3·hidden), blocks r, z, n.</summary>
    public Parameter InputWeight => _input ?? throw NotBuilt();
    /// <summary>W_h (hidden × 3·hidden), blocks r, z, n.</summary>
    public Parameter RecurrentWeight => _recurrent ?? throw NotBuilt();
    /// <summary>b_i (3·hidden).</summary>
    public Parameter InputBias => _inputBias ?? throw NotBuilt();
    /// <summary>b_h (3·hidden).</summary>
    public Parameter RecurrentBias => _recurrentBias ?? throw NotBuilt();

    private InvalidOperationException NotBuilt() => new($"{Name} is not part of a built model");

    /// <inheritdoc/>
    public override void DeclareParameters(ParameterArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        _input = arena.Declare($"{Name}.input", Inputs, 3 * Hidden, isWeight: true);
        _recurrent = arena.Declare($"{Name}.recurrent", Hidden, 3 * Hidden, isWeight: true);
        _inputBias = arena.Declare($"{Name}.input_bias", 1, 3 * Hidden, isWeight: false);
        _recurrentBias = arena.Declare($"{Name}.recurrent_bias", 1, 3 * Hidden, isWeight: false);
    }

    /// <inheritdoc/>
    public override void InitializeParameters(ParameterArena arena, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(arena);
        RecurrentInitializers.Uniform(arena.ValuesOf(InputWeight), 1 / Math.Sqrt(Hidden), rng);
        RecurrentInitializers.Fill(Initializer, arena.ValuesOf(RecurrentWeight), Hidden, 1, rng);
        arena.ValuesOf(InputBias).Clear();
        arena.ValuesOf(RecurrentBias).Clear();
    }

    /// <inheritdoc/>
    public override RecurrentBuffers CreateBuffers(int maxSteps, int maxBatch) => new Buffers(maxSteps, maxBatch, Hidden);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        RecurrentInputs.Forward(arena, InputWeight, InputBias, x, steps * batch, own.Gates(steps, batch));
        Recur(own, steps, batch, arena, default);
    }

    internal override (Parameter Weight, Parameter Bias)? InputProjection => (InputWeight, InputBias);

    internal override void ForwardFolded(TokenProjection tokens, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena) =>
        Recur(Check(steps, batch, buffers, arena), steps, batch, arena, tokens);

    /// <summary>Per step (x_t·W_i + b_i already in the gates, or gathered first when tokens is active) h·W_h + b_h, then the fused gate pass.</summary>
    private void Recur(Buffers own, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int h = Hidden, g = 3 * Hidden, block = batch * h;
        Span<float> states = own.States(steps, batch);       // (steps + 1, batch, hidden)
        Span<float> gates = own.Gates(steps, batch);         // (steps, batch, 3·hidden): x·W_i + b_i, then r, z, n
        Span<float> hidden = own.HiddenGates(steps, batch);  // (steps, batch, 3·hidden): h·W_h + b_h
        own.InitialState(batch).CopyTo(states);
        ReadOnlySpan<float> wh = arena.ValuesOf(RecurrentWeight), bh = arena.ValuesOf(RecurrentBias);
        for (int t = 0; t < steps; t++)
        {
            Span<float> gateStep = gates.Slice(t * batch * g, batch * g), hiddenStep = hidden.Slice(t * batch * g, batch * g);
            if (tokens.IsActive) tokens.Gather(t, batch, gateStep);
            ReadOnlySpan<float> previous = states.Slice(t * block, block);
            Gemm.MultiplyBiasActivation(Transpose.None, Transpose.None, batch, g, h, previous, h, wh, g, bh, ActivationFunction.None, hiddenStep, g);
            RecurrentGates.GruForward(gateStep, hiddenStep, previous, states.Slice((t + 1) * block, block), batch, h);
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, Span<float> outputGradient, Span<float> inputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        int rows = steps * batch;
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, inputGradient, steps, batch);
        ReadOnlySpan<float> inputGates = BackPropagate(own, outputGradient, steps, batch, arena, default);
        RecurrentInputs.Backward(arena, InputWeight, InputBias, x, inputGates, inputGradient, rows); // ∇W_i += Σ_t x_tᵀ·∂(x·W_i), ∇b_i, ∂J/∂x
    }

    internal override void BackwardFolded(TokenProjection tokens, Span<float> outputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(steps, batch, buffers, arena);
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, [], steps, batch);
        BackPropagate(own, outputGradient, steps, batch, arena, tokens);
    }

    /// <summary>
    /// The gate gradients for t = T … 1 (each step's ∂J/∂(x·W_i + b_i) rows also scattered when tokens is active), ∂J/∂h_0,
    /// ∇W_h and ∇b_h; returns ∂J/∂(X·W_i + b_i) over all steps.
    /// </summary>
    private Span<float> BackPropagate(Buffers own, Span<float> outputGradient, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int h = Hidden, g = 3 * Hidden, block = batch * h, rows = steps * batch;
        ReadOnlySpan<float> states = own.States(steps, batch), gates = own.Gates(steps, batch), hidden = own.HiddenGates(steps, batch);
        Span<float> inputGates = own.InputGateGradient(steps, batch);   // (steps, batch, 3·hidden): ∂J/∂(x·W_i + b_i)
        Span<float> hiddenGates = own.HiddenGateGradient(steps, batch); // (steps, batch, 3·hidden): ∂J/∂(h·W_h + b_h)
        Span<float> whT = own.RecurrentTransposed();                     // W_hᵀ (3·hidden × hidden)
        RecurrentWeights.Transpose(arena.ValuesOf(RecurrentWeight), h, g, whT);
        for (int t = steps - 1; t >= 0; t--)
        {
            // ∂J/∂h_{t−1} goes to the previous step's output gradient, or to the initial state's gradient.
            Span<float> previousGradient = t > 0 ? outputGradient.Slice((t - 1) * block, block) : own.InitialStateGradient(batch);
            if (t == 0) previousGradient.Clear();
            int row = t * batch * g;
            RecurrentGates.GruBackward(gates.Slice(row, batch * g), hidden.Slice(row, batch * g), states.Slice(t * block, block), outputGradient.Slice(t * block, block),
                previousGradient, inputGates.Slice(row, batch * g), hiddenGates.Slice(row, batch * g), batch, h);
            if (tokens.IsActive) tokens.Scatter(t, batch, inputGates.Slice(row, batch * g));
            Gemm.Multiply(Transpose.None, Transpose.None, batch, h, g, 1f, hiddenGates.Slice(row, batch * g), g, whT, h, 1f, previousGradient, h);
        }
        arena.AccumulateProduct(RecurrentWeight, Transpose.Transposed, Transpose.None, rows, states[..(rows * h)], h, hiddenGates, g); // ∇W_h += Σ_t h_{t−1}ᵀ·∂(h·W_h)
        arena.AccumulateRowSums(RecurrentBias, hiddenGates, rows);
        return inputGates;
    }

    private Buffers Check(ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(steps, batch, buffers, arena);
        RecurrentChecks.Sizes(Name, Inputs, x, steps, batch, own);
        return own;
    }

    private Buffers Check(int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        if (buffers is not Buffers own || own.StateSize != Hidden)
            throw new ArgumentException($"{Name}: the buffers were not created by this layer's CreateBuffers", nameof(buffers));
        RecurrentChecks.Sizes(Name, steps, batch, own);
        return own;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: GRU {Inputs} → {Hidden}, W_h {Initializer}";

    private sealed class Buffers(int maxSteps, int maxBatch, int hidden) : RecurrentBuffers(maxSteps, maxBatch, hidden)
    {
        private readonly float[] _states = new float[(maxSteps + 1) * maxBatch * hidden];
        private readonly float[] _gates = new float[maxSteps * maxBatch * 3 * hidden];
        private readonly float[] _hidden = new float[maxSteps * maxBatch * 3 * hidden];
        private readonly float[] _inputGradient = new float[maxSteps * maxBatch * 3 * hidden];
        private readonly float[] _hiddenGradient = new float[maxSteps * maxBatch * 3 * hidden];
        private readonly float[] _recurrentTransposed = new float[3 * hidden * hidden];

        public Span<float> States(int steps, int batch) => _states.AsSpan(0, (steps + 1) * batch * StateSize);
        public Span<float> Gates(int steps, int batch) => _gates.AsSpan(0, steps * batch * 3 * StateSize);
        public Span<float> HiddenGates(int steps, int batch) => _hidden.AsSpan(0, steps * batch * 3 * StateSize);
        public Span<float> InputGateGradient(int steps, int batch) => _inputGradient.AsSpan(0, steps * batch * 3 * StateSize);
        public Span<float> HiddenGateGradient(int steps, int batch) => _hiddenGradient.AsSpan(0, steps * batch * 3 * StateSize);
        public Span<float> RecurrentTransposed() => _recurrentTransposed;
        public override ReadOnlySpan<float> Outputs(int steps, int batch) => _states.AsSpan(batch * StateSize, steps * batch * StateSize);
        public override ReadOnlySpan<float> FinalState(int steps, int batch) => _states.AsSpan(steps * batch * StateSize, batch * StateSize);
    }
}
