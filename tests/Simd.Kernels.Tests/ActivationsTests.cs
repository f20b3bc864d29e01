namespace Simd.Kernels.Tests;

public class ActivationsTests
{
    private const double Unit = 1.0 / (1 << 23);
    private const double MinNormal = 1.1754943508222875e-38;

    public static TheoryData<SimdLevel, ActivationFunction> LevelsAndActivations()
    {
        var data = new TheoryData<SimdLevel, ActivationFunction>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (ActivationFunction activation in Enum.GetValues<ActivationFunction>())
                data.Add(level, activation);
        return data;
    }

    /// <summary>Relative tolerance of σ (forward) in units of 2^-23, as documented on Activations.</summary>
    private static double ForwardTolerance(ActivationFunction activation) => activation switch
    {
        ActivationFunction.Sigmoid => 1.5 * Unit,
        ActivationFunction.Tanh => 2 * Unit,
        _ => 0,
    };

    /// <summary>Inputs in [−12, 12) with the special values planted every 37 elements.</summary>
    private static float[] Inputs(int length, int seed)
    {
        float[] x = TestSupport.Uniform(length, seed, -12f, 12f);
        for (int i = 0, k = seed; i < length; i += 37, k++)
            x[i] = TestSupport.SpecialValues[k % TestSupport.SpecialValues.Length];
        return x;
    }

    private static void Forward(ActivationFunction activation, ReadOnlySpan<float> x, Span<float> destination, bool named)
    {
        if (!named) { Activations.Forward(activation, x, destination); return; }
        switch (activation)
        {
            case ActivationFunction.Relu: Activations.Relu(x, destination); break;
            case ActivationFunction.Sigmoid: Activations.Sigmoid(x, destination); break;
            case ActivationFunction.Tanh: Activations.Tanh(x, destination); break;
            default: Activations.Forward(activation, x, destination); break;
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndActivations))]
    public void ForwardMatchesReferenceAtEveryLength(SimdLevel level, ActivationFunction activation)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] x = Inputs(n, n);
            double[] expected = Reference.Forward(activation, x);
            var (buffer, start) = TestSupport.Unaligned(new float[n], n % 5 + 1);
            Span<float> destination = buffer.AsSpan(start, n);
            Forward(activation, x, destination, named: n % 2 == 0);
            TestSupport.AssertClose(expected, destination, ForwardTolerance(activation), MinNormal, $"{activation} n={n}");
            Assert.True(float.IsNaN(buffer[^1]), $"{activation} n={n} wrote past the end");
            Assert.True(float.IsNaN(buffer[start - 1]), $"{activation} n={n} wrote before the start");

            var (inPlace, offset) = TestSupport.Unaligned(x, n % 3 + 1);
            Forward(activation, inPlace.AsSpan(offset, n), inPlace.AsSpan(offset, n), named: n % 2 == 1);
            TestSupport.AssertClose(expected, inPlace.AsSpan(offset, n), ForwardTolerance(activation), MinNormal, $"{activation} in place n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ForwardSpecialValuesAndSignedZeros(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        // Every special value at every lane position of a vector body and of the overlapping tail.
        foreach (float special in TestSupport.SpecialValues)
        {
            foreach (int n in new[] { 3, 21, 37 })
            {
                for (int position = 0; position < n; position++)
                {
                    float[] x = TestSupport.Uniform(n, position, -3f, 3f);
                    x[position] = special;
                    var destination = new float[n];
                    foreach (ActivationFunction activation in new[] { ActivationFunction.Relu, ActivationFunction.Sigmoid, ActivationFunction.Tanh })
                    {
                        Activations.Forward(activation, x, destination);
                        TestSupport.AssertClose(Reference.Forward(activation, x), destination, ForwardTolerance(activation), MinNormal, $"{activation}({special})");
                    }
                }
            }
        }
        var d = new float[20];
        float[] zeros = [.. Enumerable.Repeat(-0f, 20)];
        Activations.Tanh(zeros, d);
        Assert.All(d, v => Assert.True(float.IsNegative(v) && v == 0, "tanh(−0) must be −0"));
        Activations.Relu(zeros, d);
        Assert.All(d, v => Assert.True(!float.IsNegative(v) && v == 0, "relu(−0) must be +0"));
        Activations.Tanh([.. Enumerable.Repeat(10f, 20)], d);
        Assert.All(d, v => Assert.Equal(1f, v));
        Activations.Tanh([.. Enumerable.Repeat(-1e30f, 20)], d);
        Assert.All(d, v => Assert.Equal(-1f, v));
        Activations.Sigmoid([.. Enumerable.Repeat(float.NegativeInfinity, 20)], d);
        Assert.All(d, v => Assert.True(v == 0 && !float.IsNegative(v)));
        Activations.Sigmoid([.. Enumerable.Repeat(1e30f, 20)], d);
        Assert.All(d, v => Assert.Equal(1f, v));
    }

    private static (float[] Gradient, float[] Saved) BackwardInputs(ActivationFunction activation, int n, int seed)
    {
        float[] g = TestSupport.Uniform(n, seed, -2f, 2f);
        float[] saved = activation switch
        {
            ActivationFunction.Sigmoid => TestSupport.Uniform(n, seed + 1, 0f, 1f),
            ActivationFunction.Tanh => TestSupport.Uniform(n, seed + 1, -1f, 1f),
            _ => TestSupport.Uniform(n, seed + 1, -1f, 1f),
        };
        for (int i = 0; i < n; i += 11)
            saved[i] = activation == ActivationFunction.Relu ? (i % 2 == 0 ? 0f : -0f) : (i % 2 == 0 ? 1f : 0f);
        return (g, saved);
    }

    [Theory]
    [MemberData(nameof(LevelsAndActivations))]
    public void BackwardMatchesReferenceAtEveryLength(SimdLevel level, ActivationFunction activation)
    {
        using var _ = SimdLevels.Force(level);
        double tolerance = activation is ActivationFunction.Sigmoid or ActivationFunction.Tanh ? 3 * Unit : 0;
        foreach (int n in TestSupport.Lengths())
        {
            var (g, saved) = BackwardInputs(activation, n, n);
            double[] expected = Reference.Backward(activation, g, saved);
            var (buffer, start) = TestSupport.Unaligned(new float[n], n % 7 + 1);
            Span<float> destination = buffer.AsSpan(start, n);
            Activations.Backward(activation, g, saved, destination);
            TestSupport.AssertClose(expected, destination, tolerance, 0, $"{activation}′ n={n}");
            Assert.True(float.IsNaN(buffer[^1]) && float.IsNaN(buffer[start - 1]), $"{activation}′ n={n} wrote outside destination");

            float[] intoGradient = (float[])g.Clone();
            Backward(activation, intoGradient, saved, intoGradient, named: true);
            TestSupport.AssertClose(expected, intoGradient, tolerance, 0, $"{activation}′ in place over gradient n={n}");
            float[] intoSaved = (float[])saved.Clone();
            Backward(activation, g, intoSaved, intoSaved, named: true);
            TestSupport.AssertClose(expected, intoSaved, tolerance, 0, $"{activation}′ in place over saved n={n}");
        }
    }

    private static void Backward(ActivationFunction activation, ReadOnlySpan<float> g, ReadOnlySpan<float> saved, Span<float> destination, bool named)
    {
        if (!named) { Activations.Backward(activation, g, saved, destination); return; }
        switch (activation)
        {
            case ActivationFunction.Relu: Activations.ReluBackward(g, saved, destination); break;
            case ActivationFunction.Sigmoid: Activations.SigmoidBackward(g, saved, destination); break;
            case ActivationFunction.Tanh: Activations.TanhBackward(g, saved, destination); break;
            default: Activations.Backward(activation, g, saved, destination); break;
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ReluBackwardSpecialValuesFollowTheDocumentedRule(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        (float G, float S, float Expected)[] cases =
        [
            (2f, 0f, 0f), (2f, -0f, 0f), (2f, 1e-40f, 2f), (2f, -1e-40f, 0f), (-3f, -1f, -0f),
            (float.NaN, 1f, float.NaN), (float.NaN, -1f, float.NaN), (float.PositiveInfinity, -1f, float.NaN),
            (float.PositiveInfinity, 1f, float.PositiveInfinity), (3f, float.NaN, float.NaN),
            (3f, float.PositiveInfinity, 3f), (3f, float.NegativeInfinity, 0f),
        ];
        foreach (int n in new[] { 1, 5, 19, 40 })
        {
            for (int position = 0; position < n; position++)
            {
                foreach (var (gv, sv, expectedValue) in cases)
                {
                    float[] g = TestSupport.Uniform(n, position, 1f, 2f), s = TestSupport.Uniform(n, position + 9, 1f, 2f);
                    g[position] = gv; s[position] = sv;
                    var d = new float[n];
                    Activations.ReluBackward(g, s, d);
                    float actual = d[position];
                    bool ok = float.IsNaN(expectedValue) ? float.IsNaN(actual)
                        : actual == expectedValue && float.IsNegative(actual) == float.IsNegative(expectedValue);
                    Assert.True(ok, $"ReluBackward(g={gv}, saved={sv}) at {level}, n={n}, i={position}: {actual}, expected {expectedValue}");
                    if (n > 1)
                        Assert.Equal(g[(position + 1) % n], d[(position + 1) % n]);
                }
            }
        }
    }

    [Fact]
    public void ArgumentErrorsNameTheParameter()
    {
        float[] x = new float[10], shorter = new float[9], buffer = new float[20];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Forward(ActivationFunction.Relu, x, shorter)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Sigmoid(x, shorter)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Forward(ActivationFunction.None, x, shorter)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Tanh(buffer.AsSpan(0, 10), buffer.AsSpan(3, 10))).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => Activations.Forward((ActivationFunction)42, x, x)).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => Activations.Backward((ActivationFunction)42, x, x, x)).ParamName);
        Assert.Equal("saved", Assert.Throws<ArgumentException>(() => Activations.ReluBackward(x, shorter, x)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward(x, shorter, x)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.TanhBackward(x, new float[11], x)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.TanhBackward(x, x, shorter)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Backward(ActivationFunction.Sigmoid, buffer.AsSpan(0, 10), x, buffer.AsSpan(1, 10))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Activations.Backward(ActivationFunction.Relu, x, buffer.AsSpan(5, 10), buffer.AsSpan(0, 10))).ParamName);
        Assert.Equal("saved", Assert.Throws<ArgumentException>(() => Activations.Backward(ActivationFunction.None, x, shorter, x)).ParamName);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SteadyStateCallsDoNotAllocate(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        float[] x = TestSupport.Uniform(1001, 1), g = TestSupport.Uniform(1001, 2), d = new float[1001];
        foreach (ActivationFunction activation in Enum.GetValues<ActivationFunction>())
        {
            TestSupport.AssertNoAllocation(() => Activations.Forward(activation, x, d), $"{activation} forward");
            TestSupport.AssertNoAllocation(() => Activations.Backward(activation, g, x, d), $"{activation} backward");
        }
        TestSupport.AssertNoAllocation(() => { Activations.Relu(x, d); Activations.Sigmoid(x, d); Activations.Tanh(x, d); }, "named forward");
        TestSupport.AssertNoAllocation(() => { Activations.ReluBackward(g, x, d); Activations.SigmoidBackward(g, x, d); Activations.TanhBackward(g, x, d); }, "named backward");
    }

    /// <summary>The GEMM epilogue's unchecked in-place σ gives the public Forward's bits, at every length and level.</summary>
    [Theory]
    [MemberData(nameof(LevelsAndActivations))]
    public void ForwardInPlaceGivesForwardsBits(SimdLevel level, ActivationFunction activation)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] x = Inputs(n, n + 3), expected = new float[n];
            Activations.Forward(activation, x, expected);
            Activations.ForwardInPlace(activation, x, level);
            Assert.True(expected.AsSpan().SequenceEqual(x), $"{activation} at {level}, length {n}");
        }
    }
}
