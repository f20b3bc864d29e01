namespace Simd.Kernels.Tests;

public class Blas1Tests
{
    private const float Alpha = -0.75f;

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AxpyMatchesReferenceAtEveryLengthAndOffset(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1);
            var expected = new double[n];
            Reference.Axpy(Alpha, x, y, expected);
            (float[] buffer, int start) = TestSupport.Unaligned(y, n % 4);
            Blas1.Axpy(Alpha, x, buffer.AsSpan(start, n));
            TestSupport.AssertClose(expected, buffer.AsSpan(start, n), 1e-6, 1e-6, $"Axpy n={n}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, $"Axpy n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ElementWiseKernelsMatchTheirFloatFormulaBitwiseWithSpecialValues(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] x = BlasTestSupport.WithSpecials(n, n), y = BlasTestSupport.WithSpecials(n, n + 1);
            var expected = new float[n];
            var actual = new float[n];

            for (int i = 0; i < n; i++) expected[i] = y[i] + Alpha * x[i];
            y.CopyTo(actual, 0);
            Blas1.Axpy(Alpha, x, actual);
            BlasTestSupport.AssertSameBits(expected, actual, $"Axpy n={n}");

            for (int i = 0; i < n; i++) expected[i] = Alpha * x[i];
            Blas1.Scale(Alpha, x, actual);
            BlasTestSupport.AssertSameBits(expected, actual, $"Scale n={n}");

            for (int i = 0; i < n; i++) expected[i] = x[i] + y[i];
            Blas1.Add(x, y, actual);
            BlasTestSupport.AssertSameBits(expected, actual, $"Add n={n}");

            for (int i = 0; i < n; i++) expected[i] = x[i] - y[i];
            Blas1.Subtract(x, y, actual);
            BlasTestSupport.AssertSameBits(expected, actual, $"Subtract n={n}");

            for (int i = 0; i < n; i++) expected[i] = x[i] * y[i];
            Blas1.Multiply(x, y, actual);
            BlasTestSupport.AssertSameBits(expected, actual, $"Multiply n={n}");

            for (int i = 0; i < n; i++)
                if (float.IsNaN(x[i]))
                    Assert.True(float.IsNaN(actual[i]), $"NaN did not propagate at {i}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ScaleAddSubtractMultiplyMatchReferenceUnaligned(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths())
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1);
            var expected = new double[n];
            (float[] buffer, int start) = TestSupport.Unaligned(new float[n], 1 + n % 3);
            Span<float> destination = buffer.AsSpan(start, n);

            Reference.Scale(Alpha, x, expected);
            Blas1.Scale(Alpha, x, destination);
            TestSupport.AssertClose(expected, destination, 1e-6, 0, $"Scale n={n}");

            Reference.Add(x, y, expected);
            Blas1.Add(x, y, destination);
            TestSupport.AssertClose(expected, destination, 1e-6, 1e-7, $"Add n={n}");

            Reference.Subtract(x, y, expected);
            Blas1.Subtract(x, y, destination);
            TestSupport.AssertClose(expected, destination, 1e-6, 1e-7, $"Subtract n={n}");

            Reference.Multiply(x, y, expected);
            Blas1.Multiply(x, y, destination);
            TestSupport.AssertClose(expected, destination, 1e-6, 0, $"Multiply n={n}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, $"n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void InPlaceGivesTheOutOfPlaceResult(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in new[] { 1, 7, 15, 17, 33, 67, 1000 })
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1);
            var expected = new float[n];

            Blas1.Scale(Alpha, x, expected);
            float[] work = (float[])x.Clone();
            Blas1.Scale(Alpha, work);
            BlasTestSupport.AssertSameBits(expected, work, $"Scale in place n={n}");

            Blas1.Add(x, y, expected);
            work = (float[])x.Clone();
            Blas1.Add(work, y, work);
            BlasTestSupport.AssertSameBits(expected, work, $"Add into x n={n}");

            Blas1.Subtract(x, y, expected);
            work = (float[])y.Clone();
            Blas1.Subtract(x, work, work);
            BlasTestSupport.AssertSameBits(expected, work, $"Subtract into y n={n}");

            for (int i = 0; i < n; i++) expected[i] = x[i] + Alpha * x[i];
            work = (float[])x.Clone();
            Blas1.Axpy(Alpha, work, work);
            BlasTestSupport.AssertSameBits(expected, work, $"Axpy x = y n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void DotAndSumOfSquaresMatchReferenceWithinRoundingBound(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in TestSupport.Lengths().Append(3 * Blas1.BlockLength + 5))
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1, 0f, 2f);
            (float[] bx, int sx) = TestSupport.Unaligned(x, n % 4);
            (float[] by, int sy) = TestSupport.Unaligned(y, (n + 1) % 4);
            ReadOnlySpan<float> ux = bx.AsSpan(sx, n), uy = by.AsSpan(sy, n);

            double dot = Reference.Dot(x, y);
            TestSupport.AssertClose(dot, Blas1.Dot(ux, uy), 0, BlasTestSupport.SumTolerance(n, Reference.DotMagnitude(x, y)), $"Dot n={n}");
            double squares = Reference.SumOfSquares(x);
            TestSupport.AssertClose(squares, Blas1.SumOfSquares(ux), 0, BlasTestSupport.SumTolerance(n, squares), $"SumOfSquares n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void BlockedReductionStaysAccurateOnLongInputs(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        // A sequential float sum of 2^20 values near 1 loses about 2^20·ε relative; blocking keeps the
        // error near BlockLength·ε / lanes, so a bound in terms of BlockLength must hold.
        const int n = 1 << 20;
        float[] x = TestSupport.Uniform(n, 5, 0.999f, 1.001f);
        double squares = Reference.SumOfSquares(x);
        TestSupport.AssertClose(squares, Blas1.SumOfSquares(x), 0, BlasTestSupport.SumTolerance(Blas1.BlockLength, squares), "SumOfSquares 2^20");
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ReductionsGiveTheSameBitsAtEveryAlignment(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in new[] { 3, 17, 63, 64, 65, 255, 1000, Blas1.BlockLength + 3 })
        {
            float[] x = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, 2 * n);
            float dot = Blas1.Dot(x, y), squares = Blas1.SumOfSquares(x);
            for (int offset = 1; offset < 8; offset++)
            {
                (float[] bx, int sx) = TestSupport.Unaligned(x, offset);
                (float[] by, int sy) = TestSupport.Unaligned(y, 7 - offset);
                BlasTestSupport.AssertSameBits(dot, Blas1.Dot(bx.AsSpan(sx, n), by.AsSpan(sy, n)), $"Dot n={n} offset={offset}");
                BlasTestSupport.AssertSameBits(squares, Blas1.SumOfSquares(bx.AsSpan(sx, n)), $"SumOfSquares n={n} offset={offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ReductionsFollowTheDocumentedSpecialValueRules(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int n in new[] { 1, 5, 16, 37, 100 })
        {
            for (int at = 0; at < n; at += Math.Max(1, n / 7))
            {
                float[] x = TestSupport.Uniform(n, n), ones = new float[n];
                Array.Fill(ones, 1f);

                x[at] = float.NaN;
                Assert.True(float.IsNaN(Blas1.Dot(x, ones)), $"Dot NaN n={n} at={at}");
                Assert.True(float.IsNaN(Blas1.SumOfSquares(x)), $"SumOfSquares NaN n={n} at={at}");

                x[at] = float.PositiveInfinity;
                Assert.Equal(float.PositiveInfinity, Blas1.Dot(x, ones));
                Assert.Equal(float.PositiveInfinity, Blas1.SumOfSquares(x));
                ones[at] = 0f;
                Assert.True(float.IsNaN(Blas1.Dot(x, ones)), $"Dot ∞·0 n={n} at={at}");

                x[at] = 3e19f;
                Assert.Equal(float.PositiveInfinity, Blas1.SumOfSquares(x));

                x[at] = -0f;
                ones[at] = 1f;
                float[] subnormal = new float[n];
                Array.Fill(subnormal, 1e-40f);
                Assert.Equal(0f, Blas1.SumOfSquares(subnormal));
                Assert.Equal((float)Reference.Dot(subnormal, ones), Blas1.Dot(subnormal, ones), 1e-45f);
            }
        }
    }

    [Fact]
    public void EmptyReductionsAreZero()
    {
        Assert.Equal(0f, Blas1.Dot([], []));
        Assert.Equal(0f, Blas1.SumOfSquares([]));
    }

    [Fact]
    public void ArgumentErrorsNameTheParameter()
    {
        float[] a = new float[8], b = new float[7];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Blas1.Axpy(1f, a, b)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Blas1.Dot(a, b)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Blas1.Add(a, b, new float[8])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Blas1.Multiply(a, a, b)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Blas1.Scale(2f, a, b)).ParamName);
        var error = Assert.Throws<ArgumentException>(() => Blas1.Subtract(a, b, a));
        Assert.Contains("7", error.Message);
        Assert.Contains("8", error.Message);

        float[] big = new float[16];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Blas1.Axpy(1f, big.AsSpan(0, 8), big.AsSpan(1, 8))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Blas1.Scale(1f, big.AsSpan(2, 8), big.AsSpan(0, 8))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Blas1.Add(big.AsSpan(0, 8), big.AsSpan(8, 8), big.AsSpan(4, 8))).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        float[] x = TestSupport.Uniform(1000, 1), y = TestSupport.Uniform(1000, 2), d = new float[1000];
        float sink = 0;
        TestSupport.AssertNoAllocation(() =>
        {
            Blas1.Axpy(0.5f, x, y);
            Blas1.Scale(0.5f, x, d);
            Blas1.Scale(2f, d);
            Blas1.Add(x, y, d);
            Blas1.Subtract(x, y, d);
            Blas1.Multiply(x, y, d);
            sink += Blas1.Dot(x, y) + Blas1.SumOfSquares(x);
        }, "Blas1");
        Assert.True(float.IsFinite(sink));
    }
}
