using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// The input projection of a first recurrent layer whose inputs are embedding rows, folded into a table.
/// With x = E[token], x·W_i + b_i = (E·W_i + b_i)[token]: forward gathers each step's rows of the
/// (vocabulary × width) table P = E·W_i + b_i instead of multiplying (steps·batch) rows by W_i, and backward
/// adds each step's rows of ∂J/∂(x·W_i + b_i) into G (vocabulary × width), from which
/// ∇W_i = Eᵀ·G, ∇b_i = Σ_rows G and ∂J/∂E = G·W_iᵀ follow in products of vocabulary rows
/// (<see cref="SequenceModel"/> does those).
/// </summary>
/// <remarks>Tokens are (batch, steps), example-major, as the user holds them; the rows a step gathers or
/// scatters are that step's batch rows in the time-major layout of <see cref="RecurrentLayer"/>.</remarks>
internal readonly ref struct TokenProjection
{
    private readonly ReadOnlySpan<float> _table;
    private readonly Span<float> _tableGradient;
    private readonly ReadOnlySpan<int> _tokens;
    private readonly int _steps, _width;

    /// <param name="table">P (vocabulary × width); read by <see cref="Gather"/>.</param>
    /// <param name="tableGradient">G (vocabulary × width); <see cref="Scatter"/> adds to it.</param>
    /// <param name="tokens">Token ids (batch, steps), already checked to be in [0, vocabulary).</param>
    /// <param name="steps">Steps per sequence.</param>
    /// <param name="width">Columns of the projection (hidden × gates).</param>
    public TokenProjection(ReadOnlySpan<float> table, Span<float> tableGradient, ReadOnlySpan<int> tokens, int steps, int width)
    {
        _table = table;
        _tableGradient = tableGradient;
        _tokens = tokens;
        _steps = steps;
        _width = width;
    }

    /// <summary>False for <c>default</c>, which a layer's unfolded pass hands to the step loop it shares with the folded one.</summary>
    public bool IsActive => _width > 0;

    /// <summary>Row b of <paramref name="destination"/> (batch × width) = P[tokens[b, t]].</summary>
    public void Gather(int t, int batch, Span<float> destination)
    {
        for (int b = 0; b < batch; b++)
            _table.Slice(_tokens[b * _steps + t] * _width, _width).CopyTo(destination.Slice(b * _width, _width));
    }

    /// <summary>G[tokens[b, t]] += row b of <paramref name="gradient"/> (batch × width), b in order.</summary>
    public void Scatter(int t, int batch, ReadOnlySpan<float> gradient)
    {
        for (int b = 0; b < batch; b++)
            Blas1.Axpy(1f, gradient.Slice(b * _width, _width), _tableGradient.Slice(_tokens[b * _steps + t] * _width, _width));
    }
}

/// <summary>The input side of a recurrent layer whose step pre-activations begin with x·W_i + b_i.</summary>
internal static class RecurrentInputs
{
    /// <summary>X·W_i + b_i over (steps·batch) = <paramref name="rows"/> rows into <paramref name="projection"/> (rows × width): one GEMM for all steps.</summary>
    public static void Forward(ParameterArena arena, Parameter weight, Parameter bias, ReadOnlySpan<float> x, int rows, Span<float> projection)
    {
        int inputs = weight.Rows, width = weight.Cols;
        Gemm.MultiplyBiasActivation(rows, width, inputs, x[..(rows * inputs)], arena.ValuesOf(weight), arena.ValuesOf(bias), ActivationFunction.None, projection[..(rows * width)]);
    }

    /// <summary>
    /// From Δ = ∂J/∂(X·W_i + b_i) over (steps·batch) rows: ∇W_i += Xᵀ·Δ, ∇b_i += Σ_rows Δ, and
    /// ∂J/∂X = Δ·W_iᵀ into <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    public static void Backward(ParameterArena arena, Parameter weight, Parameter bias, ReadOnlySpan<float> x, ReadOnlySpan<float> projectionGradient, Span<float> inputGradient, int rows)
    {
        int inputs = weight.Rows, width = weight.Cols;
        arena.AccumulateProduct(weight, Transpose.Transposed, Transpose.None, rows, x[..(rows * inputs)], inputs, projectionGradient, width);
        arena.AccumulateRowSums(bias, projectionGradient, rows);
        if (!inputGradient.IsEmpty)
            Gemm.Multiply(Transpose.None, Transpose.Transposed, rows, inputs, width, 1f, projectionGradient, width, arena.ValuesOf(weight), width, 0f, inputGradient, inputs);
    }
}
