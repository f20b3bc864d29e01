using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

internal static partial class VectorMath
{
    // ------------------------------------------------------------------------------------ two Vector512 at once

    // Each pair member runs the single-vector algorithm operation for operation, interleaved with the other
    // vector's, so both results are bitwise those of two separate calls. A single-vector form is one long
    // dependency chain (Horner, then a division) that the JIT emits in program order; two chains interleaved
    // overlap in the core and measured faster in the gate kernels (perf-results/rnn-steps.md, "Gate kernels").

    /// <summary><see cref="Sigmoid(Vector512{float})"/> of <paramref name="x0"/> and <paramref name="x1"/> in place; same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sigmoid(ref Vector512<float> x0, ref Vector512<float> x1)
    {
        Vector512<float> e0 = -x0, e1 = -x1;
        Exp(ref e0, ref e1);
        x0 = Vector512<float>.One / (Vector512<float>.One + e0);
        x1 = Vector512<float>.One / (Vector512<float>.One + e1);
    }

    /// <summary><see cref="Exp(Vector512{float})"/> of <paramref name="x0"/> and <paramref name="x1"/> in place; same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exp(ref Vector512<float> x0, ref Vector512<float> x1)
    {
        Vector512<float> a = x0, b = x1;
        Vector512<float> ta = Vector512.MultiplyAddEstimate(a, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> tb = Vector512.MultiplyAddEstimate(b, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> na = ta - Vector512.Create(RoundMagic), nb = tb - Vector512.Create(RoundMagic);
        Vector512<float> ra = Vector512.MultiplyAddEstimate(na, Vector512.Create(NegLn2Hi), a);
        Vector512<float> rb = Vector512.MultiplyAddEstimate(nb, Vector512.Create(NegLn2Hi), b);
        ra = Vector512.MultiplyAddEstimate(na, Vector512.Create(NegLn2Lo), ra);
        rb = Vector512.MultiplyAddEstimate(nb, Vector512.Create(NegLn2Lo), rb);
        Vector512<float> pa = Vector512.MultiplyAddEstimate(Vector512.Create(P0), ra, Vector512.Create(P1));
        Vector512<float> pb = Vector512.MultiplyAddEstimate(Vector512.Create(P0), rb, Vector512.Create(P1));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P2));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P2));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P3));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P3));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P4));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P4));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P5));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P5));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512<float>.One);
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512<float>.One);
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512<float>.One);
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512<float>.One);
        Vector512<float> ea = (pa.AsInt32() + Vector512.ShiftLeft(ta.AsInt32(), 23)).AsSingle();
        Vector512<float> eb = (pb.AsInt32() + Vector512.ShiftLeft(tb.AsInt32(), 23)).AsSingle();
        ea = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512.Create(ExpMin)), ea, Vector512<float>.Zero);
        eb = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(b, Vector512.Create(ExpMin)), eb, Vector512<float>.Zero);
        x0 = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(a, Vector512.Create(ExpMax)), ea, a + Vector512.Create(float.PositiveInfinity));
        x1 = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(b, Vector512.Create(ExpMax)), eb, b + Vector512.Create(float.PositiveInfinity));
    }

    /// <summary><see cref="Tanh(Vector512{float})"/> of <paramref name="x0"/> and <paramref name="x1"/> in place; same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ref Vector512<float> x0, ref Vector512<float> x1)
    {
        Vector512<float> a = x0, b = x1;
        Vector512<float> ya = Vector512.MaxNative(Vector512.MinNative(a + a, Vector512.Create(TanhClamp)), Vector512.Create(-TanhClamp));
        Vector512<float> yb = Vector512.MaxNative(Vector512.MinNative(b + b, Vector512.Create(TanhClamp)), Vector512.Create(-TanhClamp));
        Vector512<float> ta = Vector512.MultiplyAddEstimate(ya, Vector512.Create(Log2E), Vector512.Create(ScaleMagic));
        Vector512<float> tb = Vector512.MultiplyAddEstimate(yb, Vector512.Create(Log2E), Vector512.Create(ScaleMagic));
        Vector512<float> na = ta - Vector512.Create(ScaleMagic), nb = tb - Vector512.Create(ScaleMagic);
        Vector512<float> ra = Vector512.MultiplyAddEstimate(na, Vector512.Create(NegLn2Hi), ya);
        Vector512<float> rb = Vector512.MultiplyAddEstimate(nb, Vector512.Create(NegLn2Hi), yb);
        ra = Vector512.MultiplyAddEstimate(na, Vector512.Create(NegLn2Lo), ra);
        rb = Vector512.MultiplyAddEstimate(nb, Vector512.Create(NegLn2Lo), rb);
        Vector512<float> pa = Vector512.MultiplyAddEstimate(Vector512.Create(P0), ra, Vector512.Create(P1));
        Vector512<float> pb = Vector512.MultiplyAddEstimate(Vector512.Create(P0), rb, Vector512.Create(P1));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P2));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P2));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P3));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P3));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P4));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P4));
        pa = Vector512.MultiplyAddEstimate(pa, ra, Vector512.Create(P5));
        pb = Vector512.MultiplyAddEstimate(pb, rb, Vector512.Create(P5));
        Vector512<float> qa = Vector512.MultiplyAddEstimate(ra * ra, pa, ra);
        Vector512<float> qb = Vector512.MultiplyAddEstimate(rb * rb, pb, rb);
        Vector512<float> sa = Vector512.ShiftLeft(ta.AsInt32(), 23).AsSingle(), sb = Vector512.ShiftLeft(tb.AsInt32(), 23).AsSingle();
        Vector512<float> ema = Vector512.MultiplyAddEstimate(sa, qa, sa - Vector512<float>.One);
        Vector512<float> emb = Vector512.MultiplyAddEstimate(sb, qb, sb - Vector512<float>.One);
        Vector512<float> tha = ema / (ema + Vector512.Create(2f)), thb = emb / (emb + Vector512.Create(2f));
        x0 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(a), Vector512.Create(TanhTiny)), tha, a);
        x1 = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(b), Vector512.Create(TanhTiny)), thb, b);
    }
}
