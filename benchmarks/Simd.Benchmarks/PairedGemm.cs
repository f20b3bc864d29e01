using System.Diagnostics;
using System.Globalization;
using System.Text;
using Simd.Kernels;

namespace Simd.Benchmarks;

/// <summary>
/// Simd's GEMM against OpenBLAS and the FMA roof in paired rounds: <c>dotnet run -c Release --project
/// benchmarks/Simd.Benchmarks -- paired [--filter text] [--rounds 15] [--sample-ms 20] [--level Vector256]
/// [--out file.md]</c>. BenchmarkDotNet measures one case after another, minutes apart; on a shared VM
/// whose speed moves by up to 1.8× between phases of a few minutes, a ratio of two such medians says as
/// much about the phases as about the code. Here every round times each contender once, back to back
/// (the roof, Simd, OpenBLAS, the level's micro-kernel alone on cache-resident packed panels (<see
/// cref="MicroKernelBenchmarks"/>) and, for a multithreaded shape, Simd on one thread), starting from a
/// different contender each round, and the table reports the median over rounds of each round's own
/// ratios, with their quartiles.
/// </summary>
/// <remarks>
/// Each sample is as many calls as fill <c>--sample-ms</c> (at least one): single calls of a product
/// that takes a millisecond or two were dominated by scheduling noise. Every shape is validated
/// against the double-precision reference for Simd and OpenBLAS before it is timed (<see
/// cref="GemmBenchmarks.Setup"/>). Shapes are <see cref="GemmBenchmarks.Shapes"/> whose name contains
/// the filter.
/// </remarks>
public static class PairedGemm
{
    private sealed record Options(string Filter, int Rounds, double SampleMs, SimdLevel Level, string? Output);

    /// <summary>Runs the comparison; <paramref name="args"/> are the options after "paired".</summary>
    public static int Run(string[] args)
    {
        Options options;
        try { options = Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (!SimdLevels.IsAccelerated(options.Level))
        {
            Console.Error.WriteLine($"level {options.Level} is not accelerated on this machine; its timings would measure emulation");
            return 2;
        }
        if (!OpenBlasLibrary.Available)
        {
            Console.Error.WriteLine("no libopenblas on this system (apt-get install libopenblas0-pthread): nothing to pair with");
            return 2;
        }
        var shapes = GemmBenchmarks.Shapes.Where(s => s.ToString().Contains(options.Filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (shapes.Count == 0)
        {
            Console.Error.WriteLine($"no GEMM shape matches '{options.Filter}'");
            return 2;
        }
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# GEMM paired with OpenBLAS and the FMA roof ({options.Level})");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Commit {SourceCommit.Describe(Directory.GetCurrentDirectory())}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, " +
            $"{options.Rounds} rounds, samples of at least {options.SampleMs} ms; written by `Simd.Benchmarks paired`.");
        report.AppendLine();
        report.AppendLine("```");
        report.AppendLine(SimdLevels.DescribeMachine().TrimEnd());
        report.AppendLine("```");
        report.AppendLine();
        report.AppendLine("Each round times the roof, Simd, OpenBLAS, the micro-kernel alone (and Simd on one thread for a multithreaded shape) back to back; " +
            "every ratio is the median over rounds of that round's own ratio, [first–third quartile]. " +
            "% roof is of one core's FMA peak loop at the same width, measured in the same round.");
        report.AppendLine();
        var kernel = new MicroKernelBenchmarks { Level = options.Level };
        kernel.Setup();
        try
        {
            report.AppendLine(MeasureCeiling(options, kernel));
            report.AppendLine();
            report.AppendLine("| shape | Simd µs | % roof | % ceiling | OpenBLAS % roof | × OpenBLAS | × one thread |");
            report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            Console.Write(report);
            foreach (GemmShape shape in shapes)
            {
                string line = Measure(shape, options, kernel);
                Console.WriteLine(line);
                report.AppendLine(line);
            }
        }
        finally
        {
            kernel.Cleanup();
        }
        if (options.Output is string path)
        {
            File.WriteAllText(path, report.ToString());
            Console.WriteLine($"written to {path}");
        }
        return 0;
    }

    private static string Measure(GemmShape shape, Options options, MicroKernelBenchmarks kernel)
    {
        var bench = new GemmBenchmarks { Shape = shape };
        bench.Setup();
        var roof = new RoofBenchmarks();
        var contenders = new List<Action>
        {
            () => roof.FmaPeak(options.Level),
            () => bench.Multiply(options.Level),
            () => bench.OpenBlas(),
            kernel.PackedBlock,
        };
        if (shape.Threads > 1)
        {
            contenders.Add(() =>
            {
                Gemm.MaxDegreeOfParallelism = 1;
                try { bench.Multiply(options.Level); }
                finally { Gemm.MaxDegreeOfParallelism = shape.Threads; }
            });
        }
        try
        {
            double[][] perCall = Rounds(contenders, options);
            double roofFlopsPerCall = RoofBenchmarks.FmaFlops(options.Level);
            double[] roofPercent = Ratios(perCall[0], perCall[1], (r, s) => 100 * (shape.Flops / s) / (roofFlopsPerCall / r));
            double kernelFlopsPerCall = MicroKernelBenchmarks.Flops(options.Level);
            double[] ceilingPercent = Ratios(perCall[3], perCall[1], (k, s) => 100 * (shape.Flops / s) / (kernelFlopsPerCall / k));
            double[] blasPercent = Ratios(perCall[0], perCall[2], (r, b) => 100 * (shape.Flops / b) / (roofFlopsPerCall / r));
            double[] overBlas = Ratios(perCall[2], perCall[1], (b, s) => b / s);
            string scaling = shape.Threads > 1 ? Quartiles(Ratios(perCall[4], perCall[1], (one, many) => one / many)) : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"| {shape} | {Median(perCall[1]) * 1000:F1} | {Median(roofPercent):F0}% | {Median(ceilingPercent):F0}% | {Median(blasPercent):F0}% | {Quartiles(overBlas)} | {scaling} |");
        }
        finally
        {
            bench.Cleanup();
        }
    }

    /// <summary>
    /// Times every contender once per round, back to back, each round starting from the next
    /// contender; returns the milliseconds per call of each contender (outer) in each round (inner).
    /// </summary>
    private static double[][] Rounds(List<Action> contenders, Options options)
    {
        // Sized from a warm call of each (the second, after the JIT's tiers and the workers' start).
        int[] calls = contenders.Select(run =>
        {
            run();
            double ms = TimeMs(run, 1);
            return (int)Math.Clamp(Math.Ceiling(options.SampleMs / Math.Max(ms, 1e-4)), 1, 1_000_000);
        }).ToArray();
        // A full sample of each before the rounds, so that the first round does not time an idle vCPU waking.
        for (int i = 0; i < contenders.Count; i++) TimeMs(contenders[i], calls[i]);
        var perCall = contenders.Select(_ => new double[options.Rounds]).ToArray();
        for (int round = 0; round < options.Rounds; round++)
        {
            for (int step = 0; step < contenders.Count; step++)
            {
                // Lets the previous contender's idle workers stop spinning before the next one starts.
                Thread.Sleep(2);
                int i = (round + step) % contenders.Count;
                perCall[i][round] = TimeMs(contenders[i], calls[i]) / calls[i];
            }
        }
        return perCall;
    }

    /// <summary>
    /// The level's micro-kernel alone on cache-resident packed panels (<see cref="MicroKernelBenchmarks"/>)
    /// as % of the roof, paired with the roof in rounds like the shapes: the most a product at this level
    /// reaches here. Each shape's rounds time the kernel too, for its % ceiling column.
    /// </summary>
    private static string MeasureCeiling(Options options, MicroKernelBenchmarks kernel)
    {
        var roof = new RoofBenchmarks();
        double[][] perCall = Rounds([() => roof.FmaPeak(options.Level), kernel.PackedBlock], options);
        double roofFlops = RoofBenchmarks.FmaFlops(options.Level), kernelFlops = MicroKernelBenchmarks.Flops(options.Level);
        double[] percent = Ratios(perCall[0], perCall[1], (r, k) => 100 * (kernelFlops / k) / (roofFlops / r));
        return string.Format(CultureInfo.InvariantCulture,
            "Micro-kernel ceiling ({0}, packed panels in cache, paired with the roof): {1:F0}% of roof [{2:F0}–{3:F0}%]. " +
            "% ceiling is Simd's rate as a share of this kernel's rate in the same round: what blocking, packing and edges keep of it.",
            MicroKernelBenchmarks.Describe(options.Level), Median(percent), Quantile(percent, 0.25), Quantile(percent, 0.75));
    }

    private static double TimeMs(Action run, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double[] Ratios(double[] first, double[] second, Func<double, double, double> ratio) =>
        [.. first.Zip(second, ratio)];

    private static string Quartiles(double[] values) => string.Create(CultureInfo.InvariantCulture,
        $"×{Median(values):F2} [{Quantile(values, 0.25):F2}–{Quantile(values, 0.75):F2}]");

    private static double Median(double[] values) => Quantile(values, 0.5);

    /// <summary>The q-quantile by linear interpolation between order statistics.</summary>
    private static double Quantile(double[] values, double q)
    {
        double[] sorted = [.. values.Order()];
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static Options Parse(string[] args)
    {
        string filter = "";
        int rounds = 15;
        double sampleMs = 20;
        SimdLevel level = SimdLevel.Vector256;
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value", nameof(args));
            switch (args[i])
            {
                case "--filter": filter = Value(); break;
                case "--rounds":
                    rounds = int.Parse(Value(), CultureInfo.InvariantCulture);
                    if (rounds < 3) throw new ArgumentException($"--rounds {rounds}: at least 3 rounds give quartiles", nameof(args));
                    break;
                case "--sample-ms":
                    sampleMs = double.Parse(Value(), CultureInfo.InvariantCulture);
                    if (!(sampleMs > 0)) throw new ArgumentException($"--sample-ms {sampleMs}: must be positive", nameof(args));
                    break;
                case "--level":
                    string name = Value();
                    if (!Enum.TryParse(name, out level)) throw new ArgumentException($"--level {name}: one of {string.Join(", ", Enum.GetNames<SimdLevel>())}", nameof(args));
                    break;
                case "--out": output = Value(); break;
                default: throw new ArgumentException($"unknown option {args[i]} (--filter, --rounds, --sample-ms, --level, --out)", nameof(args));
            }
        }
        return new Options(filter, rounds, sampleMs, level, output);
    }
}
