using System.Globalization;
using System.Text;

namespace Simd.Perf;

/// <summary>Markdown summaries of runs and comparisons.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The summary of a run: machine, roofs, and one table per benchmark class with time, throughput,
    /// % of roof, and speed-up over each baseline method (methods without a level) of the same shape.
    /// With <paramref name="onlyLevel"/>, a class's table shows only the cases at that level (the
    /// baselines still feed the × columns); classes without levelled cases show every case.
    /// </summary>
    public static string Summarize(RunRecord run, string? onlyLevel = null)
    {
        Roofs roofs = Roofs.From(run);
        var text = new StringBuilder();
        text.AppendLine(Inv, $"Machine `{run.Machine.Key}`: {run.Machine.Cpu}, {run.Machine.Cores} cores, {run.Machine.Runtime}, configuration `{run.Configuration}`, job `{run.Job}`, commit `{run.Commit}`, {run.Date:yyyy-MM-dd HH:mm} UTC.");
        text.AppendLine();
        text.AppendLine("Roofs measured in the same run: FMA peak " +
            string.Join(", ", roofs.FmaGflops.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(Inv, $"{p.Key} {p.Value:F1} GFLOP/s"))) +
            "; copy " + string.Join(", ", roofs.CopyGBs.Select(p => string.Create(Inv, $"{p.Key} floats {p.Value:F1} GB/s"))) + ".");
        text.AppendLine();

        foreach (IGrouping<string, BenchmarkResult> type in run.Benchmarks.Where(b => b.Type != Roofs.RoofType).GroupBy(b => b.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            BaselineKind[] kinds = [.. BaselineKinds.Where(kind => type.Any(b => b.Level is null && kind.Matches(b.Method)))];
            text.AppendLine(Inv, $"### {type.Key}");
            text.AppendLine();
            text.Append("| case | level | median | throughput | % of roof |");
            foreach (BaselineKind kind in kinds) text.Append(Inv, $" {kind.Column} |");
            text.AppendLine(" allocated |");
            text.Append("| --- | --- | ---: | ---: | ---: |");
            foreach (BaselineKind _ in kinds) text.Append(" ---: |");
            text.AppendLine(" ---: |");

            bool filtered = onlyLevel is not null && type.Any(b => b.Level is not null);
            foreach (IGrouping<string, BenchmarkResult> shape in type.GroupBy(b => ShapeKey(b)).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                BenchmarkResult[] baselines = [.. shape.Where(b => b.Level is null && BaselineKinds.Any(k => k.Matches(b.Method)))];
                string[] methods = [.. shape.Where(b => b.Level is not null).Select(b => b.Method).Distinct()];
                foreach (BenchmarkResult result in shape.OrderBy(b => b.Method, StringComparer.Ordinal).ThenBy(b => LevelOrder(b.Level)))
                {
                    if (filtered && result.Level != onlyLevel) continue;
                    string shapeText = shape.Key.Length == 0 ? result.Method : $"{result.Method} {shape.Key}";
                    text.Append(Inv, $"| {shapeText} | {result.Level ?? "—"} | {FormatTime(result.MedianNs)} | {FormatThroughput(result)} | {FormatPercent(roofs.Fraction(result))} |");
                    foreach (BaselineKind kind in kinds)
                        text.Append(result.Level is not null && FindBaseline(baselines, kind, result.Method, methods) is BenchmarkResult baseline
                            ? string.Create(Inv, $" {baseline.MedianNs / result.MedianNs:F2} |") : " |");
                    text.AppendLine(Inv, $" {result.AllocatedBytes} B |");
                }
            }
            text.AppendLine();
        }
        if (run.Job == "smoke")
            text.AppendLine("allocated: BenchmarkDotNet's process-wide figure per operation. This in-process (smoke) run also counts the harness's own background allocations, about 85 bytes per millisecond of measured time, so long cases show some; the kernels and training steps allocate nothing (asserted per thread by the tests).\n");
        text.AppendLine("× columns: the baseline's median ÷ this median, for levelled cases (> 1 is faster than the baseline; for Copy it is the fraction of a copy of the same length's speed). Throughput is GFLOP/s for compute-bound and GB/s for memory-bound cases; % of roof compares it with the FMA peak of the level or the copy bandwidth measured in the same run.");
        return text.ToString();
    }

    /// <summary>The comparison table and the verdict counts, as markdown.</summary>
    public static string Comparison(IReadOnlyList<ComparisonRow> rows, CompareOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(Inv, $"Threshold {options.Threshold:P0}, Mann–Whitney α = {options.Alpha}, noise floor {options.NoiseFloorNs} ns; ratios on roof-normalized medians (> 1 is slower).");
        text.AppendLine();
        foreach (Verdict verdict in new[] { Verdict.Slower, Verdict.Faster })
        {
            ComparisonRow[] selected = [.. rows.Where(r => r.Verdict == verdict)];
            text.AppendLine(Inv, $"{verdict}: {selected.Length}");
            if (selected.Length == 0) continue;
            text.AppendLine();
            text.AppendLine("| benchmark | baseline | current | ratio | p |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (ComparisonRow row in selected)
                text.AppendLine(Inv, $"| {row.Id} | {FormatTime(row.BaselineNs)} | {FormatTime(row.CurrentNs)} | {row.Ratio:F3} | {row.P:G3} |");
            text.AppendLine();
        }
        text.AppendLine(Inv, $"Same: {rows.Count(r => r.Verdict == Verdict.Same)} of {rows.Count}.");
        text.AppendLine();
        text.AppendLine(Inv, $"All {rows.Count} (ratio range {rows.Min(r => r.Ratio):F3} – {rows.Max(r => r.Ratio):F3}):");
        text.AppendLine();
        text.AppendLine("| benchmark | baseline | current | ratio | p | verdict |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (ComparisonRow row in rows)
            text.AppendLine(Inv, $"| {row.Id} | {FormatTime(row.BaselineNs)} | {FormatTime(row.CurrentNs)} | {row.Ratio:F3} | {row.P:G3} | {row.Verdict} |");
        return text.ToString();
    }

    /// <summary>A kind of baseline method, recognized by its name, and its column heading.</summary>
    private sealed record BaselineKind(string Marker, string Column)
    {
        public bool Matches(string method) => method.Contains(Marker, StringComparison.OrdinalIgnoreCase);
    }

    private static readonly BaselineKind[] BaselineKinds =
    [
        new("Reference", "× Reference"),
        new("TensorPrimitives", "× TensorPrimitives"),
        new("OpenBlas", "× OpenBLAS"),
        new("Copy", "× Copy"),
    ];

    /// <summary>
    /// The baseline of a kind for a method: the one named after it (AxpyReference for Axpy, never
    /// SgdMomentumReference for Sgd) first; else one named by the kind alone (Reference, Copy); else, when
    /// no method of the shape has a baseline of that kind named after it, the only one of that kind
    /// (TensorPrimitivesVersion, ClipReference beside a single Simd method). A method without a baseline of
    /// its own is never compared with another method's (Adam with SgdTensorPrimitives).
    /// </summary>
    private static BenchmarkResult? FindBaseline(BenchmarkResult[] baselines, BaselineKind kind, string method, IReadOnlyCollection<string> methods)
    {
        BenchmarkResult[] ofKind = [.. baselines.Where(b => kind.Matches(b.Method))];
        bool NamedAfter(BenchmarkResult baseline, string name) => baseline.Method.Equals(name + kind.Marker, StringComparison.OrdinalIgnoreCase);
        return ofKind.FirstOrDefault(b => NamedAfter(b, method))
            ?? ofKind.FirstOrDefault(b => b.Method.Equals(kind.Marker, StringComparison.OrdinalIgnoreCase))
            ?? (ofKind.Length == 1 && !methods.Any(name => NamedAfter(ofKind[0], name)) ? ofKind[0] : null);
    }

    private static string ShapeKey(BenchmarkResult result) =>
        string.Join(", ", result.Parameters.Where(p => p.Key != "level").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static int LevelOrder(string? level) => level switch { "Scalar" => 0, "Vector128" => 1, "Vector256" => 2, "Vector512" => 3, _ => 4 };

    /// <summary>Nanoseconds with a readable unit.</summary>
    public static string FormatTime(double ns) => ns switch
    {
        >= 1e9 => string.Create(Inv, $"{ns / 1e9:F2} s"),
        >= 1e6 => string.Create(Inv, $"{ns / 1e6:F2} ms"),
        >= 1e3 => string.Create(Inv, $"{ns / 1e3:F2} µs"),
        _ => string.Create(Inv, $"{ns:F1} ns"),
    };

    private static string FormatThroughput(BenchmarkResult result)
    {
        string rate = Roofs.Throughput(result) switch
        {
            double value when result.Roof == "Memory" => string.Create(Inv, $"{value:F1} GB/s"),
            double value => string.Create(Inv, $"{value:F1} GFLOP/s"),
            _ => "",
        };
        return result.Samples > 0 ? string.Create(Inv, $"{result.Samples / result.MedianNs * 1e9:N0} samples/s, {rate}") : rate;
    }


    private static string FormatPercent(double? fraction) => fraction is double f ? string.Create(Inv, $"{100 * f:F0}%") : "";
}
