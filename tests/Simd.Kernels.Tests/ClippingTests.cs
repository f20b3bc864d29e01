namespace Simd.Kernels.Tests;

public class ClippingTests
{
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ClipsSeveralSpansToMaxNormAndReturnsTheNormBefore(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            // The MLP's parameter groups in miniature: a weight matrix, a bias, a second matrix, a short bias.
            float[] a = TestSupport.Uniform(n, n), b = TestSupport.Uniform(n % 17, n + 1), c = TestSupport.Uniform(2 * n + 1, n + 2), d = TestSupport.Uniform(3, n + 3);
            float[] a0 = (float[])a.Clone(), b0 = (float[])b.Clone(), c0 = (float[])c.Clone(), d0 = (float[])d.Clone();
            double expected = Reference.GlobalNorm(a, b, c, d);
            float maxNorm = (float)(expected / 2);

            float norm = Clipping.ClipByGlobalNorm(maxNorm, a, b, c, d);

            TestSupport.AssertClose(expected, norm, 1e-6, 0, $"norm n={n}");
            double scale = maxNorm / expected;
            foreach ((float[] before, float[] after) in new[] { (a0, a), (b0, b), (c0, c), (d0, d) })
            {
                var scaled = new double[before.Length];
                Reference.Scale(scale, before, scaled);
                TestSupport.AssertClose(scaled, after, 1e-6, 0, $"scaled n={n}");
            }
            TestSupport.AssertClose(maxNorm, (float)Reference.GlobalNorm(a, b, c, d), 1e-5, 0, $"norm after n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NormAtOrBelowMaxLeavesGradientsUntouched(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        float[] a = TestSupport.Uniform(300, 1), b = TestSupport.Uniform(10, 2);
        float[] a0 = (float[])a.Clone(), b0 = (float[])b.Clone();
        float norm = Clipping.ClipByGlobalNorm(1e6f, a, b);
        TestSupport.AssertClose(Reference.GlobalNorm(a0, b0), norm, 1e-6, 0, "norm");
        BlasTestSupport.AssertSameBits(a0, a, "a");
        BlasTestSupport.AssertSameBits(b0, b, "b");

        // The returned norm is rounded to float; the next float up is above the exact norm, so nothing clips.
        float again = Clipping.ClipByGlobalNorm(MathF.BitIncrement(norm), a, b);
        Assert.Equal(norm, again);
        BlasTestSupport.AssertSameBits(a0, a, "a just above max");
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SingleSpanOverloadMatchesTheMultiSpanForm(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in new[] { 0, 1, 7, 16, 100, 5000 })
        {
            float[] a = TestSupport.Uniform(n, n), b = (float[])a.Clone();
            float single = Clipping.ClipByGlobalNorm(0.5f, a.AsSpan());
            float multi = Clipping.ClipByGlobalNorm(0.5f, new Memory<float>(b));
            BlasTestSupport.AssertSameBits(multi, single, $"norm n={n}");
            BlasTestSupport.AssertSameBits(b, a, $"clipped n={n}");
            TestSupport.AssertClose(Reference.GlobalNorm((float[])a.Clone()), Math.Min(single, 0.5f), 1e-5, 0, $"norm after n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NonFiniteNormIsReturnedAndGradientsAreLeftUntouched(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((float planted, bool nan) in new[] { (float.NaN, true), (float.PositiveInfinity, false), (float.NegativeInfinity, false), (3e19f, false) })
        {
            float[] a = TestSupport.Uniform(100, 1), b = TestSupport.Uniform(37, 2);
            b[20] = planted;
            float[] a0 = (float[])a.Clone(), b0 = (float[])b.Clone();
            float norm = Clipping.ClipByGlobalNorm(1f, a, b);
            if (nan) Assert.True(float.IsNaN(norm));
            else Assert.Equal(float.PositiveInfinity, norm);
            BlasTestSupport.AssertSameBits(a0, a, $"a with {planted}");
            BlasTestSupport.AssertSameBits(b0, b, $"b with {planted}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NormIsTheSameBitsAtEveryAlignment(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        float[] a = TestSupport.Uniform(1003, 1), b = TestSupport.Uniform(77, 2);
        float reference = Clipping.ClipByGlobalNorm(1e9f, a, b);
        for (int offset = 1; offset < 8; offset++)
        {
            (float[] ba, int sa) = TestSupport.Unaligned(a, offset);
            (float[] bb, int sb) = TestSupport.Unaligned(b, 8 - offset);
            float norm = Clipping.ClipByGlobalNorm(1e9f, ba.AsMemory(sa, a.Length), bb.AsMemory(sb, b.Length));
            BlasTestSupport.AssertSameBits(reference, norm, $"offset {offset}");
        }
    }

    [Fact]
    public void NoSpansGiveZero() => Assert.Equal(0f, Clipping.ClipByGlobalNorm(1f));

    [Fact]
    public void ArgumentErrorsNameTheParameter()
    {
        float[] a = new float[8], big = new float[32];
        foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => Clipping.ClipByGlobalNorm(bad, a, a.AsMemory())).ParamName);
            Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => Clipping.ClipByGlobalNorm(bad, a.AsSpan())).ParamName);
        }
        var error = Assert.Throws<ArgumentException>(() => Clipping.ClipByGlobalNorm(1f, big.AsMemory(0, 8), big.AsMemory(10, 4), big.AsMemory(6, 4)));
        Assert.Equal("gradients", error.ParamName);
        Assert.Contains("gradients[2] overlaps gradients[0]", error.Message);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => Clipping.ClipByGlobalNorm(1f, a, a)).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        Memory<float> a = TestSupport.Uniform(1000, 1), b = TestSupport.Uniform(10, 2), c = TestSupport.Uniform(256, 3);
        float[] single = TestSupport.Uniform(100, 4);
        float sink = 0;
        TestSupport.AssertNoAllocation(() =>
        {
            sink += Clipping.ClipByGlobalNorm(0.5f, a, b, c);
            sink += Clipping.ClipByGlobalNorm(0.5f, single.AsSpan());
        }, "Clipping");
        Assert.True(float.IsFinite(sink));
    }
}
