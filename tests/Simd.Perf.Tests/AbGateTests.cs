namespace Simd.Perf.Tests;

/// <summary>The A/B gate's statistics and verdicts, on synthetic rounds.</summary>
public class AbGateTests
{
    private static readonly AbGate.Settings Defaults = new();

    [Fact]
    public void MedianIntervalUsesBinomialOrderStatistics()
    {
        double[] values = [.. Enumerable.Range(1, 30).Select(i => (double)i)];
        // n = 30 at 99%: P(Bin(30, ½) ≤ 7) = 0.0026 ≤ 0.005 < P(≤ 8) = 0.0081, so ranks 8 and 23.
        Assert.Equal((8.0, 23.0), Statistics.MedianInterval(values, 0.99));
        // n = 30 at 95%: P(≤ 9) = 0.0214 ≤ 0.025 < P(≤ 10) = 0.0494, so ranks 10 and 21.
        Assert.Equal((10.0, 21.0), Statistics.MedianInterval(values, 0.95));
    }

    [Fact]
    public void MedianIntervalIsUnboundedForTooFewValues()
    {
        // n = 7 at 99%: P(Bin(7, ½) = 0) = 1/128 > 0.005.
        Assert.Equal((double.NegativeInfinity, double.PositiveInfinity), Statistics.MedianInterval([1, 2, 3, 4, 5, 6, 7], 0.99));
        Assert.Equal((1.0, 8.0), Statistics.MedianInterval([8, 7, 6, 5, 4, 3, 2, 1], 0.99));
    }

    [Fact]
    public void MedianIntervalCoversTheMedianAboutAsOftenAsStated()
    {
        var random = new Random(7);
        int covered = 0, trials = 4000;
        for (int t = 0; t < trials; t++)
        {
            double[] values = [.. Enumerable.Range(0, 30).Select(_ => random.NextDouble())];
            var (lower, upper) = Statistics.MedianInterval(values, 0.95);
            if (lower <= 0.5 && 0.5 <= upper) covered++;
        }
        // The exact coverage of ranks 10..21 of 30 is 1 − 2·0.0214 = 0.957.
        Assert.InRange(covered / (double)trials, 0.945, 0.970);
    }

    [Theory]
    [InlineData(1.10, 1.05, 1.15, AbVerdict.Slower)]   // exactly 10% slower, certainly slower: fails
    [InlineData(1.0999, 1.05, 1.15, AbVerdict.Same)]   // just under the threshold
    [InlineData(1.20, 0.98, 1.40, AbVerdict.Same)]     // large estimate but not certain
    [InlineData(1.30, 1.25, 1.35, AbVerdict.Slower)]
    [InlineData(0.90, 0.85, 0.95, AbVerdict.Faster)]
    [InlineData(0.95, 0.90, 0.99, AbVerdict.Same)]
    public void JudgeAtTheBoundary(double ratio, double lower, double upper, AbVerdict expected) =>
        Assert.Equal(expected, AbGate.Judge(ratio, lower, upper, 0.10));

    [Fact]
    public void TenPercentSlowerRoundsFailAndNinePercentPass()
    {
        var random = new Random(3);
        double[] Rounds(double ratio) => [.. Enumerable.Range(0, 30).Select(_ => ratio * (1 + 0.01 * (random.NextDouble() - 0.5)))];
        Assert.Equal(AbVerdict.Slower, AbGate.Summarize("x", Rounds(1.115), 1, 1, true, Defaults).Verdict);
        Assert.Equal(AbVerdict.Same, AbGate.Summarize("x", Rounds(1.09), 1, 1, true, Defaults).Verdict);
        Assert.Equal(AbVerdict.Same, AbGate.Summarize("x", Rounds(1.0), 1, 1, true, Defaults).Verdict);
        Assert.Equal(AbVerdict.Slower, AbGate.Summarize("x", Rounds(3.0), 1, 1, true, Defaults).Verdict);
    }

    [Fact]
    public void NoisyUnchangedRoundsPass()
    {
        // Heavy-tailed noise: most rounds within ±3%, one in five up to 40% off in either direction.
        var random = new Random(11);
        double[] rounds = [.. Enumerable.Range(0, 30).Select(_ => 1 + (random.Next(5) == 0 ? 0.8 : 0.06) * (random.NextDouble() - 0.5))];
        AbCase result = AbGate.Summarize("x", rounds, 1, 1, true, Defaults);
        Assert.Equal(AbVerdict.Same, result.Verdict);
        Assert.True(result.Lower < 1 && result.Upper > 1);
    }

    [Theory]
    [InlineData(1.05, 1.12, true)]
    [InlineData(1.11, 1.30, false)]
    [InlineData(0.95, 1.08, false)]
    public void MoreRoundsOnlyWhileTheIntervalStraddlesTheThreshold(double lower, double upper, bool undecided) =>
        Assert.Equal(undecided, AbGate.Undecided(lower, upper, 0.10));

    [Fact]
    public void FailingCaseFilesComeFromCompilerErrorsUnderCases()
    {
        string gate = Path.Combine(Path.GetTempPath(), "base", "benchmarks", "Simd.Gate");
        string log = $"""
            {gate}/Cases/RecurrentCases.cs(12,9): error CS0246: The type or namespace name 'Recurrent' could not be found [{gate}/Simd.Gate.csproj]
            {gate}/Cases/RecurrentCases.cs(30,9): error CS0246: The type or namespace name 'Recurrent' could not be found [{gate}/Simd.Gate.csproj]
            {gate}/Program.cs(3,7): error CS0246: something else [{gate}/Simd.Gate.csproj]
            {gate}/Cases/GemmCases.cs(3,7): warning CS0168: not an error [{gate}/Simd.Gate.csproj]
            """;
        Assert.Equal(["Cases/RecurrentCases.cs"], AbGate.FailingCaseFiles(log, gate).Distinct());
    }

    [Fact]
    public void TableShowsEveryCaseWithItsVerdict()
    {
        AbCase slow = AbGate.Summarize("Slow", [.. Enumerable.Repeat(1.2, 30)], 1000, 1200, true, Defaults);
        AbCase same = AbGate.Summarize("Same", [.. Enumerable.Repeat(1.0, 30)], 1000, 1000, false, Defaults);
        string table = AbGate.Table([slow, same], ["Fresh"], Defaults);
        Assert.Contains("| Slow | 1.00 µs | 1.20 µs | ×1.200 | [1.200, 1.200] | 30 | same | **SLOWER**", table);
        Assert.Contains("| Same | 1.00 µs | 1.00 µs | ×1.000 | [1.000, 1.000] | 30 | differ | ok |", table);
        Assert.Contains("| Fresh |", table);
    }
}
