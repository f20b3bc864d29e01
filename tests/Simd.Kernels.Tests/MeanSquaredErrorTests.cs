namespace Simd.Kernels.Tests;

public class MeanSquaredErrorTests
{
    public static TheoryData<SimdLevel, LossReduction> LevelsAndReductions()
    {
        var data = new TheoryData<SimdLevel, LossReduction>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (LossReduction reduction in new[] { LossReduction.Sum, LossReduction.Mean })
                data.Add(level, reduction);
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndReductions))]
    public void LossAndGradientMatchReferenceForEveryShape(SimdLevel level, LossReduction reduction)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((int rows, int cols) in BlasTestSupport.Shapes().Append((2, 2 * Blas1.BlockLength + 1)))
        {
            int n = rows * cols;
            float[] a = TestSupport.Uniform(n, n + cols), y = TestSupport.Uniform(n, n + cols + 1);
            var expectedGradient = new double[n];
            double expected = Reference.MeanSquaredError(a, y, expectedGradient, rows, reduction);
            (float[] ba, int sa) = TestSupport.Unaligned(a, cols % 4);
            (float[] buffer, int start) = TestSupport.Unaligned(new float[n], 1 + rows % 3);
            Span<float> gradient = buffer.AsSpan(start, n);

            float loss = MeanSquaredError.LossAndGradient(ba.AsSpan(sa, n), y, gradient, rows, cols, reduction);

            double magnitude = 2 * expected;
            string context = $"{reduction} {rows}×{cols}";
            TestSupport.AssertClose(expected, loss, 0, BlasTestSupport.SumTolerance(n, magnitude), $"loss {context}");
            TestSupport.AssertClose(expectedGradient, gradient, 1e-6, 1e-7, $"gradient {context}");
            BlasTestSupport.AssertGuardsIntact(buffer, start, n, context);
            BlasTestSupport.AssertSameBits(loss, MeanSquaredError.Loss(a, y, rows, cols, reduction), $"Loss equals LossAndGradient {context}");
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndReductions))]
    public void InPlaceOverPredictionsOrTargetsGivesTheSameBits(SimdLevel level, LossReduction reduction)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((int rows, int cols) in new[] { (1, 5), (3, 17), (32, 10), (4, 2 * Blas1.BlockLength + 3) })
        {
            int n = rows * cols;
            float[] a = TestSupport.Uniform(n, n), y = TestSupport.Uniform(n, n + 1), gradient = new float[n];
            float loss = MeanSquaredError.LossAndGradient(a, y, gradient, rows, cols, reduction);

            float[] overA = (float[])a.Clone();
            BlasTestSupport.AssertSameBits(loss, MeanSquaredError.LossAndGradient(overA, y, overA, rows, cols, reduction), "loss in place over a");
            BlasTestSupport.AssertSameBits(gradient, overA, "gradient in place over a");

            float[] overY = (float[])y.Clone();
            BlasTestSupport.AssertSameBits(loss, MeanSquaredError.LossAndGradient(a, overY, overY, rows, cols, reduction), "loss in place over y");
            BlasTestSupport.AssertSameBits(gradient, overY, "gradient in place over y");
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndReductions))]
    public void GradientIsItsFloatFormulaBitwiseAndNaNReachesTheLoss(SimdLevel level, LossReduction reduction)
    {
        using var _ = SimdLevels.Force(level);
        foreach ((int rows, int cols) in BlasTestSupport.Shapes())
        {
            int n = rows * cols;
            float[] a = BlasTestSupport.WithSpecials(n, n), y = BlasTestSupport.WithSpecials(n, n + 1);
            float s = reduction == LossReduction.Mean ? 1f / rows : 1f;
            var expected = new float[n];
            bool anyNaN = false;
            for (int i = 0; i < n; i++)
            {
                expected[i] = (a[i] - y[i]) * s;
                anyNaN |= float.IsNaN(expected[i]);
            }
            var gradient = new float[n];
            float loss = MeanSquaredError.LossAndGradient(a, y, gradient, rows, cols, reduction);
            BlasTestSupport.AssertSameBits(expected, gradient, $"gradient specials {reduction} {rows}×{cols}");
            if (anyNaN)
                Assert.True(float.IsNaN(loss), $"NaN did not reach the loss {rows}×{cols}");
        }
        float[] huge = [3e19f, 0f];
        Assert.Equal(float.PositiveInfinity, MeanSquaredError.Loss(huge, [0f, 0f], 1, 2, reduction));
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void LossIsTheSameBitsAtEveryAlignment(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        const int rows = 7, cols = 1001;
        float[] a = TestSupport.Uniform(rows * cols, 1), y = TestSupport.Uniform(rows * cols, 2);
        float loss = MeanSquaredError.Loss(a, y, rows, cols, LossReduction.Mean);
        for (int offset = 1; offset < 8; offset++)
        {
            (float[] ba, int sa) = TestSupport.Unaligned(a, offset);
            (float[] by, int sy) = TestSupport.Unaligned(y, 8 - offset);
            var gradient = new float[rows * cols];
            BlasTestSupport.AssertSameBits(loss, MeanSquaredError.LossAndGradient(ba.AsSpan(sa, rows * cols), by.AsSpan(sy, rows * cols), gradient, rows, cols, LossReduction.Mean), $"offset {offset}");
        }
    }

    [Fact]
    public void MeanDividesByRowsNotByElements()
    {
        float[] a = [1f, 2f, 3f, 4f, 5f, 6f], y = new float[6], gradient = new float[6];
        float sum = MeanSquaredError.LossAndGradient(a, y, gradient, 2, 3, LossReduction.Sum);
        Assert.Equal(0.5f * 91f, sum);
        Assert.Equal(a, gradient);
        float mean = MeanSquaredError.LossAndGradient(a, y, gradient, 2, 3, LossReduction.Mean);
        Assert.Equal(0.5f * 91f / 2f, mean);
        Assert.Equal([0.5f, 1f, 1.5f, 2f, 2.5f, 3f], gradient);
        Assert.Equal(0f, MeanSquaredError.LossAndGradient([], [], [], 0, 10, LossReduction.Mean));
    }

    [Fact]
    public void ArgumentErrorsNameTheParameterAndShape()
    {
        float[] a = new float[320], y = new float[320], g = new float[320];
        var error = Assert.Throws<ArgumentException>(() => MeanSquaredError.LossAndGradient(new float[300], y, g, 32, 10, LossReduction.Mean));
        Assert.Equal("predictions", error.ParamName);
        Assert.StartsWith("predictions has 300 elements but rows 32 × cols 10 needs 320", error.Message);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => MeanSquaredError.Loss(a, new float[321], 32, 10, LossReduction.Sum)).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => MeanSquaredError.LossAndGradient(a, y, new float[319], 32, 10, LossReduction.Sum)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => MeanSquaredError.Loss(a, y, -32, -10, LossReduction.Sum)).ParamName);
        Assert.Equal("reduction", Assert.Throws<ArgumentOutOfRangeException>(() => MeanSquaredError.Loss(a, y, 32, 10, (LossReduction)7)).ParamName);
        float[] big = new float[700];
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => MeanSquaredError.LossAndGradient(big.AsSpan(0, 320), y, big.AsSpan(1, 320), 32, 10, LossReduction.Sum)).ParamName);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        float[] a = TestSupport.Uniform(128 * 10, 1), y = TestSupport.Uniform(128 * 10, 2), g = new float[128 * 10];
        float sink = 0;
        TestSupport.AssertNoAllocation(() =>
        {
            sink += MeanSquaredError.LossAndGradient(a, y, g, 128, 10, LossReduction.Mean);
            sink += MeanSquaredError.Loss(a, y, 128, 10, LossReduction.Sum);
        }, "MeanSquaredError");
        Assert.True(float.IsFinite(sink));
    }
}
