using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Gate;

/// <summary>
/// C = op(A)·op(B) + beta·C for one shape, dense leading dimensions, validated against the reference
/// from a C filled with values (so beta = 0 must not read them into the result).
/// </summary>
public abstract class GemmShapeCase(bool transA, bool transB, int m, int n, int k, float beta) : GateCase
{
    private Buffers.Array _a, _b, _c, _initial;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory((long)m * k + (long)k * n + 2L * m * n);
        (_a, _b, _c, _initial) = (buffers.Take(m * k), buffers.Take(k * n), buffers.Take(m * n), buffers.Take(m * n));
        Fill(_a.Span, m + 2 * n + 3 * k);
        Fill(_b.Span, 7 * m + n + k);
        Fill(_initial.Span, m + n + 11 * k);
        _initial.Span.CopyTo(_c.Span);
        Run();
        double[] expected = Reference.Gemm(transA, transB, m, n, k, 1, _a.Span, transA ? m : k, _b.Span, transB ? k : n, beta, _initial.Span, n, out _);
        Validate(expected, _c.Span, 1e-5, 1e-4);
        return Hash(_c.Span);
    }

    /// <inheritdoc/>
    public override void Run() => Gemm.Multiply(transA ? Transpose.Transposed : Transpose.None, transB ? Transpose.Transposed : Transpose.None,
        m, n, k, 1f, _a.Span, transA ? m : k, _b.Span, transB ? k : n, beta, _c.Span, n);
}

/// <summary>C = A·B, 512³: the blocked path with several k and row blocks.</summary>
public sealed class GemmSquare512() : GemmShapeCase(false, false, 512, 512, 512, 0f);

/// <summary>The first layer's forward pass of the 784-256 MLP at batch 128: Y = ReLU(X·W + b), X 128×784, W 784×256.</summary>
public sealed class GemmForwardBatch128 : GateCase
{
    private const int Batch = 128, Inputs = 784, Outputs = 256;
    private Buffers.Array _x, _w, _bias, _y;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory(Batch * Inputs + Inputs * Outputs + Outputs + Batch * Outputs);
        (_x, _w, _bias, _y) = (buffers.Take(Batch * Inputs), buffers.Take(Inputs * Outputs), buffers.Take(Outputs), buffers.Take(Batch * Outputs));
        Fill(_x.Span, 3, 0f, 1f);
        Fill(_w.Span, 4, -0.05f, 0.05f);
        Fill(_bias.Span, 5, -0.1f, 0.1f);
        Run();
        double[] expected = Reference.Gemm(false, false, Batch, Outputs, Inputs, 1, _x.Span, Inputs, _w.Span, Outputs, 0, _y.Span, Outputs, out _);
        for (int i = 0; i < expected.Length; i++) expected[i] = Math.Max(0, expected[i] + _bias.Span[i % Outputs]);
        Validate(expected, _y.Span, 1e-5, 1e-4);
        return Hash(_y.Span);
    }

    /// <inheritdoc/>
    public override void Run() => Gemm.MultiplyBiasActivation(Batch, Outputs, Inputs, _x.Span, _w.Span, _bias.Span, ActivationFunction.Relu, _y.Span);
}

/// <summary>The output layer of the MLP at batch 128: n = 10, C = A·B with A 128×256, B 256×10 (the narrow paths).</summary>
public sealed class GemmOutputLayer() : GemmShapeCase(false, false, 128, 10, 256, 0f);
