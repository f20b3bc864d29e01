using System.Globalization;
using System.Security;
using System.Text;

namespace Simd.Perf;

/// <summary>SVG charts drawn from a run: % of roof per level, and a roofline of the compute-bound cases.</summary>
public static class Charts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] LevelNames = ["Scalar", "Vector128", "Vector256", "Vector512"];
    private static readonly string[] LevelColors = ["#9e9e9e", "#42a5f5", "#66bb6a", "#ef5350"];

    /// <summary>
    /// Horizontal grouped bars: for every levelled benchmark case (class, method, shape) that states its
    /// work, the fraction of its roof reached at each level, where the roof is the one-core roof times the
    /// case's threads. Levels the run's process emulated are left out (named so in the legend).
    /// </summary>
    public static string LevelBars(RunRecord run, string title)
    {
        Roofs roofs = Roofs.From(run);
        var groups = run.Benchmarks
            .Where(b => b.Type != Roofs.RoofType && b.Level is not null && !Roofs.IsEmulated(run, b.Level) && roofs.Fraction(b) is not null)
            .GroupBy(b => Label(b))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        const int left = 330, barHeight = 9, width = 900, top = 40;
        int plotWidth = width - left - 40;
        int groupHeight = barHeight * LevelNames.Length + 8;
        int height = top + groups.Count * groupHeight + 50;
        // A run without levelled cases (training steps only) still gets a chart: empty, with its axis.
        double maxFraction = Math.Max(1.0, groups.SelectMany(g => g).Select(b => roofs.Fraction(b) ?? 0).DefaultIfEmpty(0).Max());

        var svg = Begin(width, height, title);
        for (double tick = 0; tick <= maxFraction + 1e-9; tick += 0.25)
        {
            double x = left + plotWidth * tick / maxFraction;
            svg.AppendLine(Inv, $"<line x1='{x:F1}' y1='{top - 5}' x2='{x:F1}' y2='{height - 40}' stroke='#ddd'/>");
            svg.AppendLine(Inv, $"<text x='{x:F1}' y='{height - 25}' text-anchor='middle'>{tick * 100:F0}%</text>");
        }
        int y = top;
        foreach (var group in groups)
        {
            svg.AppendLine(Inv, $"<text x='{left - 6}' y='{y + groupHeight / 2.0:F1}' text-anchor='end'>{Escape(group.Key)}</text>");
            for (int level = 0; level < LevelNames.Length; level++)
            {
                BenchmarkResult? result = group.FirstOrDefault(b => b.Level == LevelNames[level]);
                if (result is not null && roofs.Fraction(result) is double fraction)
                    svg.AppendLine(Inv, $"<rect x='{left}' y='{y + level * barHeight}' width='{plotWidth * fraction / maxFraction:F1}' height='{barHeight - 1}' fill='{LevelColors[level]}'><title>{Escape(result.Id)}: {fraction:P1}</title></rect>");
            }
            y += groupHeight;
        }
        Legend(svg, run, left, height - 10);
        return End(svg);
    }

    /// <summary>
    /// Roofline: arithmetic intensity (flops per byte of compulsory traffic) against GFLOP/s on log
    /// axes, with each level's FMA roof for every thread count among the cases (t × the one-core peak)
    /// and the copy-bandwidth slope, and a point per compute-bound case. Emulated levels have neither
    /// roof nor points.
    /// </summary>
    public static string Roofline(RunRecord run, string title, string typePrefix)
    {
        Roofs roofs = Roofs.From(run);
        var points = run.Benchmarks
            .Where(b => b.Type.StartsWith(typePrefix, StringComparison.Ordinal) && b.Level is not null && !Roofs.IsEmulated(run, b.Level) && b.Flops > 0 && b.Bytes > 0)
            .Select(b => (Result: b, Intensity: b.Flops / b.Bytes, Gflops: b.Flops / b.MedianNs))
            .ToList();
        const int width = 900, height = 560, left = 70, right = 30, top = 40, bottom = 70;
        int maxThreads = points.Count > 0 ? points.Max(p => Roofs.Threads(p.Result)) : 1;
        double peak = (roofs.FmaGflops.Count > 0 ? roofs.FmaGflops.Values.Max() : 100) * maxThreads;
        double bandwidth = roofs.CopyGBs.Count > 0 ? roofs.CopyGBs.Values.Max() : 50;
        double xMin = 0.5, xMax = Math.Max(1000, points.Count > 0 ? points.Max(p => p.Intensity) * 2 : 1000);
        double yMin = Math.Min(1, points.Count > 0 ? points.Min(p => p.Gflops) / 2 : 1), yMax = peak * 2;
        double X(double v) => left + (width - left - right) * Math.Log(v / xMin) / Math.Log(xMax / xMin);
        double Y(double v) => height - bottom - (height - top - bottom) * Math.Log(v / yMin) / Math.Log(yMax / yMin);

        var svg = Begin(width, height, title);
        for (double v = 1; v <= xMax; v *= 10)
            svg.AppendLine(Inv, $"<line x1='{X(v):F1}' y1='{top}' x2='{X(v):F1}' y2='{height - bottom}' stroke='#eee'/><text x='{X(v):F1}' y='{height - bottom + 16}' text-anchor='middle'>{v}</text>");
        for (double v = 1; v <= yMax; v *= 10)
            svg.AppendLine(Inv, $"<line x1='{left}' y1='{Y(v):F1}' x2='{width - right}' y2='{Y(v):F1}' stroke='#eee'/><text x='{left - 6}' y='{Y(v) + 4:F1}' text-anchor='end'>{v}</text>");
        svg.AppendLine(Inv, $"<text x='{(left + width - right) / 2}' y='{height - bottom + 36}' text-anchor='middle'>arithmetic intensity (flop / byte)</text>");
        svg.AppendLine(Inv, $"<text x='16' y='{(top + height - bottom) / 2}' transform='rotate(-90 16 {(top + height - bottom) / 2})' text-anchor='middle'>GFLOP/s</text>");
        for (int level = 1; level < LevelNames.Length; level++)
        {
            if (Roofs.IsEmulated(run, LevelNames[level]) || !roofs.FmaGflops.TryGetValue(LevelNames[level], out double corePeak)) continue;
            var threadCounts = points.Where(p => p.Result.Level == LevelNames[level]).Select(p => Roofs.Threads(p.Result)).Append(1).Distinct().Order();
            foreach (int threads in threadCounts)
            {
                double levelPeak = corePeak * threads, knee = levelPeak / bandwidth;
                string dash = threads == 1 ? "6 3" : "2 3";
                string label = threads == 1 ? $"FMA peak {LevelNames[level]} {levelPeak:F0}" : $"FMA peak {LevelNames[level]} × {threads} threads {levelPeak:F0}";
                svg.AppendLine(Inv, $"<polyline fill='none' stroke='{LevelColors[level]}' stroke-dasharray='{dash}' points='{X(xMin):F1},{Y(Math.Max(yMin, xMin * bandwidth)):F1} {X(knee):F1},{Y(levelPeak):F1} {X(xMax):F1},{Y(levelPeak):F1}'/>");
                svg.AppendLine(Inv, $"<text x='{width - right - 4}' y='{Y(levelPeak) - 4:F1}' text-anchor='end' fill='{LevelColors[level]}'>{label}</text>");
            }
        }
        foreach (var (result, intensity, gflops) in points)
        {
            int level = Array.IndexOf(LevelNames, result.Level);
            string shape = Roofs.Threads(result) > 1 ? "fill='white' stroke" : "fill";
            svg.AppendLine(Inv, $"<circle cx='{X(intensity):F1}' cy='{Y(gflops):F1}' r='4' {shape}='{LevelColors[Math.Max(level, 0)]}'><title>{Escape(result.Id)}: {gflops:F1} GFLOP/s on {Roofs.Threads(result)} thread(s)</title></circle>");
        }
        Legend(svg, run, left, height - 10);
        return End(svg);
    }

    private static string Label(BenchmarkResult result)
    {
        string shape = string.Join(" ", result.Parameters.Where(p => p.Key != "level").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        string type = result.Type.EndsWith("Benchmarks", StringComparison.Ordinal) ? result.Type[..^"Benchmarks".Length] : result.Type;
        return $"{type}.{result.Method} {shape}".Trim();
    }

    private static StringBuilder Begin(int width, int height, string title)
    {
        var svg = new StringBuilder();
        svg.AppendLine(Inv, $"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif' font-size='11'>");
        svg.AppendLine(Inv, $"<rect width='{width}' height='{height}' fill='white'/>");
        svg.AppendLine(Inv, $"<text x='{width / 2}' y='20' text-anchor='middle' font-size='14'>{Escape(title)}</text>");
        return svg;
    }

    private static void Legend(StringBuilder svg, RunRecord run, int x, int y)
    {
        int at = x;
        for (int level = 0; level < LevelNames.Length; level++)
        {
            string name = Roofs.IsEmulated(run, LevelNames[level]) ? $"{LevelNames[level]} (emulated here: not shown)" : LevelNames[level];
            svg.AppendLine(Inv, $"<rect x='{at}' y='{y - 9}' width='10' height='10' fill='{LevelColors[level]}'/><text x='{at + 14}' y='{y}'>{Escape(name)}</text>");
            at += 24 + 7 * name.Length;
        }
    }

    private static string End(StringBuilder svg) => svg.AppendLine("</svg>").ToString();

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
