namespace Simd.Kernels.Tests;

public class SoftmaxCrossEntropyTests
{
    /// <summary>(batch, classes) shapes: every class count 1..40, typical and large widths, an empty batch.</summary>
    private static IEnumerable<(int Batch, int Classes)> Shapes()
    {
        yield return (0, 10);
        for (int classes = 1; classes <= 40; classes++) yield return (3, classes);
        yield return (5, 100);
        yield return (2, 1000);
        yield return (1, 4099);
        yield return (1, 10_000);
    }

    /// <summary>Relative tolerance: exp and the final scaling (a few 2^-23) plus float summation over the row.</summary>
    private static double Relative(int classes) => 8.0 / (1 << 23) + classes * 1e-9;

    /// <summary>
    /// Element-wise check with the documented bound: <see cref="Relative"/> plus |z_j − m|·2^-24, the
    /// rounding of the float subtraction z_j − m that e^(z_j − m) amplifies; plus an absolute term.
    /// </summary>
    private static void AssertRows(double[] expected, ReadOnlySpan<float> actual, float[] logits, int batch, int classes, double absolute, string context)
    {
        for (int i = 0; i < batch; i++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < classes; j++) max = float.Max(max, logits[i * classes + j]);
            for (int j = 0; j < classes; j++)
            {
                int k = i * classes + j;
                double gap = Math.Abs((double)logits[k] - max);
                double relative = Relative(classes) + (double.IsFinite(gap) ? gap : 0) / (1 << 24);
                TestSupport.AssertClose(expected[k], actual[k], relative, absolute, context, k);
            }
        }
    }

    private static int[] Labels(int batch, int classes, int seed)
    {
        var random = new Random(seed);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.Next(classes);
        return labels;
    }

    private static void AssertLoss(double expected, float actual, int classes, string context) =>
        TestSupport.AssertClose(expected, actual, Relative(classes), 1e-6, context);

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ForwardBackwardMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (var (batch, classes) in Shapes())
        {
            int n = batch * classes;
            float[] logits = TestSupport.Uniform(n, classes, -6f, 6f);
            int[] labels = Labels(batch, classes, classes + 1);
            float scale = batch == 0 ? 1f : 1f / batch;
            var (losses, expected) = Reference.SoftmaxCrossEntropy(logits, labels, batch, classes, scale);
            double expectedSum = losses.Sum();
            string context = $"{level} batch {batch} classes {classes}";

            var (buffer, start) = TestSupport.Unaligned(new float[n], classes % 5 + 1);
            Span<float> gradient = buffer.AsSpan(start, n);
            float mean = SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, classes, gradient, scale, out float sum);
            AssertRows(expected, gradient, logits, batch, classes, scale * 4.0 / (1 << 23), context + " gradient");
            Assert.True(float.IsNaN(buffer[start - 1]) && float.IsNaN(buffer[^1]), context + " wrote outside gradient");
            AssertLoss(batch == 0 ? 0 : expectedSum / batch, mean, classes, context + " mean loss");
            AssertLoss(expectedSum, sum, classes, context + " loss sum");
            AssertLoss(batch == 0 ? 0 : expectedSum / batch, SoftmaxCrossEntropy.Loss(logits, labels, batch, classes), classes, context + " Loss()");

            float[] inPlace = (float[])logits.Clone();
            float meanInPlace = SoftmaxCrossEntropy.ForwardBackward(inPlace, labels, batch, classes, inPlace, scale);
            Assert.Equal(mean, meanInPlace);
            Assert.True(gradient.SequenceEqual(inPlace), context + " in place differs from out of place");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SoftmaxMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (var (batch, classes) in Shapes())
        {
            int n = batch * classes;
            float[] logits = TestSupport.Uniform(n, classes + 7, -20f, 20f);
            double[] expected = Reference.Softmax(logits, batch, classes);
            var probabilities = new float[n];
            SoftmaxCrossEntropy.Softmax(logits, batch, classes, probabilities);
            AssertRows(expected, probabilities, logits, batch, classes, 1e-37, $"{level} softmax {batch}×{classes}");
            SoftmaxCrossEntropy.Softmax(logits, batch, classes, logits);
            Assert.True(probabilities.AsSpan().SequenceEqual(logits), $"{level} softmax in place differs");
        }
    }

    public static TheoryData<SimdLevel, int> LevelsAndExtremeClasses()
    {
        var data = new TheoryData<SimdLevel, int>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (int classes in new[] { 2, 10, 37, 1000 })
                data.Add(level, classes);
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndExtremeClasses))]
    public void ExtremeLogitsGiveFiniteCorrectResults(SimdLevel level, int classes)
    {
        using var _ = SimdLevels.Force(level);
        // Rows: ±1e30 alternating; all equal; one huge logit among zeros (label on it, and off it);
        // all equal and very negative; the largest finite magnitudes.
        const int batch = 6;
        var logits = new float[batch * classes];
        for (int j = 0; j < classes; j++)
        {
            logits[j] = j % 2 == 0 ? 1e30f : -1e30f;
            logits[classes + j] = 3.5f;
            logits[2 * classes + j] = j == classes / 2 ? 1e30f : 0f;
            logits[3 * classes + j] = j == classes - 1 ? 1e30f : 0f;
            logits[4 * classes + j] = -1e30f;
            logits[5 * classes + j] = j % 3 == 0 ? float.MaxValue : float.MinValue;
        }
        // Row 5's label sits on a float.MaxValue logit: a label on float.MinValue would make the true loss
        // 6.8e38, beyond float, and +Inf the right answer.
        int[] labels = [1 % classes, classes - 1, classes / 2, 0, 0, 0];
        var (losses, expected) = Reference.SoftmaxCrossEntropy(logits, labels, batch, classes, 1.0);
        var gradient = new float[logits.Length];
        float mean = SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, classes, gradient, 1f, out float sum);
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        Assert.True(float.IsFinite(mean) && float.IsFinite(sum), $"loss {mean}, sum {sum}");
        AssertRows(expected, gradient, logits, batch, classes, 4.0 / (1 << 23), $"{level} extreme gradient");
        TestSupport.AssertClose(losses.Sum(), sum, Relative(classes), 1e-6, $"{level} extreme loss sum");
    }

    /// <summary>
    /// Softmax (probabilities only) on the extreme rows of <see cref="ExtremeLogitsGiveFiniteCorrectResults"/>:
    /// every probability finite and within the documented bound, in place too. A softmax that forgot to
    /// subtract the row maximum would give e^(1e30) = +Inf and e^(−1e30) = 0, so NaN (∞/∞, 0/0) on these rows.
    /// </summary>
    [Theory]
    [MemberData(nameof(LevelsAndExtremeClasses))]
    public void SoftmaxOfExtremeLogitsIsFiniteAndCorrect(SimdLevel level, int classes)
    {
        using var _ = SimdLevels.Force(level);
        const int batch = 6;
        var logits = new float[batch * classes];
        for (int j = 0; j < classes; j++)
        {
            logits[j] = j % 2 == 0 ? 1e30f : -1e30f;
            logits[classes + j] = 3.5f;
            logits[2 * classes + j] = j == classes / 2 ? 1e30f : 0f;
            logits[3 * classes + j] = j == classes - 1 ? 1e30f : 0f;
            logits[4 * classes + j] = -1e30f;
            logits[5 * classes + j] = j % 3 == 0 ? float.MaxValue : float.MinValue;
        }
        double[] expected = Reference.Softmax(logits, batch, classes);
        var probabilities = new float[logits.Length];
        SoftmaxCrossEntropy.Softmax(logits, batch, classes, probabilities);
        Assert.All(probabilities, p => Assert.True(float.IsFinite(p), $"{level} classes {classes}: probability {p}"));
        AssertRows(expected, probabilities, logits, batch, classes, 4.0 / (1 << 23), $"{level} extreme softmax");
        SoftmaxCrossEntropy.Softmax(logits, batch, classes, logits);
        Assert.True(probabilities.AsSpan().SequenceEqual(logits), $"{level} extreme softmax in place differs");
    }

    /// <summary>
    /// Softmax (probabilities only): a NaN or +Inf anywhere in a row, or a row of only −Inf, makes that
    /// whole row NaN and leaves the other rows exact; a −Inf logit among finite ones gets probability +0.
    /// Without the max shift, a +Inf row would be NaN at the +Inf only (∞/∞) and 0 elsewhere.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SoftmaxNaNAndInfinityFollowTheClassRules(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int classes in new[] { 3, 10, 16, 33 })
        {
            foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                for (int position = 0; position < classes; position++)
                {
                    const int batch = 4;
                    float[] logits = TestSupport.Uniform(batch * classes, position, -4f, 4f);
                    logits[classes + position] = special;
                    logits.AsSpan(3 * classes, classes).Fill(float.NegativeInfinity);
                    var probabilities = new float[logits.Length];
                    SoftmaxCrossEntropy.Softmax(logits, batch, classes, probabilities);
                    string context = $"{level} classes {classes}, {special} at {position}";
                    double[] expected = Reference.Softmax(logits, batch, classes);
                    for (int j = 0; j < classes; j++)
                    {
                        float p = probabilities[classes + j];
                        if (float.IsNegativeInfinity(special))
                            Assert.True(j == position ? p == 0f && float.IsPositive(p) : float.IsFinite(p) && p > 0f, $"{context}: row 1 [{j}] = {p}");
                        else
                            Assert.True(float.IsNaN(p), $"{context}: row 1 [{j}] = {p}");
                        Assert.True(float.IsNaN(probabilities[3 * classes + j]), $"{context}: the −Inf row [{j}] = {probabilities[3 * classes + j]}");
                    }
                    AssertRows(expected, probabilities, logits, 1, classes, 1e-37, context + " row 0");
                    AssertRows(expected.AsSpan(2 * classes, classes).ToArray(), probabilities.AsSpan(2 * classes, classes), logits.AsSpan(2 * classes, classes).ToArray(), 1, classes, 1e-37, context + " row 2");
                    if (float.IsNegativeInfinity(special))
                        AssertRows(expected.AsSpan(classes, classes).ToArray(), probabilities.AsSpan(classes, classes), logits.AsSpan(classes, classes).ToArray(), 1, classes, 1e-37, context + " row 1");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NaNAndInfinityPropagateToTheirRowOnly(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int classes in new[] { 3, 10, 33 })
        {
            foreach (float special in new[] { float.NaN, float.PositiveInfinity })
            {
                for (int position = 0; position < classes; position++)
                {
                    const int batch = 3;
                    float[] logits = TestSupport.Uniform(batch * classes, position, -4f, 4f);
                    logits[classes + position] = special;
                    int[] labels = [0, classes - 1, classes / 2];
                    var gradient = new float[logits.Length];
                    float mean = SoftmaxCrossEntropy.ForwardBackward(logits, labels, batch, classes, gradient, 0.5f, out float sum);
                    Assert.True(float.IsNaN(mean) && float.IsNaN(sum), $"{special} at {position}: loss {mean}");
                    var (_, expected) = Reference.SoftmaxCrossEntropy(logits, labels, batch, classes, 0.5);
                    for (int j = 0; j < classes; j++)
                    {
                        Assert.True(float.IsNaN(gradient[classes + j]), $"{level} {special} at {position}: row 1 gradient[{j}] = {gradient[classes + j]}");
                        TestSupport.AssertClose(expected[j], gradient[j], Relative(classes), 2.0 / (1 << 23), "row 0");
                        TestSupport.AssertClose(expected[2 * classes + j], gradient[2 * classes + j], Relative(classes), 2.0 / (1 << 23), "row 2");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NegativeInfinityLabelLogitGivesInfiniteLossAndFiniteGradient(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int classes in new[] { 3, 10, 16 })
        {
            float[] logits = TestSupport.Uniform(classes, classes, -2f, 2f);
            logits[1] = float.NegativeInfinity;
            var gradient = new float[classes];
            float loss = SoftmaxCrossEntropy.ForwardBackward(logits, [1], 1, classes, gradient, 1f);
            Assert.Equal(float.PositiveInfinity, loss);
            Assert.Equal(-1f, gradient[1]);
            Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void RowOfNegativeInfinityIsNaN(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int classes in new[] { 3, 10, 16, 33 })
        {
            float[] logits = TestSupport.Uniform(2 * classes, classes, -2f, 2f);
            logits.AsSpan(classes).Fill(float.NegativeInfinity);
            var gradient = new float[2 * classes];
            float mean = SoftmaxCrossEntropy.ForwardBackward(logits, [0, classes - 1], 2, classes, gradient, 1f);
            Assert.True(float.IsNaN(mean), $"{level} classes {classes}: loss {mean}");
            Assert.All(gradient.AsSpan(classes).ToArray(), g => Assert.True(float.IsNaN(g)));
            Assert.All(gradient.AsSpan(0, classes).ToArray(), g => Assert.True(float.IsFinite(g)));
        }
    }

    [Fact]
    public void LabelOutOfRangeThrowsNamingRowLabelAndClassesBeforeWriting()
    {
        float[] logits = new float[4 * 5];
        var gradient = new float[20];
        Array.Fill(gradient, 42f);
        foreach (int bad in new[] { -1, 5, int.MaxValue, int.MinValue })
        {
            int[] labels = [0, 4, bad, 1];
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, 4, 5, gradient, 1f));
            Assert.Equal("labels", error.ParamName);
            Assert.Contains("labels[2]", error.Message);
            Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
            Assert.Contains("classes 5", error.Message);
            Assert.All(gradient, g => Assert.Equal(42f, g));
            Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 4, 5)).ParamName);
        }
    }

    [Fact]
    public void ShapeMismatchesNameParametersAndShapes()
    {
        var logits = new float[320];
        var labels = new int[32];
        var gradient = new float[400];
        var error = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, 32, 11, gradient, 1f));
        Assert.Equal("logits", error.ParamName);
        Assert.Contains("logits has 320 elements but batch 32 × classes 11 needs 352", error.Message);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, new int[31], 32, 10, gradient, 1f)).ParamName);
        var shortGradient = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, 32, 10, new float[319], 1f));
        Assert.Equal("gradient", shortGradient.ParamName);
        Assert.Contains("319", shortGradient.Message);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(gradient.AsSpan(0, 320), labels, 32, 10, gradient.AsSpan(1, 320), 1f)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, -1, 10, gradient, 1f)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, 32, 0, gradient, 1f)).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Softmax(logits, 32, 10, new float[10])).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Softmax(logits, 31, 10, gradient)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Loss(logits, labels, 32, 11)).ParamName);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void SteadyStateCallsDoNotAllocate(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int classes in new[] { 10, 1000 })
        {
            float[] logits = TestSupport.Uniform(32 * classes, 5);
            int[] labels = Labels(32, classes, 6);
            var gradient = new float[logits.Length];
            TestSupport.AssertNoAllocation(() => SoftmaxCrossEntropy.ForwardBackward(logits, labels, 32, classes, gradient, 1f / 32, out float _), "ForwardBackward");
            TestSupport.AssertNoAllocation(() => SoftmaxCrossEntropy.Loss(logits, labels, 32, classes), "Loss");
            TestSupport.AssertNoAllocation(() => SoftmaxCrossEntropy.Softmax(logits, 32, classes, gradient), "Softmax");
        }
    }
}
