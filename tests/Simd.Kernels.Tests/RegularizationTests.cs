namespace Simd.Kernels.Tests;

public class RegularizationTests
{
    private const float Lambda = 1e-3f;

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void L2GradientMatchesReferenceAndItsFloatFormula(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] w = TestSupport.Uniform(n, n, -3f, 3f), g = TestSupport.Uniform(n, n + 1);
            var expected = new double[n];
            Reference.L2Gradient(Lambda, w, g, expected);
            (float[] buffer, int start) = TestSupport.Unaligned(g, n % 4);
            Span<float> actual = buffer.AsSpan(start, n);
            Regularization.L2Gradient(Lambda, w, actual);
            TestSupport.AssertClose(expected, actual, 1e-6, 1e-7, $"L2Gradient n={n}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, $"L2Gradient n={n}");

            float[] ws = BlasTestSupport.WithSpecials(n, n + 2), gs = BlasTestSupport.WithSpecials(n, n + 3);
            var exact = new float[n];
            for (int i = 0; i < n; i++) exact[i] = gs[i] + 2f * Lambda * ws[i];
            Regularization.L2Gradient(Lambda, ws, gs);
            BlasTestSupport.AssertSameBits(exact, gs, $"L2Gradient specials n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void L2PenaltyMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] w = TestSupport.Uniform(n, n, -3f, 3f);
            double expected = Reference.L2Penalty(Lambda, w);
            TestSupport.AssertClose(expected, Regularization.L2Penalty(Lambda, w), 0, BlasTestSupport.SumTolerance(n, expected), $"L2Penalty n={n}");
        }
        Assert.True(float.IsNaN(Regularization.L2Penalty(Lambda, [1f, float.NaN, 2f])));
    }

    [Fact]
    public void ArgumentErrorsNameTheParameter()
    {
        float[] w = new float[8], g = new float[8];
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.L2Gradient(-1f, w, g)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.L2Gradient(float.NaN, w, g)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.L2Penalty(float.PositiveInfinity, w)).ParamName);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => Regularization.L2Gradient(1f, w, new float[7])).ParamName);
        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => Regularization.L2Gradient(1f, w, w)).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        float[] w = TestSupport.Uniform(1000, 1), g = TestSupport.Uniform(1000, 2);
        float sink = 0;
        TestSupport.AssertNoAllocation(() =>
        {
            Regularization.L2Gradient(1e-4f, w, g);
            sink += Regularization.L2Penalty(1e-4f, w);
        }, "Regularization");
        Assert.True(float.IsFinite(sink));
    }
}
