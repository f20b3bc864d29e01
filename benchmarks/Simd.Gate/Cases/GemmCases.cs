using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Gate;

/// <summary>C = A·B, 512³: the blocked path with several k and row blocks.</summary>
public sealed class GemmSquare512 : GateCase
{
    private const int Size = 512;
    private readonly Buffers _buffers = new(3 * Size * Size);
    private Buffers.Array _a, _b, _c;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        (_a, _b, _c) = (_buffers.Take(Size * Size), _buffers.Take(Size * Size), _buffers.Take(Size * Size));
        Fill(_a.Span, 1);
        Fill(_b.Span, 2);
        Run();
        Validate(Reference.Gemm(false, false, Size, Size, Size, 1, _a.Span, Size, _b.Span, Size, 0, _c.Span, Size, out _), _c.Span, 1e-5, 1e-4);
        return Hash(_c.Span);
    }

    /// <inheritdoc/>
    public override void Relocate() => _buffers.Relocate();

    /// <inheritdoc/>
    public override void Run() => Gemm.Multiply(Size, Size, Size, _a.Span, _b.Span, _c.Span);
}

/// <summary>The first layer's forward pass of the 784-256 MLP at batch 128: Y = ReLU(X·W + b), X 128×784, W 784×256.</summary>
public sealed class GemmForwardBatch128 : GateCase
{
    private const int Batch = 128, Inputs = 784, Outputs = 256;
    private readonly Buffers _buffers = new(Batch * Inputs + Inputs * Outputs + Outputs + Batch * Outputs);
    private Buffers.Array _x, _w, _bias, _y;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        (_x, _w, _bias, _y) = (_buffers.Take(Batch * Inputs), _buffers.Take(Inputs * Outputs), _buffers.Take(Outputs), _buffers.Take(Batch * Outputs));
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
    public override void Relocate() => _buffers.Relocate();

    /// <inheritdoc/>
    public override void Run() => Gemm.MultiplyBiasActivation(Batch, Outputs, Inputs, _x.Span, _w.Span, _bias.Span, Activation.Relu, _y.Span);
}

/// <summary>The output layer of the MLP at batch 128: n = 10, C = A·B with A 128×256, B 256×10 (the narrow paths).</summary>
public sealed class GemmOutputLayer : GateCase
{
    private const int Batch = 128, Inputs = 256, Outputs = 10;
    private readonly Buffers _buffers = new(Batch * Inputs + Inputs * Outputs + Batch * Outputs);
    private Buffers.Array _a, _b, _c;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        (_a, _b, _c) = (_buffers.Take(Batch * Inputs), _buffers.Take(Inputs * Outputs), _buffers.Take(Batch * Outputs));
        Fill(_a.Span, 6);
        Fill(_b.Span, 7);
        Run();
        Validate(Reference.Gemm(false, false, Batch, Outputs, Inputs, 1, _a.Span, Inputs, _b.Span, Outputs, 0, _c.Span, Outputs, out _), _c.Span, 1e-5, 1e-4);
        return Hash(_c.Span);
    }

    /// <inheritdoc/>
    public override void Relocate() => _buffers.Relocate();

    /// <inheritdoc/>
    public override void Run() => Gemm.Multiply(Batch, Outputs, Inputs, _a.Span, _b.Span, _c.Span);
}
