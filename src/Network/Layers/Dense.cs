using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// A fully connected layer y = σ(x·W + b) with W (inputs × outputs) and b (outputs), for a batch
/// x (batch × inputs). Forward is one fused GEMM call (bias and activation in the epilogue).
/// Backward: δ = dy ⊙ σ′ (from the saved output y; ReLU′(0) = 0), dW += xᵀ·δ, db += Σ_rows δ,
/// dx = δ·Wᵀ (only when the input needs a gradient).
/// </summary>
public sealed class Dense : Layer
{
    private Parameter? _weight, _bias;

    /// <summary>Creates a dense layer; <paramref name="initializer"/> Auto picks He for ReLU, Xavier otherwise.</summary>
    public Dense(int inputs, int outputs, Activation activation = Activation.None, Initializer initializer = Initializer.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Initializer = initializer == Initializer.Auto
            ? activation == Activation.Relu ? Initializer.HeNormal : Initializer.XavierUniform
            : initializer;
    }

    /// <summary>Input features per example.</summary>
    public int Inputs { get; }
    /// <summary>Output features per example.</summary>
    public int Outputs { get; }
    /// <summary>σ, applied element-wise to x·W + b (<see cref="Activation.None"/>: the identity).</summary>
    public Activation Activation { get; }
    /// <summary>The weight initializer (Auto resolved).</summary>
    public Initializer Initializer { get; }
    /// <inheritdoc/>
    public override int InputSize => Inputs;
    /// <inheritdoc/>
    public override int OutputSize => Outputs;
    /// <summary>W (inputs × outputs).</summary>
    public Parameter Weight => _weight ?? throw new InvalidOperationException($"{Name} is not part of a built model");
    /// <summary>b (outputs).</summary>
    public Parameter Bias => _bias ?? throw new InvalidOperationException($"{Name} is not part of a built model");

    /// <inheritdoc/>
    public override void DeclareParameters(ParameterArena arena)
    {
        _weight = arena.Declare($"{Name}.weight", Inputs, Outputs, isWeight: true);
        _bias = arena.Declare($"{Name}.bias", 1, Outputs, isWeight: false);
    }

    /// <inheritdoc/>
    public override void InitializeParameters(ParameterArena arena, Rng rng)
    {
        Initializers.Fill(Initializer, arena.ValuesOf(Weight), Inputs, Outputs, rng);
        arena.ValuesOf(Bias).Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, ParameterArena arena) =>
        Gemm.MultiplyBiasActivation(batch, Outputs, Inputs, x, arena.ValuesOf(Weight), arena.ValuesOf(Bias), Activation.ToKernel(), y);

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, int batch, ParameterArena arena)
    {
        if (Activation != Activation.None)
            Activations.Backward(Activation.ToKernel(), dy, y, dy);
        ReadOnlySpan<float> delta = dy;
        arena.AccumulateProduct(Weight, Transpose.Transposed, Transpose.None, batch, x, Inputs, delta, Outputs); // ∇W += xᵀ·δ
        arena.AccumulateRowSums(Bias, delta, batch);                                                          // ∇b += Σ_rows δ
        if (!dx.IsEmpty)
            Gemm.Multiply(Transpose.None, Transpose.Transposed, batch, Inputs, Outputs, 1f, delta, Outputs, arena.ValuesOf(Weight), Outputs, 0f, dx, Inputs);
    }

    /// <inheritdoc/>
    public override string Architecture => $"Dense {Inputs} → {Outputs}, {Activation}";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Architecture}";
}
