using System.Globalization;

namespace Simd.Kernels.Tests;

/// <summary>
/// Error bounds of <see cref="VectorMath"/> against double-precision Math.Exp / Math.Tanh on every level:
/// every float spaced 2^-8 apart in magnitude over the whole range (both signs), plus uniform random
/// points in the interesting ranges. Bounds are relative errors in units of 2^-23.
/// </summary>
public class VectorMathTests
{
    /// <summary>The documented bounds, in units of 2^-23 relative error.</summary>
    private const double ExpBound = 1, SigmoidBound = 1.5, TanhBound = 2;
    private const double Unit = 1.0 / (1 << 23);
    private const double MinNormal = 1.1754943508222875e-38;

    /// <summary>Every 2^15-th float bit pattern (256 per binade), both signs, plus the special values.</summary>
    private static float[] Sweep()
    {
        var values = new List<float>(TestSupport.SpecialValues);
        for (uint bits = 0; bits < 0x7F800000u; bits += 1u << 15)
        {
            values.Add(BitConverter.UInt32BitsToSingle(bits));
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0x80000000u));
        }
        return [.. values];
    }

    private static float[] Random(SimdLevel level, int seed, float lo, float hi)
    {
        // Emulated levels (wider than the hardware, or DOTNET_EnableHWIntrinsic=0) run lane by lane in
        // software; a smaller sample keeps the emulated CI pass fast while the native pass is dense.
        int count = SimdLevels.IsAccelerated(level) ? 1 << 21 : 1 << 14;
        return TestSupport.Uniform(count, seed, lo, hi);
    }

    private static double Run<TOp>(SimdLevel level, float[] x, Func<double, double> reference, double boundUnits, double tiny, string name)
        where TOp : struct, IUnaryOperator
    {
        var actual = new float[x.Length];
        Map.Unary(x, actual, default(TOp), level);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = reference(x[i]);
            float a = actual[i];
            bool ok;
            if (double.IsNaN(expected)) ok = float.IsNaN(a);
            else if (double.IsInfinity(expected) || Math.Abs(expected) > float.MaxValue) ok = a == (float)expected;
            else if (expected == 0) ok = a == 0 && double.IsNegative(expected) == float.IsNegative(a);
            else if (Math.Abs(expected) < tiny) ok = Math.Abs(a - expected) <= tiny && !float.IsNaN(a);
            else
            {
                double error = Math.Abs(a - expected) / Math.Abs(expected) / Unit;
                worst = Math.Max(worst, error);
                ok = error <= boundUnits;
            }
            if (!ok)
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{name} at {level}: x = {x[i]:R} (0x{BitConverter.SingleToUInt32Bits(x[i]):X8}) gives {a:R}, expected {expected:R}"));
        }
        return worst;
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ExpWithinBound(SimdLevel level)
    {
        double worst = Run<ExpOperator>(level, Sweep(), Reference.Exp, ExpBound, MinNormal, "exp");
        worst = Math.Max(worst, Run<ExpOperator>(level, Random(level, 11, -88f, 89f), Reference.Exp, ExpBound, MinNormal, "exp"));
        worst = Math.Max(worst, Run<ExpOperator>(level, Random(level, 12, -1f, 1f), Reference.Exp, ExpBound, MinNormal, "exp"));
        Console.WriteLine($"exp {level}: max relative error {worst:F3}·2^-23");
    }

    /// <summary>Drives <see cref="VectorMath.ExpNonPositive(float)"/> through Map like the production operators.</summary>
    private readonly struct ExpNonPositiveOperator : IUnaryOperator
    {
        public float Invoke(float x) => VectorMath.ExpNonPositive(x);
        public System.Runtime.Intrinsics.Vector128<float> Invoke(System.Runtime.Intrinsics.Vector128<float> x) => VectorMath.ExpNonPositive(x);
        public System.Runtime.Intrinsics.Vector256<float> Invoke(System.Runtime.Intrinsics.Vector256<float> x) => VectorMath.ExpNonPositive(x);
        public System.Runtime.Intrinsics.Vector512<float> Invoke(System.Runtime.Intrinsics.Vector512<float> x) => VectorMath.ExpNonPositive(x);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ExpNonPositiveWithinBound(SimdLevel level)
    {
        float[] sweep = [.. Sweep().Where(v => v <= 0 || float.IsNegativeInfinity(v))];
        double worst = Run<ExpNonPositiveOperator>(level, sweep, Reference.Exp, ExpBound, MinNormal, "exp(x ≤ 0)");
        worst = Math.Max(worst, Run<ExpNonPositiveOperator>(level, Random(level, 13, -90f, 0f), Reference.Exp, ExpBound, MinNormal, "exp(x ≤ 0)"));
        Console.WriteLine($"exp(x ≤ 0) {level}: max relative error {worst:F3}·2^-23");
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SigmoidWithinBound(SimdLevel level)
    {
        double worst = Run<SigmoidOperator>(level, Sweep(), Reference.Sigmoid, SigmoidBound, MinNormal, "sigmoid");
        worst = Math.Max(worst, Run<SigmoidOperator>(level, Random(level, 21, -90f, 90f), Reference.Sigmoid, SigmoidBound, MinNormal, "sigmoid"));
        worst = Math.Max(worst, Run<SigmoidOperator>(level, Random(level, 22, -8f, 8f), Reference.Sigmoid, SigmoidBound, MinNormal, "sigmoid"));
        Console.WriteLine($"sigmoid {level}: max relative error {worst:F3}·2^-23");
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void TanhWithinBound(SimdLevel level)
    {
        double worst = Run<TanhOperator>(level, Sweep(), Reference.Tanh, TanhBound, 0, "tanh");
        worst = Math.Max(worst, Run<TanhOperator>(level, Random(level, 31, -12f, 12f), Reference.Tanh, TanhBound, 0, "tanh"));
        worst = Math.Max(worst, Run<TanhOperator>(level, Random(level, 32, -0.05f, 0.05f), Reference.Tanh, TanhBound, 0, "tanh"));
        Console.WriteLine($"tanh {level}: max relative error {worst:F3}·2^-23");
    }

    /// <summary>
    /// The two-vector forms (used by the recurrent gate kernels) interleave the single-vector algorithm and must
    /// give its bits exactly, lane for lane, whichever vector of the pair a value is in: over the sweep (special
    /// values, every binade) and random points.
    /// </summary>
    [Fact]
    public void PairFormsGiveTheSingleFormsBits()
    {
        float[] x = [.. Sweep(), .. TestSupport.Uniform(1 << 14, 41, -30f, 30f)];
        int pairs = x.Length / 32;
        for (int p = 0; p < pairs; p++)
        {
            var first = System.Runtime.Intrinsics.Vector512.Create(x.AsSpan(32 * p, 16));
            var second = System.Runtime.Intrinsics.Vector512.Create(x.AsSpan(32 * p + 16, 16));
            var (e0, e1) = (first, second);
            VectorMath.Exp(ref e0, ref e1);
            var (s0, s1) = (first, second);
            VectorMath.Sigmoid(ref s0, ref s1);
            var (t0, t1) = (first, second);
            VectorMath.Tanh(ref t0, ref t1);
            AssertSameBits(VectorMath.Exp(first), e0, first, "exp");
            AssertSameBits(VectorMath.Exp(second), e1, second, "exp");
            AssertSameBits(VectorMath.Sigmoid(first), s0, first, "sigmoid");
            AssertSameBits(VectorMath.Sigmoid(second), s1, second, "sigmoid");
            AssertSameBits(VectorMath.Tanh(first), t0, first, "tanh");
            AssertSameBits(VectorMath.Tanh(second), t1, second, "tanh");
        }
    }

    private static void AssertSameBits(System.Runtime.Intrinsics.Vector512<float> expected, System.Runtime.Intrinsics.Vector512<float> actual,
        System.Runtime.Intrinsics.Vector512<float> x, string name)
    {
        for (int lane = 0; lane < 16; lane++)
            if (BitConverter.SingleToUInt32Bits(expected[lane]) != BitConverter.SingleToUInt32Bits(actual[lane]))
                Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{name} pair form at x = {x[lane]:R}: {actual[lane]:R}, single form {expected[lane]:R}"));
    }
}
