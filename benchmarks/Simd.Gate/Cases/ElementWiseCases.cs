using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Gate;

/// <summary>y = σ(x) over 16 Ki floats (x and y stay in L2, so the exp arithmetic is what is timed).</summary>
public sealed class SigmoidForward : GateCase
{
    private const int Length = 16 * 1024;
    private Buffers.Array _x, _y;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory(2 * Length);
        (_x, _y) = (buffers.Take(Length), buffers.Take(Length));
        Fill(_x.Span, 8, -8f, 8f);
        Run();
        double[] expected = new double[Length];
        for (int i = 0; i < Length; i++) expected[i] = Reference.Sigmoid(_x.Span[i]);
        Validate(expected, _y.Span, 1e-6, 1e-7);
        return Hash(_y.Span);
    }

    /// <inheritdoc/>
    public override void Run() => Activations.Sigmoid(_x.Span, _y.Span);
}

/// <summary>δ = g ⊙ (1 − y²) over 16 Ki floats: the tanh layer's backward Hadamard product.</summary>
public sealed class TanhBackward : GateCase
{
    private const int Length = 16 * 1024;
    private Buffers.Array _g, _y, _d;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory(3 * Length);
        (_g, _y, _d) = (buffers.Take(Length), buffers.Take(Length), buffers.Take(Length));
        Fill(_g.Span, 9);
        Fill(_y.Span, 10, -0.99f, 0.99f);
        Run();
        double[] expected = new double[Length];
        for (int i = 0; i < Length; i++) expected[i] = _g.Span[i] * (1.0 - (double)_y.Span[i] * _y.Span[i]);
        Validate(expected, _d.Span, 1e-6, 1e-7);
        return Hash(_d.Span);
    }

    /// <inheritdoc/>
    public override void Run() => Activations.TanhBackward(_g.Span, _y.Span, _d.Span);
}

/// <summary>Fused softmax cross-entropy loss and gradient, 512 rows of 100 classes.</summary>
public sealed class SoftmaxCrossEntropyLoss : GateCase
{
    private const int Batch = 512, Classes = 100;
    private readonly int[] _labels = [.. Enumerable.Range(0, Batch).Select(i => i * 7 % Classes)];
    private Buffers.Array _logits, _gradient;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory(2 * Batch * Classes);
        (_logits, _gradient) = (buffers.Take(Batch * Classes), buffers.Take(Batch * Classes));
        Fill(_logits.Span, 11, -4f, 4f);
        float loss = SoftmaxCrossEntropy.ForwardBackward(_logits.Span, _labels, Batch, Classes, _gradient.Span, 1f / Batch);
        var (losses, gradient) = Reference.SoftmaxCrossEntropy(_logits.Span, _labels, Batch, Classes, 1.0 / Batch);
        Validate(gradient, _gradient.Span, 1e-5, 1e-7);
        Validate([losses.Average()], [loss], 1e-5, 1e-6);
        return Hash(_gradient.Span, Hash([loss]));
    }

    /// <inheritdoc/>
    public override void Run() => SoftmaxCrossEntropy.ForwardBackward(_logits.Span, _labels, Batch, Classes, _gradient.Span, 1f / Batch);
}

/// <summary>One Adam update of 16 Ki weights (reads g, w, m, v; writes w, m, v).</summary>
/// <remarks>The element-wise cases use 16 Ki floats: at 64 Ki their arrays fill L2, and the time then depends by up to ±20% on which physical pages they got.</remarks>
public sealed class AdamUpdate : GateCase
{
    private const int Length = 16 * 1024;
    private const float LearningRate = 1e-3f;
    private Buffers.Array _g, _w, _m, _v;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Buffers buffers = Memory(4 * Length);
        (_g, _w, _m, _v) = (buffers.Take(Length), buffers.Take(Length), buffers.Take(Length), buffers.Take(Length));
        Fill(_g.Span, 12);
        Fill(_w.Span, 13);
        double[] w = Reference.ToDouble(_w.Span), m = new double[Length], v = new double[Length];
        Reference.Adam(_g.Span, w, m, v, 1, LearningRate, 0.9, 0.999, 1e-8, 0);
        OptimizerUpdates.Adam(_g.Span, _w.Span, _m.Span, _v.Span, 1, LearningRate);
        Validate(w, _w.Span, 1e-5, 1e-7);
        Validate(m, _m.Span, 1e-5, 1e-9);
        return Hash(_v.Span, Hash(_m.Span, Hash(_w.Span)));
    }

    /// <inheritdoc/>
    public override void Run() => OptimizerUpdates.Adam(_g.Span, _w.Span, _m.Span, _v.Span, 10, LearningRate);
}
