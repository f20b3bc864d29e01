namespace Simd.Kernels.Tests;

public class BiasesTests
{
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AddBiasMatchesReferenceForEveryShape(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((int rows, int cols) in BlasTestSupport.Shapes())
        {
            int n = rows * cols;
            float[] x = TestSupport.Uniform(n, n + cols), bias = TestSupport.Uniform(cols, cols);
            var expected = new double[n];
            Reference.AddBias(x, bias, expected, rows, cols);
            (float[] buffer, int start) = TestSupport.Unaligned(new float[n], 1 + cols % 3);
            Span<float> destination = buffer.AsSpan(start, n);
            Biases.AddBias(x, bias, destination, rows, cols);
            TestSupport.AssertClose(expected, destination, 1e-6, 1e-7, $"AddBias {rows}×{cols}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, $"AddBias {rows}×{cols}");

            (float[] inPlace, int s) = TestSupport.Unaligned(x, cols % 4);
            Biases.AddBias(inPlace.AsSpan(s, n), bias, rows, cols);
            BlasTestSupport.AssertSameBits(destination, inPlace.AsSpan(s, n), $"AddBias in place {rows}×{cols}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AddBiasIsItsFloatFormulaBitwiseWithSpecialValues(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((int rows, int cols) in BlasTestSupport.Shapes())
        {
            int n = rows * cols;
            float[] x = BlasTestSupport.WithSpecials(n, n), bias = BlasTestSupport.WithSpecials(cols, cols + 1);
            var expected = new float[n];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    expected[r * cols + c] = x[r * cols + c] + bias[c];
            var actual = new float[n];
            Biases.AddBias(x, bias, actual, rows, cols);
            BlasTestSupport.AssertSameBits(expected, actual, $"AddBias specials {rows}×{cols}");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void BiasGradientMatchesReferenceForEveryShape(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (bool accumulate in new[] { false, true })
        {
            foreach ((int rows, int cols) in BlasTestSupport.Shapes())
            {
                int n = rows * cols;
                float[] delta = TestSupport.Uniform(n, n + 3), initial = TestSupport.Uniform(cols, cols + 4);
                var expected = new double[cols];
                Reference.BiasGradient(delta, initial, expected, rows, cols, accumulate);
                (float[] buffer, int start) = TestSupport.Unaligned(initial, rows % 4);
                Span<float> gradient = buffer.AsSpan(start, cols);
                (float[] dbuffer, int dstart) = TestSupport.Unaligned(delta, cols % 3);
                Biases.BiasGradient(dbuffer.AsSpan(dstart, n), gradient, rows, cols, accumulate);

                double magnitude = rows + (accumulate ? 1 : 0);
                TestSupport.AssertClose(expected, gradient, 0, BlasTestSupport.SumTolerance(rows, magnitude), $"BiasGradient accumulate={accumulate} {rows}×{cols}");
                BlasTestSupport.AssertGuardsIntact(buffer, start, cols, $"BiasGradient {rows}×{cols}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void BiasGradientIsTheSameBitsAtEveryLevelAndAlignmentWithSpecialValues(SimdLevel level)
    {
        foreach ((int rows, int cols) in BlasTestSupport.Shapes())
        {
            int n = rows * cols;
            float[] delta = BlasTestSupport.WithSpecials(n, n + 5), initial = BlasTestSupport.WithSpecials(cols, cols + 6);
            var sequential = new float[cols];
            for (int c = 0; c < cols; c++)
            {
                float sum = initial[c];
                for (int r = 0; r < rows; r++) sum += delta[r * cols + c];
                sequential[c] = sum;
            }
            using var _ = SimdLevels.Force(level);
            (float[] buffer, int start) = TestSupport.Unaligned(delta, 1 + (rows + cols) % 5);
            float[] gradient = (float[])initial.Clone();
            Biases.BiasGradient(buffer.AsSpan(start, n), gradient, rows, cols, accumulate: true);
            BlasTestSupport.AssertSameBits(sequential, gradient, $"BiasGradient specials {rows}×{cols}");
            for (int c = 0; c < cols; c++)
                for (int r = 0; r < rows; r++)
                    if (float.IsNaN(delta[r * cols + c]))
                        Assert.True(float.IsNaN(gradient[c]), $"NaN in row {r} did not reach column {c}");
        }
    }

    [Fact]
    public void BiasGradientOverwritesWithoutAccumulate()
    {
        float[] gradient = [float.NaN, 5f, float.NaN];
        Biases.BiasGradient([1f, 2f, 3f, 4f, 5f, 6f], gradient, 2, 3, accumulate: false);
        Assert.Equal([5f, 7f, 9f], gradient);
        Biases.BiasGradient([], gradient, 0, 3, accumulate: false);
        Assert.Equal([0f, 0f, 0f], gradient);
    }

    [Fact]
    public void ArgumentErrorsNameTheParameterAndShape()
    {
        float[] delta = new float[300], db = new float[10];
        var error = Assert.Throws<ArgumentException>(() => Biases.BiasGradient(delta, db, 32, 10, accumulate: true));
        Assert.Equal("delta", error.ParamName);
        Assert.StartsWith("delta has 300 elements but rows 32 × cols 10 needs 320", error.Message);
        error = Assert.Throws<ArgumentException>(() => Biases.BiasGradient(new float[320], new float[9], 32, 10, accumulate: true));
        Assert.Equal("biasGradient", error.ParamName);
        Assert.StartsWith("biasGradient has 9 elements but cols 10 needs 10", error.Message);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => Biases.BiasGradient(delta, db, -1, 10, false)).ParamName);
        Assert.Equal("cols", Assert.Throws<ArgumentOutOfRangeException>(() => Biases.AddBias(delta, db, delta, 30, -10)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Biases.AddBias(delta, db, 31, 10)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Biases.AddBias(delta, new float[11], 30, 10)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Biases.AddBias(delta, db, new float[299], 30, 10)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Biases.AddBias(delta, db, 1 << 16, 1 << 16)).ParamName);

        float[] big = new float[64];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Biases.AddBias(big.AsSpan(0, 20), db, big.AsSpan(4, 20), 2, 10)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Biases.AddBias(big.AsSpan(0, 20), big.AsSpan(0, 10), big.AsSpan(0, 20), 2, 10)).ParamName);
        Assert.Equal("biasGradient", Assert.Throws<ArgumentException>(() => Biases.BiasGradient(big.AsSpan(0, 20), big.AsSpan(15, 10), 2, 10, true)).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        float[] x = TestSupport.Uniform(128 * 256, 1), bias = TestSupport.Uniform(256, 2), db = new float[256], y = new float[128 * 256];
        TestSupport.AssertNoAllocation(() =>
        {
            Biases.AddBias(x, bias, y, 128, 256);
            Biases.AddBias(y, bias, 128, 256);
            Biases.BiasGradient(x, db, 128, 256, accumulate: false);
            Biases.BiasGradient(x, db, 128, 256, accumulate: true);
        }, "Bias");
    }

    /// <summary>The GEMM epilogue's unchecked row add gives AddBias's bits, with special values, at every level.</summary>
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AddToRowGivesAddBiasBits(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int cols in TestSupport.Lengths())
        {
            float[] row = TestSupport.Uniform(cols, cols + 1), bias = TestSupport.Uniform(cols, cols + 2), expected = new float[cols];
            for (int j = 0; j < cols; j += 11) row[j] = TestSupport.SpecialValues[j % TestSupport.SpecialValues.Length];
            Biases.AddBias(row, bias, expected, 1, cols);
            Biases.AddToRow(row, bias, level);
            Assert.True(expected.AsSpan().SequenceEqual(row), $"{level}, {cols} columns");
        }
    }
}
