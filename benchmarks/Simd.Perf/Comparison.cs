namespace Simd.Perf;

/// <summary>Thresholds of a comparison.</summary>
/// <param name="Threshold">Relative change of the roof-normalized median that counts (0.10 = 10%).</param>
/// <param name="Alpha">Significance level of the Mann–Whitney test on the normalized samples.</param>
/// <param name="NoiseFloorNs">Absolute median changes smaller than this many nanoseconds never count.</param>
public readonly record struct CompareOptions(double Threshold = 0.10, double Alpha = 0.01, double NoiseFloorNs = 20);

/// <summary>The verdict on one benchmark present in both runs.</summary>
public enum Verdict
{
    /// <summary>No significant change beyond the threshold.</summary>
    Same,
    /// <summary>Slower beyond the threshold, significantly, and above the noise floor.</summary>
    Slower,
    /// <summary>Faster beyond the threshold, significantly, and above the noise floor.</summary>
    Faster,
}

/// <summary>One row of a comparison.</summary>
/// <param name="Id">Benchmark identity.</param>
/// <param name="BaselineNs">Baseline median, nanoseconds.</param>
/// <param name="CurrentNs">Current median, nanoseconds.</param>
/// <param name="Ratio">Current ÷ baseline of the roof-normalized medians (&gt; 1 is slower).</param>
/// <param name="P">Mann–Whitney two-sided p-value on the normalized samples.</param>
/// <param name="Verdict">The decision.</param>
public readonly record struct ComparisonRow(string Id, double BaselineNs, double CurrentNs, double Ratio, double P, Verdict Verdict);

/// <summary>
/// Compares two runs in the manner of dotnet/performance's ResultsComparer, on roof-normalized
/// figures: each sample time is multiplied by its own run's roof throughput (FMA GFLOP/s or copy GB/s),
/// so a machine that is uniformly slower or busier cancels out. Roof benchmarks themselves are not
/// compared, nor Vector512 cases when either machine lacks AVX-512 (they ran emulated there, which
/// measures the emulation, not the kernel).
/// </summary>
public static class Comparison
{
    /// <summary>Rows for every benchmark id present in both runs, slowest change first.</summary>
    public static IReadOnlyList<ComparisonRow> Compare(RunRecord baseline, RunRecord current, CompareOptions options)
    {
        Roofs baseRoofs = Roofs.From(baseline), currentRoofs = Roofs.From(current);
        var currentById = current.Benchmarks.ToDictionary(b => b.Id, StringComparer.Ordinal);
        bool bothHaveAvx512 = HasAvx512(baseline) && HasAvx512(current);
        var rows = new List<ComparisonRow>();
        foreach (BenchmarkResult before in baseline.Benchmarks)
        {
            if (before.Type == Roofs.RoofType || !currentById.TryGetValue(before.Id, out BenchmarkResult? after)) continue;
            if (before.Level == "Vector512" && !bothHaveAvx512) continue;
            double baseScale = baseRoofs.RoofFor(before) ?? 1, currentScale = currentRoofs.RoofFor(after) ?? 1;
            if (baseRoofs.RoofFor(before) is null || currentRoofs.RoofFor(after) is null) baseScale = currentScale = 1;
            double[] x = [.. before.SamplesNs.Select(s => s * baseScale)];
            double[] y = [.. after.SamplesNs.Select(s => s * currentScale)];
            double ratio = Statistics.Median(y) / Statistics.Median(x);
            double p = Statistics.MannWhitneyP(x, y);
            bool significant = p < options.Alpha && Math.Abs(after.MedianNs - before.MedianNs) >= options.NoiseFloorNs;
            Verdict verdict = !significant ? Verdict.Same
                : ratio > 1 + options.Threshold ? Verdict.Slower
                : ratio < 1 / (1 + options.Threshold) ? Verdict.Faster
                : Verdict.Same;
            rows.Add(new ComparisonRow(before.Id, before.MedianNs, after.MedianNs, ratio, p, verdict));
        }
        return [.. rows.OrderByDescending(r => r.Ratio)];
    }

    private static bool HasAvx512(RunRecord run) => run.Machine.HardwareIntrinsics.Contains("AVX512F", StringComparison.Ordinal);
}
