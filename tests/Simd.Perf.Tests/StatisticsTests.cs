namespace Simd.Perf.Tests;

public class StatisticsTests
{
    [Fact]
    public void MedianOfOddAndEvenCounts()
    {
        Assert.Equal(3, Statistics.Median([5, 1, 3]));
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Statistics.Median([])));
    }

    [Fact]
    public void ExactPValueOfCompletelySeparatedSamples()
    {
        // U = 0 for n = m = 5: 2 of C(10, 5) = 252 arrangements are as extreme (either direction).
        double p = Statistics.MannWhitneyP([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
        Assert.Equal(2.0 / 252, p, 12);
        Assert.Equal(p, Statistics.MannWhitneyP([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]), 12);
    }

    [Fact]
    public void ExactPValueOfInterleavedSamplesIsOne()
    {
        Assert.Equal(1.0, Statistics.MannWhitneyP([1, 4, 5, 8], [2, 3, 6, 7]), 12);
    }

    [Fact]
    public void ExactPValueMatchesTableValue()
    {
        // n = m = 4, U = 1: P(U ≤ 1) = 2/70, two-sided 4/70.
        Assert.Equal(4.0 / 70, Statistics.MannWhitneyP([1, 2, 3, 5], [4, 6, 7, 8]), 12);
    }

    [Fact]
    public void NormalApproximationWithTiesAgreesWithSeparation()
    {
        double[] x = [.. Enumerable.Repeat(1.0, 30)];
        double[] y = [.. Enumerable.Repeat(2.0, 30)];
        Assert.True(Statistics.MannWhitneyP(x, y) < 1e-6);
        Assert.Equal(1.0, Statistics.MannWhitneyP(x, x), 6);
    }

    [Fact]
    public void NormalUpperTailKnownValues()
    {
        Assert.Equal(0.5, Statistics.NormalUpperTail(0), 6);
        Assert.Equal(0.0227501, Statistics.NormalUpperTail(2), 6);
        Assert.Equal(0.9772499, Statistics.NormalUpperTail(-2), 6);
    }
}
