namespace Simd.Kernels.Tests;

public class OptimizerUpdatesTests
{
    private const float LearningRate = 0.01f;

    private static double[] Widen(float[] x) => Reference.ToDouble(x);

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SgdMatchesReferenceOverSeveralSteps(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] w0 = TestSupport.Uniform(n, n);
            (float[] buffer, int start) = TestSupport.Unaligned(w0, n % 4);
            Span<float> w = buffer.AsSpan(start, n);
            double[] expected = Widen(w0);
            for (int step = 0; step < 3; step++)
            {
                float[] g = TestSupport.Uniform(n, 1000 * step + n);
                OptimizerUpdates.Sgd(g, w, LearningRate);
                Reference.Sgd(g, expected, LearningRate);
            }
            TestSupport.AssertClose(expected, w, 1e-6, 1e-7, $"Sgd n={n}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, $"Sgd n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SgdMomentumMatchesReferenceOverSeveralSteps(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (bool nesterov in new[] { false, true })
        {
            foreach (int n in TestSupport.Lengths())
            {
                float[] w = TestSupport.Uniform(n, n), v = new float[n];
                double[] ew = Widen(w), ev = new double[n];
                for (int step = 0; step < 3; step++)
                {
                    float[] g = TestSupport.Uniform(n, 1000 * step + n);
                    OptimizerUpdates.SgdMomentum(g, w, v, LearningRate, 0.9f, nesterov);
                    Reference.SgdMomentum(g, ew, ev, LearningRate, 0.9f, nesterov);
                }
                TestSupport.AssertClose(ew, w, 1e-6, 1e-6, $"weights nesterov={nesterov} n={n}");
                TestSupport.AssertClose(ev, v, 1e-5, 1e-6, $"velocity nesterov={nesterov} n={n}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AdamMatchesReferenceOverSeveralSteps(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (float weightDecay in new[] { 0f, 0.01f })
        {
            foreach (int n in TestSupport.Lengths())
            {
                float[] w = TestSupport.Uniform(n, n), m = new float[n], v = new float[n];
                double[] ew = Widen(w), em = new double[n], ev = new double[n];
                for (int step = 1; step <= 4; step++)
                {
                    float[] g = TestSupport.Uniform(n, 1000 * step + n);
                    OptimizerUpdates.Adam(g, w, m, v, step, LearningRate, weightDecay: weightDecay);
                    Reference.Adam(g, ew, em, ev, step, LearningRate, 0.9f, 0.999f, 1e-8f, weightDecay);
                }
                TestSupport.AssertClose(ew, w, 1e-6, LearningRate * 1e-4, $"weights λ={weightDecay} n={n}");
                TestSupport.AssertClose(em, m, 1e-5, 1e-7, $"first moment λ={weightDecay} n={n}");
                TestSupport.AssertClose(ev, v, 1e-5, 1e-9, $"second moment λ={weightDecay} n={n}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AdamBiasCorrectionAtSteps1And2And1000(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        const int n = 67;
        float[] g = TestSupport.Uniform(n, 3, -2f, 2f);

        // t = 1 from zero state: m̂ = g, v̂ = g², so each weight moves by lr·g/(|g| + ε) ≈ lr·sign(g).
        float[] w = new float[n], m = new float[n], v = new float[n];
        OptimizerUpdates.Adam(g, w, m, v, 1, LearningRate);
        for (int i = 0; i < n; i++)
            TestSupport.AssertClose(-LearningRate * Math.Sign(g[i]), w[i], 1e-5, 0, "t=1 step is lr·sign(g)", i);

        // t = 2 and t = 1000 with non-zero state: corrections 1/(1 − β^t) are large at t = 2 and ≈ 1 at t = 1000.
        foreach (int t in new[] { 2, 1000 })
        {
            float[] w2 = TestSupport.Uniform(n, t), m2 = TestSupport.Uniform(n, t + 1, -0.1f, 0.1f), v2 = TestSupport.Uniform(n, t + 2, 0f, 0.01f);
            double[] ew = Widen(w2), em = Widen(m2), ev = Widen(v2);
            OptimizerUpdates.Adam(g, w2, m2, v2, t, LearningRate, 0.8f, 0.99f, 1e-6f);
            Reference.Adam(g, ew, em, ev, t, LearningRate, 0.8f, 0.99f, 1e-6f, 0);
            TestSupport.AssertClose(ew, w2, 1e-6, LearningRate * 1e-5, $"weights t={t}");
            TestSupport.AssertClose(em, m2, 1e-6, 1e-7, $"first moment t={t}");
            TestSupport.AssertClose(ev, v2, 1e-6, 1e-9, $"second moment t={t}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void EveryLevelGivesTheScalarBitsWithSpecialValues(SimdLevel level)
    {
        foreach (int n in new[] { 1, 3, 4, 5, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257 })
        {
            float[] g = BlasTestSupport.WithSpecials(n, n), w = BlasTestSupport.WithSpecials(n, n + 1);
            float[] m = BlasTestSupport.WithSpecials(n, n + 2), v = TestSupport.Uniform(n, n + 3, 0f, 1f);
            float[][] scalar = Run(SimdLevel.Scalar), actual = Run(level);
            for (int k = 0; k < scalar.Length; k++)
                BlasTestSupport.AssertSameBits(scalar[k], actual[k], $"state {k} n={n}");
            for (int i = 0; i < n; i++)
                if (float.IsNaN(g[i]))
                    for (int k = 0; k < actual.Length; k++)
                        Assert.True(float.IsNaN(actual[k][i]), $"NaN gradient did not reach state {k} at {i}");

            float[][] Run(SimdLevel runLevel)
            {
                using var _ = SimdLevels.Force(runLevel);
                float[] sw = (float[])w.Clone(), mw = (float[])w.Clone(), vel = (float[])m.Clone();
                float[] aw = (float[])w.Clone(), am = (float[])m.Clone(), av = (float[])v.Clone();
                float[] nw = (float[])w.Clone(), nv = (float[])m.Clone();
                OptimizerUpdates.Sgd(g, sw, LearningRate);
                OptimizerUpdates.SgdMomentum(g, mw, vel, LearningRate, 0.9f);
                OptimizerUpdates.SgdMomentum(g, nw, nv, LearningRate, 0.9f, nesterov: true);
                OptimizerUpdates.Adam(g, aw, am, av, 3, LearningRate, weightDecay: 0.1f);
                return [sw, mw, vel, nw, nv, aw, am, av];
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AdamStoresSubnormalFirstMomentsAsZero(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        const int n = 37; // two 16-lane vectors and a tail at every level
        float subnormal = 1e-39f, tinyNormal = 2e-38f;
        float[] g = new float[n], w = new float[n], m = new float[n], v = new float[n];
        for (int i = 0; i < n; i++)
        {
            w[i] = 1f;
            switch (i % 4)
            {
                case 0: m[i] = subnormal; v[i] = subnormal; break;        // m decays further: flushed; v is kept
                case 1: g[i] = 1e-37f; break;                              // new m = 1e-38: flushed
                case 2: m[i] = tinyNormal * 2; v[i] = tinyNormal; break;  // stays normal: kept
                default: g[i] = float.NaN; break;                          // NaN passes through
            }
        }
        OptimizerUpdates.Adam(g, w, m, v, 5, LearningRate);
        for (int i = 0; i < n; i++)
        {
            string at = $"{level} i={i}";
            switch (i % 4)
            {
                case 0 or 1:
                    Assert.True(BitConverter.SingleToInt32Bits(m[i]) == 0, $"{at}: m = {m[i]:R} is not +0");
                    Assert.Equal(i % 4 == 0 ? 0.999f * subnormal : 0f, v[i]);
                    Assert.Equal(1f, w[i]);
                    break;
                case 2:
                    Assert.Equal(0.9f * (tinyNormal * 2), m[i]);
                    Assert.Equal(0.999f * tinyNormal, v[i]);
                    break;
                default:
                    Assert.True(float.IsNaN(m[i]) && float.IsNaN(v[i]) && float.IsNaN(w[i]), $"{at}: NaN did not propagate");
                    break;
            }
        }
    }

    [Fact]
    public void AdamWithoutWeightDecayKeepsInfiniteWeightsInfinite()
    {
        float[] w = [float.PositiveInfinity, 1f], m = new float[2], v = new float[2], g = [0.5f, 0.5f];
        OptimizerUpdates.Adam(g, w, m, v, 1, LearningRate);
        Assert.Equal(float.PositiveInfinity, w[0]);
    }

    [Fact]
    public void HyperParameterErrorsNameTheParameter()
    {
        float[] g = new float[8], w = new float[8], m = new float[8], v = new float[8];
        string Adam(int step = 1, float lr = 0.1f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f, float wd = 0f) =>
            Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerUpdates.Adam(g, w, m, v, step, lr, b1, b2, eps, wd)).ParamName!;
        Assert.Equal("step", Adam(step: 0));
        Assert.Equal("learningRate", Adam(lr: -1f));
        Assert.Equal("learningRate", Adam(lr: float.NaN));
        Assert.Equal("beta1", Adam(b1: 1f));
        Assert.Equal("beta1", Adam(b1: -0.1f));
        Assert.Equal("beta2", Adam(b2: float.NaN));
        Assert.Equal("epsilon", Adam(eps: 0f));
        Assert.Equal("epsilon", Adam(eps: float.PositiveInfinity));
        Assert.Equal("weightDecay", Adam(wd: -0.5f));
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerUpdates.Sgd(g, w, float.PositiveInfinity)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerUpdates.SgdMomentum(g, w, v, 0.1f, 1f)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerUpdates.SgdMomentum(g, w, v, 0.1f, float.NaN)).ParamName);
    }

    [Fact]
    public void ShapeAndAliasingErrorsNameTheParameter()
    {
        float[] g = new float[8], w = new float[8], m = new float[8], shortState = new float[7];
        float[] big = new float[32];
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => OptimizerUpdates.Sgd(g, shortState, 0.1f)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => OptimizerUpdates.Sgd(g, g, 0.1f)).ParamName);
        Assert.Equal("velocity", Assert.Throws<ArgumentException>(() => OptimizerUpdates.SgdMomentum(g, w, shortState, 0.1f, 0.9f)).ParamName);
        Assert.Equal("velocity", Assert.Throws<ArgumentException>(() => OptimizerUpdates.SgdMomentum(g, big.AsSpan(0, 8), big.AsSpan(4, 8), 0.1f, 0.9f)).ParamName);
        Assert.Equal("secondMoment", Assert.Throws<ArgumentException>(() => OptimizerUpdates.Adam(g, w, m, shortState, 1, 0.1f)).ParamName);
        Assert.Equal("secondMoment", Assert.Throws<ArgumentException>(() => OptimizerUpdates.Adam(g, w, m, m, 1, 0.1f)).ParamName);
        Assert.Equal("firstMoment", Assert.Throws<ArgumentException>(() => OptimizerUpdates.Adam(g, big.AsSpan(0, 8), big.AsSpan(7, 8), big.AsSpan(16, 8), 1, 0.1f)).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        const int n = 1000;
        float[] g = TestSupport.Uniform(n, 1), w = TestSupport.Uniform(n, 2), m = new float[n], v = new float[n];
        int step = 0;
        TestSupport.AssertNoAllocation(() =>
        {
            OptimizerUpdates.Sgd(g, w, 0.01f);
            OptimizerUpdates.SgdMomentum(g, w, m, 0.01f, 0.9f, nesterov: step % 2 == 0);
            OptimizerUpdates.Adam(g, w, m, v, ++step, 0.001f, weightDecay: 0.01f);
        }, "Optimizers");
    }
}
