using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Gate;

/// <summary>
/// C = alpha·op(A)·op(B) + beta·C for one shape of the MLP 784-256-256-10, dense leading dimensions: the
/// paths of GEMM's path table that the key cases do not reach. Extended: run with <c>simd-perf ab --all</c>.
/// </summary>
public abstract class GemmPathCase(bool transA, bool transB, int m, int n, int k, float beta) : GateCase
{
    private readonly Buffers _buffers = new((long)m * k + (long)k * n + 2L * m * n);
    private Buffers.Array _a, _b, _c, _initial;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        (_a, _b, _c, _initial) = (_buffers.Take(m * k), _buffers.Take(k * n), _buffers.Take(m * n), _buffers.Take(m * n));
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
    public override void Relocate() => _buffers.Relocate();

    /// <inheritdoc/>
    public override void Run() => Gemm.Multiply(transA ? Transpose.Transposed : Transpose.None, transB ? Transpose.Transposed : Transpose.None,
        m, n, k, 1f, _a.Span, transA ? m : k, _b.Span, transB ? k : n, beta, _c.Span, n);
}

/// <summary>δ·Wᵀ of the first layer at batch 8 (8×784×256, B transposed): the wide dot path.</summary>
[Extended]
public sealed class GemmInputGradientBatch8() : GemmPathCase(false, true, 8, 784, 256, 0f);

/// <summary>δ·Wᵀ of the output layer at batch 128 (128×256×10, B transposed): k = 10.</summary>
[Extended]
public sealed class GemmOutputGradientBatch128() : GemmPathCase(false, true, 128, 256, 10, 0f);

/// <summary>The first layer's forward product at batch 8 (8×256×784): few rows, B read in place.</summary>
[Extended]
public sealed class GemmForwardBatch8() : GemmPathCase(false, false, 8, 256, 784, 0f);

/// <summary>∇W += Xᵀ·δ of the first layer at batch 128 (784×256×128, A transposed, beta 1).</summary>
[Extended]
public sealed class GemmWeightGradientBatch128() : GemmPathCase(true, false, 784, 256, 128, 1f);

/// <summary>∇W += xᵀ·δ of the output layer at batch 128 (256×10×128, A transposed, beta 1): n = 10.</summary>
[Extended]
public sealed class GemmOutputWeightGradient() : GemmPathCase(true, false, 256, 10, 128, 1f);

/// <summary>A rank-1 update (784×256×1, beta 1): the rank-1 kernel GEMM shares with OuterProduct.</summary>
[Extended]
public sealed class GemmRankOne() : GemmPathCase(false, false, 784, 256, 1, 1f);

/// <summary>A matrix–vector product (1×256×784): the dot rows of the matrix–vector path.</summary>
[Extended]
public sealed class GemmMatrixVector() : GemmPathCase(false, false, 1, 256, 784, 0f);
