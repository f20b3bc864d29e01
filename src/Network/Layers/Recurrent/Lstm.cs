using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// Long short-term memory with PyTorch's equations and gate order (i, f, g, o): for each step,
/// i = σ(x·W_ii + h·W_hi + b_i), f = σ(x·W_if + h·W_hf + b_f), g = tanh(x·W_ig + h·W_hg + b_g),
/// o = σ(x·W_io + h·W_ho + b_o), c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′). The state is (h, c).
/// </summary>
/// <remarks>
/// <para>Parameters: <see cref="InputWeight"/> (inputs × 4·hidden) = PyTorch's weight_ih_lᵀ, column blocks
/// i, f, g, o; <see cref="RecurrentWeight"/> (hidden × 4·hidden) = weight_hh_lᵀ; <see cref="Bias"/>
/// (4·hidden) = bias_ih_l + bias_hh_l (one bias is the same function, as every gate adds both).</para>
/// <para>State layout: (2, batch, hidden), h then c, in <see cref="RecurrentBuffers.InitialState"/>,
/// <see cref="RecurrentBuffers.FinalState"/> and <see cref="RecurrentBuffers.InitialStateGradient"/>.</para>
/// <para>Forward: X·W_i + b for all steps is one GEMM over steps·batch rows (or, when the model folds its embedding
/// into W_i, each step's rows are gathered from that table: <see cref="TokenProjection"/>); per step only
/// h·W_h for all four gates, one (batch × hidden)·(hidden × 4·hidden) GEMM accumulated onto it, then the
/// gate nonlinearities and the cell update in one fused pass (<see cref="RecurrentGates.LstmForward"/>); when 4·hidden floats are a multiple of 4 KiB (hidden 256), the per-step GEMM reads a copy of W_h made once per forward pass with rows <see cref="Gemm.InPlaceLeadingDimension"/> apart, which it can read in place. Backward: per step the gate gradients
/// in one fused pass (<see cref="RecurrentGates.LstmBackward"/>) and one GEMM for ∂J/∂h_{t−1} (on a copy of W_hᵀ made once per backward pass); ∇W_i and ∇W_h as one accumulating GEMM each over steps·batch rows.
/// NaN propagates.</para>
/// </remarks>
public sealed class Lstm : RecurrentLayer
{
    private Parameter? _input, _recurrent, _bias;

    /// <summary>Creates the layer; W_h's four blocks follow <paramref name="initializer"/>, W_i is uniform in ±1/√hidden, b is zero except the forget gate's, which is <paramref name="forgetBias"/>.</summary>
    public Lstm(int inputs, int hidden, RecurrentInitializer initializer = RecurrentInitializer.Uniform, float forgetBias = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (!Enum.IsDefined(initializer)) throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "unknown recurrent initializer");
        if (!float.IsFinite(forgetBias)) throw new ArgumentOutOfRangeException(nameof(forgetBias), forgetBias, "the forget-gate bias must be finite");
        Inputs = inputs;
        Hidden = hidden;
        Initializer = initializer;
        ForgetBias = forgetBias;
    }

    /// <summary>Features per step going in.</summary>
    public int Inputs { get; }
    /// <summary>Hidden size H.</summary>
    public int Hidden { get; }
    /// <summary>How W_h was initialized.</summary>
    public RecurrentInitializer Initializer { get; }
    /// <summary>The forget gate's initial bias.</summary>
    public float ForgetBias { get; }
    /// <inheritdoc/>
    public override int InputSize => Inputs;
    /// <inheritdoc/>
    public override int HiddenSize => Hidden;
    /// <inheritdoc/>
    public override int StateSize => 2 * Hidden;
    /// <summary>W_i (inputs × 4·hidden), blocks i, f, g, o.</summary>
    public Parameter InputWeight => _input ?? throw NotBuilt();
    /// <summary>W_h (hidden × 4·hidden), blocks i, f, g, o.</summary>
    public Parameter RecurrentWeight => _recurrent ?? throw NotBuilt();
    /// <summary>b (4·hidden).</summary>
    public Parameter Bias => _bias ?? throw NotBuilt();

    private InvalidOperationException NotBuilt() => new($"{Name} is not part of a built model");

    /// <inheritdoc/>
    public override void DeclareParameters(ParameterArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        _input = arena.Declare($"{Name}.input", Inputs, 4 * Hidden, isWeight: true);
        _recurrent = arena.Declare($"{Name}.recurrent", Hidden, 4 * Hidden, isWeight: true);
        _bias = arena.Declare($"{Name}.bias", 1, 4 * Hidden, isWeight: false);
    }

    /// <inheritdoc/>
    public override void InitializeParameters(ParameterArena arena, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(arena);
        RecurrentInitializers.Uniform(arena.ValuesOf(InputWeight), 1 / Math.Sqrt(Hidden), rng);
        RecurrentInitializers.Fill(Initializer, arena.ValuesOf(RecurrentWeight), Hidden, 1, rng);
        Span<float> bias = arena.ValuesOf(Bias);
        bias.Clear();
        bias.Slice(Hidden, Hidden).Fill(ForgetBias);
    }

    /// <inheritdoc/>
    public override RecurrentBuffers CreateBuffers(int maxSteps, int maxBatch) => new Buffers(maxSteps, maxBatch, Hidden);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        RecurrentInputs.Forward(arena, InputWeight, Bias, x, steps * batch, own.Gates(steps, batch));
        Recur(own, steps, batch, arena, default);
    }

    internal override (Parameter Weight, Parameter Bias)? InputProjection => (InputWeight, Bias);

    internal override void ForwardFolded(TokenProjection tokens, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena) =>
        Recur(Check(steps, batch, buffers, arena), steps, batch, arena, tokens);

    /// <summary>Per step (x_t·W_i + b already in the gates, or gathered first when tokens is active) += h·W_h, then the fused gate and cell pass.</summary>
    private void Recur(Buffers own, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int h = Hidden, g4 = 4 * Hidden, block = batch * h;
        Span<float> states = own.States(steps, batch);   // (steps + 1, batch, hidden): h_0 … h_T
        Span<float> cells = own.Cells(steps, batch);     // (steps + 1, batch, hidden): c_0 … c_T
        Span<float> gates = own.Gates(steps, batch);     // (steps, batch, 4·hidden): pre-activations, then i, f, g, o
        Span<float> tanhCells = own.TanhCells(steps, batch);
        ReadOnlySpan<float> initial = own.InitialState(batch);
        initial[..block].CopyTo(states);
        initial[block..].CopyTo(cells);
        ReadOnlySpan<float> wh = arena.ValuesOf(RecurrentWeight);
        int ldw = Gemm.InPlaceLeadingDimension(g4);
        if (ldw != g4)
        {
            Span<float> padded = own.RecurrentPadded(ldw);   // W_h with rows ldw apart, which the per-step GEMM reads in place
            for (int r = 0; r < h; r++) wh.Slice(r * g4, g4).CopyTo(padded.Slice(r * ldw, g4));
            wh = padded;
        }
        for (int t = 0; t < steps; t++)
        {
            Span<float> gateStep = gates.Slice(t * batch * g4, batch * g4);
            if (tokens.IsActive) tokens.Gather(t, batch, gateStep);
            Gemm.Multiply(Transpose.None, Transpose.None, batch, g4, h, 1f, states.Slice(t * block, block), h, wh, ldw, 1f, gateStep, g4);
            int at = t * block;
            RecurrentGates.LstmForward(gateStep, cells.Slice(at, block), cells.Slice(at + block, block), tanhCells.Slice(at, block), states.Slice(at + block, block), batch, h);
        }
        own.SaveFinalState(steps, batch);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, Span<float> outputGradient, Span<float> inputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        int rows = steps * batch;
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, inputGradient, steps, batch);
        ReadOnlySpan<float> gateGradient = BackPropagate(own, outputGradient, steps, batch, arena, default);
        RecurrentInputs.Backward(arena, InputWeight, Bias, x, gateGradient, inputGradient, rows); // ∇W_i += Σ_t x_tᵀ·δ_t, ∇b, ∂J/∂x
    }

    internal override void BackwardFolded(TokenProjection tokens, Span<float> outputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(steps, batch, buffers, arena);
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, [], steps, batch);
        BackPropagate(own, outputGradient, steps, batch, arena, tokens);
    }

    /// <summary>
    /// The gate gradients δ_t for t = T … 1 (each step's rows also scattered when tokens is active), ∂J/∂(h_0, c_0) and
    /// ∇W_h += Σ_t h_{t−1}ᵀ·δ_t; returns δ over all steps.
    /// </summary>
    private Span<float> BackPropagate(Buffers own, Span<float> outputGradient, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int h = Hidden, g4 = 4 * Hidden, block = batch * h, rows = steps * batch;
        ReadOnlySpan<float> states = own.States(steps, batch), cells = own.Cells(steps, batch), gates = own.Gates(steps, batch), tanhCells = own.TanhCells(steps, batch);
        Span<float> gateGradient = own.GateGradient(steps, batch);   // (steps, batch, 4·hidden): ∂J/∂ pre-activations
        Span<float> cellGradient = own.CellGradient(batch);          // (batch, hidden): ∂J/∂c_t carried back
        Span<float> initialGradient = own.InitialStateGradient(batch);
        cellGradient.Clear();
        Span<float> whT = own.RecurrentTransposed();                 // W_hᵀ (4·hidden × hidden)
        RecurrentWeights.Transpose(arena.ValuesOf(RecurrentWeight), h, g4, whT);
        for (int t = steps - 1; t >= 0; t--)
        {
            int at = t * block, row = t * batch * g4;
            Span<float> gateStep = gateGradient.Slice(row, batch * g4);
            RecurrentGates.LstmBackward(gates.Slice(row, batch * g4), cells.Slice(at, block), tanhCells.Slice(at, block), outputGradient.Slice(at, block),
                cellGradient, gateStep, batch, h);
            if (tokens.IsActive) tokens.Scatter(t, batch, gateStep);
            Span<float> previousGradient = t > 0 ? outputGradient.Slice((t - 1) * block, block) : initialGradient[..block];
            Gemm.Multiply(Transpose.None, Transpose.None, batch, h, g4, 1f, gateStep, g4, whT, h, t > 0 ? 1f : 0f, previousGradient, h);
        }
        cellGradient.CopyTo(initialGradient[block..]);
        arena.AccumulateProduct(RecurrentWeight, Transpose.Transposed, Transpose.None, rows, states[..(rows * h)], h, gateGradient, g4); // ∇W_h += Σ_t h_{t−1}ᵀ·δ_t
        return gateGradient;
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
        if (buffers is not Buffers own || own.StateSize != 2 * Hidden)
            throw new ArgumentException($"{Name}: the buffers were not created by this layer's CreateBuffers", nameof(buffers));
        RecurrentChecks.Sizes(Name, steps, batch, own);
        return own;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: LSTM {Inputs} → {Hidden}, W_h {Initializer}, forget bias {ForgetBias}";

    private sealed class Buffers(int maxSteps, int maxBatch, int hidden) : RecurrentBuffers(maxSteps, maxBatch, 2 * hidden)
    {
        private readonly int _hidden = hidden;
        private readonly float[] _states = new float[(maxSteps + 1) * maxBatch * hidden];
        private readonly float[] _cells = new float[(maxSteps + 1) * maxBatch * hidden];
        private readonly float[] _gates = new float[maxSteps * maxBatch * 4 * hidden];
        private readonly float[] _tanhCells = new float[maxSteps * maxBatch * hidden];
        private readonly float[] _gateGradient = new float[maxSteps * maxBatch * 4 * hidden];
        private readonly float[] _cellGradient = new float[maxBatch * hidden];
        private readonly float[] _final = new float[maxBatch * 2 * hidden];
        private readonly float[] _recurrentTransposed = new float[4 * hidden * hidden];
        private readonly float[] _recurrentPadded = Gemm.InPlaceLeadingDimension(4 * hidden) is int stride && stride != 4 * hidden ? new float[hidden * stride] : [];

        /// <summary>Room for W_h with rows <see cref="Gemm.InPlaceLeadingDimension"/>(4·hidden) apart, when that differs from 4·hidden.</summary>
        public Span<float> RecurrentPadded(int stride) => _recurrentPadded.AsSpan(0, _hidden * stride);

        public Span<float> States(int steps, int batch) => _states.AsSpan(0, (steps + 1) * batch * _hidden);
        public Span<float> Cells(int steps, int batch) => _cells.AsSpan(0, (steps + 1) * batch * _hidden);
        public Span<float> Gates(int steps, int batch) => _gates.AsSpan(0, steps * batch * 4 * _hidden);
        public Span<float> TanhCells(int steps, int batch) => _tanhCells.AsSpan(0, steps * batch * _hidden);
        public Span<float> GateGradient(int steps, int batch) => _gateGradient.AsSpan(0, steps * batch * 4 * _hidden);
        public Span<float> CellGradient(int batch) => _cellGradient.AsSpan(0, batch * _hidden);
        public Span<float> RecurrentTransposed() => _recurrentTransposed;

        /// <summary>Copies h_T and c_T into the contiguous (2, batch, hidden) final state.</summary>
        public void SaveFinalState(int steps, int batch)
        {
            int block = batch * _hidden;
            _states.AsSpan(steps * block, block).CopyTo(_final);
            _cells.AsSpan(steps * block, block).CopyTo(_final.AsSpan(block));
        }

        public override ReadOnlySpan<float> Outputs(int steps, int batch) => _states.AsSpan(batch * _hidden, steps * batch * _hidden);
        public override ReadOnlySpan<float> FinalState(int steps, int batch) => _final.AsSpan(0, batch * 2 * _hidden);
    }
}
