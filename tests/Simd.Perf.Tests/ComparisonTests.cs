using System.Diagnostics;

namespace Simd.Perf.Tests;

[Collection(nameof(TimedCollection))]
public class ComparisonTests
{
    private static readonly CompareOptions CiOptions = new(Threshold: 0.40, Alpha: 0.001, NoiseFloorNs: 200);

    /// <summary>A run with roofs and one kernel whose samples are <paramref name="kernelNs"/> · (1 ± noise).</summary>
    internal static RunRecord SyntheticRun(double kernelNs, double machineSlowdown, int seed, double noise = 0.03, int samples = 15)
    {
        var random = new Random(seed);
        List<double> Samples(double ns) => [.. Enumerable.Range(0, samples).Select(_ => ns * machineSlowdown * (1 + noise * (2 * random.NextDouble() - 1)) * (random.NextDouble() < 0.1 ? 1.2 : 1))];
        BenchmarkResult Result(string type, string method, Dictionary<string, string> parameters, double ns, double flops, double bytes, string roof)
        {
            List<double> s = Samples(ns);
            return new BenchmarkResult
            {
                Id = BdnImport.Identity(type, method, parameters), Type = type, Method = method, Parameters = parameters,
                Level = parameters.GetValueOrDefault("level"), SamplesNs = s, MedianNs = Statistics.Median(s), Flops = flops, Bytes = bytes, Roof = roof,
            };
        }
        return new RunRecord
        {
            Machine = new MachineInfo { Key = "test", Cpu = "test", Cores = 2, HardwareIntrinsics = "AVX2 FMA", Runtime = "test", Os = "test" },
            Commit = "test", Date = DateTimeOffset.UnixEpoch, Configuration = "native", Job = "smoke",
            Benchmarks =
            [
                Result(Roofs.RoofType, "FmaPeak", new() { ["level"] = "Vector256" }, 170_000, 19_200_000, 0, "Compute"),
                Result(Roofs.RoofType, "Copy", new() { ["length"] = "16384" }, 2_000, 0, 131_072, "Memory"),
                Result("GemmBenchmarks", "Multiply", new() { ["level"] = "Vector256", ["N"] = "256" }, kernelNs, 2.0 * 256 * 256 * 256, 3.0 * 256 * 256 * 4, "Compute"),
                Result("BlasBenchmarks", "Axpy", new() { ["level"] = "Vector256", ["Length"] = "16384" }, kernelNs / 100, 0, 12.0 * 16384, "Memory"),
            ],
        };
    }

    [Fact]
    public void DeliberateSlowdownIsARegression()
    {
        RunRecord baseline = SyntheticRun(300_000, 1.0, seed: 1);
        RunRecord slowed = SyntheticRun(300_000 * 1.6, 1.0, seed: 2);
        IReadOnlyList<ComparisonRow> rows = Comparison.Compare(baseline, slowed, CiOptions);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(Verdict.Slower, row.Verdict));
    }

    [Fact]
    public void SpeedUpIsReportedAsFaster()
    {
        IReadOnlyList<ComparisonRow> rows = Comparison.Compare(SyntheticRun(300_000, 1.0, 1), SyntheticRun(150_000, 1.0, 2), CiOptions);
        Assert.All(rows, row => Assert.Equal(Verdict.Faster, row.Verdict));
    }

    [Fact]
    public void UniformlySlowerMachineIsNotARegression()
    {
        // Everything, the roofs included, takes 1.6× as long: a busier or slower machine, not slower code.
        IReadOnlyList<ComparisonRow> rows = Comparison.Compare(SyntheticRun(300_000, 1.0, 1), SyntheticRun(300_000, 1.6, 2), CiOptions);
        Assert.All(rows, row => Assert.Equal(Verdict.Same, row.Verdict));
    }

    [Fact]
    public void NoiseAloneNeverFlags()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            IReadOnlyList<ComparisonRow> rows = Comparison.Compare(SyntheticRun(300_000, 1.0, seed, noise: 0.08), SyntheticRun(300_000, 1.0, seed + 1000, noise: 0.08), CiOptions);
            Assert.All(rows, row => Assert.Equal(Verdict.Same, row.Verdict));
        }
    }

    [Fact]
    public void ChangesBelowTheNoiseFloorNeverFlag()
    {
        // 40% slower but only 4 ns in absolute terms.
        IReadOnlyList<ComparisonRow> rows = Comparison.Compare(SyntheticRun(1000, 1.0, 1, noise: 0.001), SyntheticRun(1400, 1.0, 2, noise: 0.001), CiOptions);
        Assert.Contains(rows, row => row.Id.StartsWith("BlasBenchmarks", StringComparison.Ordinal) && row.Verdict == Verdict.Same);
    }

    [Fact]
    public void RealMeasuredSlowdownIsCaught()
    {
        // A real kernel timed with Stopwatch, then a "slowed build" of it that does the work twice.
        // 2× is far beyond timing noise on a shared machine, but it exercises the comparer on real,
        // noisy samples rather than synthetic ones. The samples of the two runs compared are taken
        // alternately, so that a burst of load from another process slows both alike: taken one run
        // after the other, a burst during the first made identical work compare as Faster.
        float[] data = new float[64 * 1024];
        double Measure(int repeats)
        {
            var watch = Stopwatch.StartNew();
            float sum = 0;
            for (int r = 0; r < repeats; r++)
                for (int i = 0; i < data.Length; i++) { data[i] = data[i] * 0.999f + 1f; sum += data[i]; }
            watch.Stop();
            GC.KeepAlive(sum);
            return watch.Elapsed.TotalNanoseconds;
        }
        Measure(2);
        RunRecord Record(List<double> samples)
        {
            RunRecord template = SyntheticRun(1, 1.0, 0);
            BenchmarkResult kernel = template.Benchmarks[2] with { SamplesNs = samples, MedianNs = Statistics.Median(samples) };
            return template with { Benchmarks = [template.Benchmarks[0], template.Benchmarks[1], kernel] };
        }
        (RunRecord First, RunRecord Second) Runs(int firstRepeats, int secondRepeats)
        {
            List<double> first = [], second = [];
            for (int i = 0; i < 15; i++)
            {
                first.Add(Measure(firstRepeats));
                second.Add(Measure(secondRepeats));
            }
            return (Record(first), Record(second));
        }
        var (baseline, slowed) = Runs(1, 2);
        ComparisonRow row = Assert.Single(Comparison.Compare(baseline, slowed, CiOptions));
        Assert.Equal(Verdict.Slower, row.Verdict);
        var (before, after) = Runs(1, 1);
        Assert.Equal(Verdict.Same, Assert.Single(Comparison.Compare(before, after, CiOptions with { Threshold = 0.5 })).Verdict);
    }

    [Fact]
    public void BaselineFolderCanWidenTheThresholdForOneMachineKind()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"simd-perf-thresholds-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            // The synthetic runs' machine key is "test".
            SyntheticRun(300_000, 1.0, seed: 1).Save(Path.Combine(folder, "test.json"));
            string slowed = Path.Combine(folder, "slowed.json"), collapsed = Path.Combine(folder, "collapsed.json");
            SyntheticRun(300_000 * 1.6, 1.0, seed: 2).Save(slowed);
            SyntheticRun(300_000 * 2.5, 1.0, seed: 3).Save(collapsed);
            int Compare(string current) => Program.Main(["compare", folder, current, "--threshold", "0.40", "--alpha", "0.001", "--noise-ns", "200"]);
            string thresholds = Path.Combine(folder, "thresholds.json");

            Assert.Equal(1, Compare(slowed));
            File.WriteAllText(thresholds, """{ "other-machine": { "threshold": 1.0, "reason": "noisy" } }""");
            Assert.Equal(1, Compare(slowed));
            File.WriteAllText(thresholds, """{ "test": { "threshold": 1.0, "reason": "noisy neighbours" } }""");
            Assert.Equal((1.0, "noisy neighbours"), Program.MachineThreshold(folder, "test"));
            Assert.Equal(0, Compare(slowed));
            Assert.Equal(1, Compare(collapsed));
            File.WriteAllText(thresholds, """{ "test": { "threshold": 1.0 } }""");
            Assert.Equal(2, Compare(slowed));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void EmulatedVector512CasesAreNotCompared()
    {
        RunRecord Wide(RunRecord run, string isa) => run with
        {
            Machine = run.Machine with { HardwareIntrinsics = isa },
            Benchmarks = [.. run.Benchmarks, run.Benchmarks[2] with { Id = "GemmBenchmarks.Multiply(level=Vector512)", Level = "Vector512" }],
        };
        RunRecord baseline = Wide(SyntheticRun(300_000, 1.0, 1), "AVX2 FMA AVX512F");
        Assert.Contains(Comparison.Compare(baseline, Wide(SyntheticRun(300_000, 1.0, 2), "AVX2 FMA AVX512F"), CiOptions), r => r.Id.Contains("Vector512"));
        Assert.DoesNotContain(Comparison.Compare(baseline, Wide(SyntheticRun(300_000, 1.0, 2), "AVX2 FMA"), CiOptions), r => r.Id.Contains("Vector512"));
    }

    [Fact]
    public void RunFileRoundTrips()
    {
        RunRecord run = SyntheticRun(300_000, 1.0, 7);
        string path = Path.Combine(Path.GetTempPath(), $"simd-perf-test-{Environment.ProcessId}.json");
        try
        {
            run.Save(path);
            RunRecord loaded = RunRecord.Load(path);
            Assert.Equal(run.Benchmarks.Count, loaded.Benchmarks.Count);
            Assert.Equal(run.Benchmarks[2].SamplesNs, loaded.Benchmarks[2].SamplesNs);
            Assert.Equal(run.Benchmarks[2].Id, loaded.Benchmarks[2].Id);
            File.WriteAllText(path, "{ not json");
            Assert.Throws<InvalidDataException>(() => RunRecord.Load(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RoofsAndFractions()
    {
        RunRecord run = SyntheticRun(300_000, 1.0, 3, noise: 0);
        Roofs roofs = Roofs.From(run);
        Assert.Equal(19_200_000 / 170_000.0, roofs.ComputeRoof("Vector256")!.Value, 1);
        Assert.Null(roofs.ComputeRoof("Vector512"));
        Assert.Equal(131_072 / 2_000.0, roofs.CopyGBs[16384], 1);
        BenchmarkResult gemm = run.Benchmarks[2];
        Assert.Equal(gemm.Flops / gemm.MedianNs / roofs.ComputeRoof("Vector256")!.Value, roofs.Fraction(gemm)!.Value, 9);
    }

    [Fact]
    public void SummaryAndChartsNameEveryCase()
    {
        RunRecord run = SyntheticRun(300_000, 1.0, 3);
        string summary = Report.Summarize(run);
        Assert.Contains("GemmBenchmarks", summary);
        Assert.Contains("GFLOP/s", summary);
        Assert.Contains("GB/s", summary);
        string bars = Charts.LevelBars(run, "t");
        Assert.StartsWith("<svg", bars);
        Assert.Contains("Gemm.Multiply", bars);
        Assert.Contains("<circle", Charts.Roofline(run, "t", "Gemm"));
    }

    [Fact]
    public void ChartsOfARunWithoutLevelledCasesAreEmpty()
    {
        RunRecord full = SyntheticRun(300_000, 1.0, 3);
        RunRecord training = full with { Benchmarks = [.. full.Benchmarks.Where(b => b.Level is null)] };
        string bars = Charts.LevelBars(training, "t");
        Assert.StartsWith("<svg", bars);
        Assert.DoesNotContain("</title></rect>", bars);
        Assert.Contains("</title></rect>", Charts.LevelBars(full, "t"));
    }
}

public class ChartTests
{
    /// <summary>The synthetic run plus a 2-thread GEMM at 1.6× the one-core peak and a Vector512 case, emulated on its AVX2 machine.</summary>
    private static RunRecord RunWithThreadsAndEmulation()
    {
        RunRecord run = ComparisonTests.SyntheticRun(300_000, 1.0, 5);
        BenchmarkResult gemm = run.Benchmarks[2];
        double coreGflops = Roofs.From(run).ComputeRoof("Vector256")!.Value;
        double twoThreadNs = gemm.Flops / (1.6 * coreGflops);
        BenchmarkResult twoThreads = gemm with
        {
            Id = "GemmBenchmarks.Multiply(Shape=square NN 256x256x256 t2, level=Vector256)",
            Parameters = new Dictionary<string, string> { ["Shape"] = "square NN 256x256x256 t2", ["level"] = "Vector256" },
            SamplesNs = [twoThreadNs], MedianNs = twoThreadNs,
        };
        BenchmarkResult emulated = gemm with
        {
            Id = "GemmBenchmarks.Multiply(N=256, level=Vector512)", Level = "Vector512",
            Parameters = new Dictionary<string, string> { ["N"] = "256", ["level"] = "Vector512" },
        };
        return run with { Benchmarks = [.. run.Benchmarks, twoThreads, emulated] };
    }

    [Fact]
    public void MultithreadedCasesAreHeldAgainstTheirThreadsTimesTheCoreRoof()
    {
        RunRecord run = RunWithThreadsAndEmulation();
        BenchmarkResult twoThreads = run.Benchmarks.Single(b => b.Id.Contains(" t2", StringComparison.Ordinal));
        Assert.Equal(2, Roofs.Threads(twoThreads));
        Assert.Equal(1, Roofs.Threads(run.Benchmarks[2]));
        Assert.Equal(2, Roofs.Threads(twoThreads with { Parameters = new Dictionary<string, string> { ["Threads"] = "2" } }));
        Assert.Equal(0.8, Roofs.From(run).Fraction(twoThreads)!.Value, 9);
        Assert.Contains("t2, level=Vector256): 80.0 %", Charts.LevelBars(run, "t"));
    }

    [Fact]
    public void RooflineDrawsARoofPerThreadCount()
    {
        RunRecord run = RunWithThreadsAndEmulation();
        double core = Roofs.From(run).ComputeRoof("Vector256")!.Value;
        string roofline = Charts.Roofline(run, "t", "Gemm");
        Assert.Contains(FormattableString.Invariant($"FMA peak Vector256 {core:F0}<"), roofline);
        Assert.Contains(FormattableString.Invariant($"FMA peak Vector256 × 2 threads {2 * core:F0}<"), roofline);
        Assert.Contains("on 2 thread(s)", roofline);
    }

    [Fact]
    public void EmulatedLevelsHaveNoRoofsNoPointsAndNoBars()
    {
        RunRecord run = RunWithThreadsAndEmulation();
        Assert.True(Roofs.IsEmulated(run, "Vector512"));
        Assert.False(Roofs.IsEmulated(run, "Vector256"));
        string roofline = Charts.Roofline(run, "t", "Gemm"), bars = Charts.LevelBars(run, "t");
        Assert.DoesNotContain("level=Vector512", roofline);
        Assert.DoesNotContain("level=Vector512", bars);
        Assert.Contains("Vector512 (emulated here: not shown)", bars);
        RunRecord avx512 = run with { Machine = run.Machine with { HardwareIntrinsics = "AVX2 FMA AVX512F" } };
        Assert.Contains("level=Vector512", Charts.Roofline(avx512, "t", "Gemm"));
    }
}

public class RoofTests
{
    private static BenchmarkResult Copy(int length, double ns) => new()
    {
        Id = $"RoofBenchmarks.Copy(length={length})", Type = Roofs.RoofType, Method = "Copy",
        Parameters = new Dictionary<string, string> { ["length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        SamplesNs = [ns], MedianNs = ns, Bytes = 8.0 * length, Roof = "Memory",
    };

    [Fact]
    public void MemoryBoundBenchmarkWithoutLengthUsesTheCopyOfTheSameBytes()
    {
        var run = new RunRecord
        {
            Machine = new MachineInfo { Key = "test", Cpu = "test", Cores = 2, HardwareIntrinsics = "AVX2", Runtime = "test", Os = "test" },
            Commit = "test", Date = DateTimeOffset.UnixEpoch, Configuration = "native", Job = "smoke",
            // L1-sized copies run at 64 GB/s, L2/L3-sized at 80, DRAM-sized at 40.
            Benchmarks = [Copy(16_384, 2_048), Copy(262_144, 26_214), Copy(1_048_576, 209_715)],
        };
        Roofs roofs = Roofs.From(run);
        var l3 = new BenchmarkResult { Id = "K.TanhBackward", Type = "K", Method = "TanhBackward", Parameters = new Dictionary<string, string>(), SamplesNs = [1], MedianNs = 1, Bytes = 12.0 * 262_144, Roof = "Memory" };
        Assert.Equal(80, roofs.MemoryRoof(l3)!.Value, 1);
        var dram = l3 with { Bytes = 12.0 * 4_000_000 };
        Assert.Equal(40, roofs.MemoryRoof(dram)!.Value, 1);
        var withLength = l3 with { Parameters = new Dictionary<string, string> { ["length"] = "16384" } };
        Assert.Equal(64, roofs.MemoryRoof(withLength)!.Value, 1);
    }
}
