using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// Vectorized e^x, the logistic sigmoid and tanh for float, one member per vector width (scalar,
/// Vector128, Vector256, Vector512), all computing the same algorithm so that every level gives
/// results within the same error bound.
/// </summary>
/// <remarks>
/// <para><b>Algorithm.</b> x = n·ln2 + r with n = round(x·log2 e) (the 1.5·2^23 addition rounds to
/// nearest and leaves n in the low mantissa bits, so no float-to-int conversion is needed) and
/// |r| ≤ ln2/2 + 2^-17. r is formed with the Cody–Waite split ln2 = 0.693359375 − 2.12194440e-4:
/// the high part has 9 significant bits, so n·hi is exact for |n| ≤ 2^15 and x − n·hi is exact by
/// Sterbenz whether or not the multiply-add is fused. e^r − 1 = r + r²·P(r), P the degree-5 Cephes
/// minimax polynomial on |r| ≤ ln2/2, evaluated by Horner as e^r; 2^n is applied by adding n to the
/// exponent field of e^r with an integer add. That add is valid on [ExpMin, ExpMax]: there
/// n ∈ [−126, 128], r ≥ 0 (so e^r ≥ 1) whenever n = −126 and r &lt; 0 (so e^r &lt; 1) whenever n = 128,
/// which keeps the biased exponent in [1, 254]. Outside it two selects finish the job: x &lt; ExpMin
/// gives +0, and x &gt; ExpMax (or NaN, which fails both compares) gives x + Inf, that is +Inf or NaN.
/// <see cref="ExpNonPositive(float)"/> drops the second select for callers that guarantee x ≤ 0.</para>
/// <para><b>tanh</b> is expm1(2x) / (expm1(2x) + 2) with expm1(y) = 2^n·(e^r − 1) + (2^n − 1), which is
/// accurate in relative terms for every y (e^r − 1 = r + r²·P(r) never cancels), so no separate
/// small-|x| polynomial is needed; |x| &lt; 2^-13 returns x, which preserves −0, subnormals and NaN.
/// sigmoid and tanh each keep one division: without a portable reciprocal estimate, a division is the
/// cheapest way to stay within the stated bounds, and it runs on the divider in parallel with the
/// FMA pipes.</para>
/// <para><b>Why MultiplyAddEstimate.</b> It is one FMA instruction where the hardware has FMA and a
/// multiply plus an add elsewhere. <c>FusedMultiplyAdd</c> would be exact in both cases but, without
/// hardware FMA (DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0, pre-Haswell CPUs), it falls back to a
/// software fma per lane, tens of times slower. The split constants above keep the argument reduction
/// exact without fusion, and the stated bounds are measured in both modes (tests run under both).</para>
/// <para><b>Error bounds</b> (relative to double-precision Math.Exp / Math.Tanh; enforced by
/// VectorMathTests on every level, with and without hardware FMA, over 256 floats per binade across
/// the whole range plus 2^21 random points per range; the measured maxima are in
/// perf-results/tuning/element-wise.md): <see cref="Exp(float)"/> ≤ 1·2^-23 for results ≥ 2^-126;
/// <see cref="Sigmoid(float)"/> ≤ 1.5·2^-23 for results ≥ 2^-126; <see cref="Tanh(float)"/> ≤ 2·2^-23
/// everywhere, including near 0: it is formed from expm1, so there is no cancellation for small |x|.</para>
/// </remarks>
internal static partial class VectorMath
{
    private const float Log2E = 1.44269504088896341f;
    /// <summary>1.5·2^23: adding it rounds |v| &lt; 2^22 to an integer kept in the low mantissa bits.</summary>
    private const float RoundMagic = 12582912f;
    /// <summary>1.5·2^23 + 127: as <see cref="RoundMagic"/>, with the exponent bias already added.</summary>
    private const float ScaleMagic = 12583039f;
    private const float NegLn2Hi = -0.693359375f;
    private const float NegLn2Lo = 2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;
    /// <summary>The largest float whose e^x is finite (88.7228317); e^x overflows to +Inf above it.</summary>
    private const float ExpMax = 88.72283172607422f;
    /// <summary>The smallest float whose e^x is ≥ 2^-126 (−87.3365402); e^x is flushed to +0 below it.</summary>
    private const float ExpMin = -87.33654022216797f;
    /// <summary>tanh is evaluated with 2x clamped to ±20: tanh(10) already rounds to 1.</summary>
    private const float TanhClamp = 20f;
    /// <summary>2^-13: below it tanh x rounds to x (x²/3 &lt; 2^-27), which also keeps −0, subnormals and NaN exact.</summary>
    private const float TanhTiny = 1.220703125e-4f;

    // ------------------------------------------------------------------------------------ scalar

    /// <summary>
    /// e^x. +Inf for x &gt; 88.7228317 and for +Inf; +0 for x &lt; −87.3365402 (results below 2^-126
    /// are flushed to zero rather than made subnormal) and for −Inf; NaN for NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        float t = float.MultiplyAddEstimate(x, Log2E, RoundMagic);
        float n = t - RoundMagic;
        float r = float.MultiplyAddEstimate(n, NegLn2Hi, x);
        r = float.MultiplyAddEstimate(n, NegLn2Lo, r);
        float p = float.MultiplyAddEstimate(P0, r, P1);
        p = float.MultiplyAddEstimate(p, r, P2);
        p = float.MultiplyAddEstimate(p, r, P3);
        p = float.MultiplyAddEstimate(p, r, P4);
        p = float.MultiplyAddEstimate(p, r, P5);
        p = float.MultiplyAddEstimate(p, r, 1f);
        p = float.MultiplyAddEstimate(p, r, 1f);
        float e = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(p) + (BitConverter.SingleToInt32Bits(t) << 23));
        e = x >= ExpMin ? e : 0f;
        return x <= ExpMax ? e : x + float.PositiveInfinity;
    }

    /// <summary>
    /// 1 / (1 + e^−x). Never overflows: e^−x = +Inf gives +0 (x &lt; −88.72; the true value is below
    /// 2^-127), e^−x = 0 gives 1. NaN for NaN; σ(±Inf) = 1 / +0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>
    /// tanh x = expm1(2x) / (expm1(2x) + 2), with 2x clamped to ±20 so that |x| ≥ 10 gives exactly ±1.
    /// |x| &lt; 2^-13 returns x itself (tanh(−0) = −0, subnormals unchanged, NaN propagates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float y = float.MaxNative(float.MinNative(x + x, TanhClamp), -TanhClamp);
        float t = float.MultiplyAddEstimate(y, Log2E, ScaleMagic);
        float n = t - ScaleMagic;
        float r = float.MultiplyAddEstimate(n, NegLn2Hi, y);
        r = float.MultiplyAddEstimate(n, NegLn2Lo, r);
        float p = float.MultiplyAddEstimate(P0, r, P1);
        p = float.MultiplyAddEstimate(p, r, P2);
        p = float.MultiplyAddEstimate(p, r, P3);
        p = float.MultiplyAddEstimate(p, r, P4);
        p = float.MultiplyAddEstimate(p, r, P5);
        float q = float.MultiplyAddEstimate(r * r, p, r);
        float s = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(t) << 23);
        float em = float.MultiplyAddEstimate(s, q, s - 1f);
        float th = em / (em + 2f);
        return float.Abs(x) >= TanhTiny ? th : x;
    }

    // ------------------------------------------------------------------------------------ Vector128

    /// <summary>Lane-wise <see cref="Exp(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> t = Vector128.MultiplyAddEstimate(x, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        Vector128<float> n = t - Vector128.Create(RoundMagic);
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Hi), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Lo), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P5));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        Vector128<float> e = (p.AsInt32() + Vector128.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        e = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128.Create(ExpMin)), e, Vector128<float>.Zero);
        return Vector128.ConditionalSelect(Vector128.LessThanOrEqual(x, Vector128.Create(ExpMax)), e, x + Vector128.Create(float.PositiveInfinity));
    }

    /// <summary>Lane-wise <see cref="Sigmoid(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    /// <summary>Lane-wise <see cref="Tanh(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        // NaN lanes may lose their NaN in the clamp (MinNative/MaxNative NaN rules are platform-specific);
        // the final select returns x for them, so the clamp need not care.
        Vector128<float> y = Vector128.MaxNative(Vector128.MinNative(x + x, Vector128.Create(TanhClamp)), Vector128.Create(-TanhClamp));
        Vector128<float> t = Vector128.MultiplyAddEstimate(y, Vector128.Create(Log2E), Vector128.Create(ScaleMagic));
        Vector128<float> n = t - Vector128.Create(ScaleMagic);
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Hi), y);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Lo), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P5));
        Vector128<float> q = Vector128.MultiplyAddEstimate(r * r, p, r);
        Vector128<float> s = Vector128.ShiftLeft(t.AsInt32(), 23).AsSingle();
        Vector128<float> em = Vector128.MultiplyAddEstimate(s, q, s - Vector128<float>.One);
        Vector128<float> th = em / (em + Vector128.Create(2f));
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(x), Vector128.Create(TanhTiny)), th, x);
    }

    // ------------------------------------------------------------------------------------ Vector256

    /// <summary>Lane-wise <see cref="Exp(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> t = Vector256.MultiplyAddEstimate(x, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        Vector256<float> n = t - Vector256.Create(RoundMagic);
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Hi), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Lo), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        Vector256<float> e = (p.AsInt32() + Vector256.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        e = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256.Create(ExpMin)), e, Vector256<float>.Zero);
        return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256.Create(ExpMax)), e, x + Vector256.Create(float.PositiveInfinity));
    }

    /// <summary>Lane-wise <see cref="Sigmoid(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>Lane-wise <see cref="Tanh(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        // NaN lanes may lose their NaN in the clamp (MinNative/MaxNative NaN rules are platform-specific);
        // the final select returns x for them, so the clamp need not care.
        Vector256<float> y = Vector256.MaxNative(Vector256.MinNative(x + x, Vector256.Create(TanhClamp)), Vector256.Create(-TanhClamp));
        Vector256<float> t = Vector256.MultiplyAddEstimate(y, Vector256.Create(Log2E), Vector256.Create(ScaleMagic));
        Vector256<float> n = t - Vector256.Create(ScaleMagic);
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Hi), y);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Lo), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P5));
        Vector256<float> q = Vector256.MultiplyAddEstimate(r * r, p, r);
        Vector256<float> s = Vector256.ShiftLeft(t.AsInt32(), 23).AsSingle();
        Vector256<float> em = Vector256.MultiplyAddEstimate(s, q, s - Vector256<float>.One);
        Vector256<float> th = em / (em + Vector256.Create(2f));
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(TanhTiny)), th, x);
    }

    // ------------------------------------------------------------------------------------ Vector512

    /// <summary>Lane-wise <see cref="Exp(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> t = Vector512.MultiplyAddEstimate(x, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> n = t - Vector512.Create(RoundMagic);
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Hi), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Lo), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P5));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        Vector512<float> e = (p.AsInt32() + Vector512.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        e = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512.Create(ExpMin)), e, Vector512<float>.Zero);
        return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512.Create(ExpMax)), e, x + Vector512.Create(float.PositiveInfinity));
    }

    /// <summary>Lane-wise <see cref="Sigmoid(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <summary>Lane-wise <see cref="Tanh(float)"/>; same algorithm, same bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        // NaN lanes may lose their NaN in the clamp (MinNative/MaxNative NaN rules are platform-specific);
        // the final select returns x for them, so the clamp need not care.
        Vector512<float> y = Vector512.MaxNative(Vector512.MinNative(x + x, Vector512.Create(TanhClamp)), Vector512.Create(-TanhClamp));
        Vector512<float> t = Vector512.MultiplyAddEstimate(y, Vector512.Create(Log2E), Vector512.Create(ScaleMagic));
        Vector512<float> n = t - Vector512.Create(ScaleMagic);
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Hi), y);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Lo), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P5));
        Vector512<float> q = Vector512.MultiplyAddEstimate(r * r, p, r);
        Vector512<float> s = Vector512.ShiftLeft(t.AsInt32(), 23).AsSingle();
        Vector512<float> em = Vector512.MultiplyAddEstimate(s, q, s - Vector512<float>.One);
        Vector512<float> th = em / (em + Vector512.Create(2f));
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(x), Vector512.Create(TanhTiny)), th, x);
    }
    // ------------------------------------------------------------------------------------ e^x for x ≤ 0

    /// <summary>
    /// e^x for x ≤ 0 or x = −Inf (softmax exponents z − max): <see cref="Exp(float)"/> without the overflow
    /// and NaN handling, one compare and select cheaper. +0 for x &lt; −87.3365402. The caller guarantees
    /// that x is not NaN and not above 88.72.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ExpNonPositive(float x)
    {
        float t = float.MultiplyAddEstimate(x, Log2E, RoundMagic);
        float n = t - RoundMagic;
        float r = float.MultiplyAddEstimate(n, NegLn2Hi, x);
        r = float.MultiplyAddEstimate(n, NegLn2Lo, r);
        float p = float.MultiplyAddEstimate(P0, r, P1);
        p = float.MultiplyAddEstimate(p, r, P2);
        p = float.MultiplyAddEstimate(p, r, P3);
        p = float.MultiplyAddEstimate(p, r, P4);
        p = float.MultiplyAddEstimate(p, r, P5);
        p = float.MultiplyAddEstimate(p, r, 1f);
        p = float.MultiplyAddEstimate(p, r, 1f);
        float e = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(p) + (BitConverter.SingleToInt32Bits(t) << 23));
        return x >= ExpMin ? e : 0f;
    }

    /// <summary>Lane-wise <see cref="ExpNonPositive(float)"/>; same preconditions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ExpNonPositive(Vector128<float> x)
    {
        Vector128<float> t = Vector128.MultiplyAddEstimate(x, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        Vector128<float> n = t - Vector128.Create(RoundMagic);
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Hi), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(NegLn2Lo), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P5));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        Vector128<float> e = (p.AsInt32() + Vector128.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128.Create(ExpMin)), e, Vector128<float>.Zero);
    }

    /// <summary>Lane-wise <see cref="ExpNonPositive(float)"/>; same preconditions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        Vector256<float> t = Vector256.MultiplyAddEstimate(x, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        Vector256<float> n = t - Vector256.Create(RoundMagic);
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Hi), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(NegLn2Lo), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        Vector256<float> e = (p.AsInt32() + Vector256.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256.Create(ExpMin)), e, Vector256<float>.Zero);
    }

    /// <summary>Lane-wise <see cref="ExpNonPositive(float)"/>; same preconditions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        Vector512<float> t = Vector512.MultiplyAddEstimate(x, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> n = t - Vector512.Create(RoundMagic);
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Hi), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(NegLn2Lo), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P5));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        Vector512<float> e = (p.AsInt32() + Vector512.ShiftLeft(t.AsInt32(), 23)).AsSingle();
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512.Create(ExpMin)), e, Vector512<float>.Zero);
    }

}

/// <summary>e^x per element through <see cref="VectorMath.Exp(float)"/>.</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    public float Invoke(float x) => VectorMath.Exp(x);
    public Vector128<float> Invoke(Vector128<float> x) => VectorMath.Exp(x);
    public Vector256<float> Invoke(Vector256<float> x) => VectorMath.Exp(x);
    public Vector512<float> Invoke(Vector512<float> x) => VectorMath.Exp(x);
}
