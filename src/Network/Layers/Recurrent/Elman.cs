using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// Elman recurrent layer: s_t = f(x_t·U + s_{t−1}·W + b) for t = 1 … T, with f tanh or ReLU, x_t a
/// (batch × inputs) row block, U (inputs × hidden), W (hidden × hidden), b (hidden), and s_0 the
/// initial state. The output at step t is s_t.
/// </summary>
/// <remarks>
/// <para>PyTorch's nn.RNN computes h_t = f(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh): U = W_ihᵀ,
/// W = W_hhᵀ and b = b_ih + b_hh give the same function.</para>
/// <para>Forward: all input projections at once, Z = X·U + b over the (steps·batch) rows (one GEMM), or, when the
/// model folds its embedding into U (<see cref="TokenProjection"/>), each step's rows of Z gathered from that table; then
/// per step only the recurrent product Z_t += s_{t−1}·W and s_t = f(Z_t), in place.</para>
/// <para>Backward (BPTT): δ_t = (∂J/∂s_t + δ_{t+1}·Wᵀ) ⊙ f′(s_t) for t = T … 1 (one product per step);
/// then over all steps at once, ∇W += Σ_t s_{t−1}ᵀ·δ_t, ∇U += Σ_t x_tᵀ·δ_t and ∇b += Σ_t Σ_rows δ_t (one
/// GEMM each over steps·batch rows), ∂J/∂x = Δ·Uᵀ (one GEMM), ∂J/∂s_0 = δ_1·Wᵀ. The per-step products read a copy of Wᵀ made once per backward pass. f′ comes from the
/// saved outputs: tanh′ = 1 − s², ReLU′ = [s &gt; 0] (so ReLU′(0) = 0). NaN propagates.</para>
/// </remarks>
public sealed class Elman : RecurrentLayer
{
    private Parameter? _input, _recurrent, _bias;

    /// <summary>Creates the layer.</summary>
    /// <param name="inputs">Features per step going in.</param>
    /// <param name="hidden">Hidden (and output) size.</param>
    /// <param name="activation">f: <see cref="Activation.Tanh"/> or <see cref="Activation.Relu"/>.</param>
    /// <param name="initializer">How W starts; U is always uniform in ±1/√hidden and b zero.</param>
    /// <param name="identityScale">s of <see cref="RecurrentInitializer.ScaledIdentity"/>.</param>
    public Elman(int inputs, int hidden, Activation activation = Activation.Tanh, RecurrentInitializer initializer = RecurrentInitializer.Uniform, float identityScale = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (activation is not (Activation.Tanh or Activation.Relu))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "an Elman layer's f is tanh or ReLU");
        if (!Enum.IsDefined(initializer)) throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "unknown recurrent initializer");
        if (!float.IsFinite(identityScale)) throw new ArgumentOutOfRangeException(nameof(identityScale), identityScale, "the identity scale must be finite");
        Inputs = inputs;
        Hidden = hidden;
        Activation = activation;
        Initializer = initializer;
        IdentityScale = identityScale;
    }

    /// <summary>Features per step going in.</summary>
    public int Inputs { get; }
    /// <summary>Hidden size H.</summary>
    public int Hidden { get; }
    /// <summary>f, applied element-wise to x_t·U + s_{t−1}·W + b (tanh or ReLU).</summary>
    public Activation Activation { get; }
    /// <summary>How W was initialized.</summary>
    public RecurrentInitializer Initializer { get; }
    /// <summary>s of the scaled-identity initializer.</summary>
    public float IdentityScale { get; }
    /// <inheritdoc/>
    public override int InputSize => Inputs;
    /// <inheritdoc/>
    public override int HiddenSize => Hidden;
    /// <inheritdoc/>
    public override int StateSize => Hidden;
    /// <summary>U (inputs × hidden).</summary>
    public Parameter InputWeight => _input ?? throw NotBuilt();
    /// <summary>W (hidden × hidden).</summary>
    public Parameter RecurrentWeight => _recurrent ?? throw NotBuilt();
    /// <summary>b (hidden).</summary>
    public Parameter Bias => _bias ?? throw NotBuilt();

    private InvalidOperationException NotBuilt() => new($"{Name} is not part of a built model");

    /// <inheritdoc/>
    public override void DeclareParameters(ParameterArena arena)
    {
        ArgumentNullException.ThrowIfNull(arena);
        _input = arena.Declare($"{Name}.input", Inputs, Hidden, isWeight: true);
        _recurrent = arena.Declare($"{Name}.recurrent", Hidden, Hidden, isWeight: true);
        _bias = arena.Declare($"{Name}.bias", 1, Hidden, isWeight: false);
    }

    /// <inheritdoc/>
    public override void InitializeParameters(ParameterArena arena, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(arena);
        RecurrentInitializers.Uniform(arena.ValuesOf(InputWeight), 1 / Math.Sqrt(Hidden), rng);
        RecurrentInitializers.Fill(Initializer, arena.ValuesOf(RecurrentWeight), Hidden, IdentityScale, rng);
        arena.ValuesOf(Bias).Clear();
    }

    /// <inheritdoc/>
    public override RecurrentBuffers CreateBuffers(int maxSteps, int maxBatch) => new Buffers(maxSteps, maxBatch, Hidden);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        RecurrentInputs.Forward(arena, InputWeight, Bias, x, steps * batch, own.States(steps, batch)[(batch * Hidden)..]);   // Z in the outputs' place
        Recur(own, steps, batch, arena, default);
    }

    internal override (Parameter Weight, Parameter Bias)? InputProjection => (InputWeight, Bias);

    internal override void ForwardFolded(TokenProjection tokens, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena) =>
        Recur(Check(steps, batch, buffers, arena), steps, batch, arena, tokens);

    /// <summary>Per step Z_t (already in s_t's place, or gathered first when tokens is active) += s_{t−1}·W, then s_t = f(Z_t).</summary>
    private void Recur(Buffers own, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int block = batch * Hidden;
        Span<float> states = own.States(steps, batch);                 // (steps + 1, batch, hidden): s_0 … s_T
        own.InitialState(batch).CopyTo(states);
        ReadOnlySpan<float> w = arena.ValuesOf(RecurrentWeight);
        for (int t = 0; t < steps; t++)
        {
            Span<float> current = states.Slice((t + 1) * block, block);   // Z_t, then s_t
            if (tokens.IsActive) tokens.Gather(t, batch, current);
            Gemm.Multiply(Transpose.None, Transpose.None, batch, Hidden, Hidden, 1f, states.Slice(t * block, block), Hidden, w, Hidden, 1f, current, Hidden);
            Activations.Forward(Activation.ToKernel(), current, current);
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, Span<float> outputGradient, Span<float> inputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(x, steps, batch, buffers, arena);
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, inputGradient, steps, batch);
        ReadOnlySpan<float> delta = BackPropagate(own, outputGradient, steps, batch, arena, default);
        RecurrentInputs.Backward(arena, InputWeight, Bias, x, delta, inputGradient, steps * batch);   // ∇U += Σ_t x_tᵀ·δ_t, ∇b += Σ_t Σ_rows δ_t, ∂J/∂x = Δ·Uᵀ
    }

    internal override void BackwardFolded(TokenProjection tokens, Span<float> outputGradient, int steps, int batch, RecurrentBuffers buffers, ParameterArena arena)
    {
        Buffers own = Check(steps, batch, buffers, arena);
        RecurrentChecks.Gradients(Name, Hidden, Inputs, outputGradient, [], steps, batch);
        BackPropagate(own, outputGradient, steps, batch, arena, tokens);
    }

    /// <summary>δ_t for t = T … 1 in place of ∂J/∂s_t (each step's rows also scattered when tokens is active), ∂J/∂s_0, and ∇W += Σ_t s_{t−1}ᵀ·δ_t; returns Δ.</summary>
    private Span<float> BackPropagate(Buffers own, Span<float> outputGradient, int steps, int batch, ParameterArena arena, TokenProjection tokens)
    {
        int block = batch * Hidden, rows = steps * batch;
        ReadOnlySpan<float> states = own.States(steps, batch);
        Span<float> wt = own.RecurrentTransposed();                         // Wᵀ (hidden × hidden)
        RecurrentWeights.Transpose(arena.ValuesOf(RecurrentWeight), Hidden, Hidden, wt);
        Span<float> delta = outputGradient[..(rows * Hidden)];            // (steps, batch, hidden): ∂J/∂s_t, then δ_t
        for (int t = steps - 1; t >= 0; t--)
        {
            Span<float> current = delta.Slice(t * block, block);
            if (t < steps - 1)
                Gemm.Multiply(Transpose.None, Transpose.None, batch, Hidden, Hidden, 1f, delta.Slice((t + 1) * block, block), Hidden, wt, Hidden, 1f, current, Hidden);
            Activations.Backward(Activation.ToKernel(), current, states.Slice((t + 1) * block, block), current);
            if (tokens.IsActive) tokens.Scatter(t, batch, current);
        }
        Gemm.Multiply(Transpose.None, Transpose.None, batch, Hidden, Hidden, 1f, delta[..block], Hidden, wt, Hidden, 0f, own.InitialStateGradient(batch), Hidden);
        arena.AccumulateProduct(RecurrentWeight, Transpose.Transposed, Transpose.None, rows, states[..(rows * Hidden)], Hidden, delta, Hidden); // ∇W += Σ_t s_{t−1}ᵀ·δ_t
        return delta;
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
    public override string ToString() => $"{Name}: Elman {Inputs} → {Hidden}, {Activation}, W {Initializer}";

    private sealed class Buffers(int maxSteps, int maxBatch, int hidden) : RecurrentBuffers(maxSteps, maxBatch, hidden)
    {
        private readonly float[] _states = new float[(maxSteps + 1) * maxBatch * hidden]; // (steps + 1, batch, hidden)
        private readonly float[] _recurrentTransposed = new float[hidden * hidden];        // Wᵀ (hidden × hidden)

        public Span<float> States(int steps, int batch) => _states.AsSpan(0, (steps + 1) * batch * StateSize);

        public Span<float> RecurrentTransposed() => _recurrentTransposed;

        public override ReadOnlySpan<float> Outputs(int steps, int batch) => _states.AsSpan(batch * StateSize, steps * batch * StateSize);

        public override ReadOnlySpan<float> FinalState(int steps, int batch) => _states.AsSpan(steps * batch * StateSize, batch * StateSize);
    }
}
