namespace Simd.Perf.Tests;

public class ReportTests
{
    private static BenchmarkResult Result(string type, string method, string? level, double ns, Dictionary<string, string> parameters, double flops = 0, double bytes = 0, string? roof = null)
    {
        var all = new Dictionary<string, string>(parameters);
        if (level is not null) all["level"] = level;
        return new BenchmarkResult
        {
            Id = BdnImport.Identity(type, method, all), Type = type, Method = method, Parameters = all, Level = level,
            SamplesNs = [ns], MedianNs = ns, Flops = flops, Bytes = bytes, Roof = roof,
        };
    }

    private static RunRecord Run(params BenchmarkResult[] benchmarks) => new()
    {
        Machine = new MachineInfo { Key = "test", Cpu = "test", Cores = 2, HardwareIntrinsics = "AVX2 AVX512F", Runtime = "test", Os = "test" },
        Commit = "test", Date = DateTimeOffset.UnixEpoch, Configuration = "native", Job = "smoke", Benchmarks = benchmarks,
    };

    [Fact]
    public void OneLevelSummaryKeepsTheBaselineColumns()
    {
        var length = new Dictionary<string, string> { ["Length"] = "1024" };
        RunRecord run = Run(
            Result("K", "Simd", "Vector256", 200, length),
            Result("K", "Simd", "Vector512", 100, length),
            Result("K", "TensorPrimitivesVersion", null, 300, length),
            Result("K", "Reference", null, 1000, length),
            Result("Training", "Step", null, 5000, new Dictionary<string, string> { ["Batch"] = "32" }));
        string text = Report.Summarize(run, "Vector512");
        Assert.Contains("| Simd Length=1024 | Vector512 | 100.0 ns |", text);
        Assert.DoesNotContain("Vector256", text.Split("### K")[1].Split("###")[0]);
        Assert.DoesNotContain("| TensorPrimitivesVersion", text);
        // × Reference 10.00 and × TensorPrimitives 3.00 for the Vector512 row.
        Assert.Matches(@"\| Simd Length=1024 \| Vector512 \| 100\.0 ns \| +\| +\| 10\.00 \| 3\.00 \|", text);
        Assert.Contains("| Step Batch=32 | — | 5.00 µs |", text);
    }

    [Fact]
    public void EachMethodIsComparedOnlyWithTheBaselinesNamedAfterIt()
    {
        var length = new Dictionary<string, string> { ["Length"] = "1024" };
        RunRecord run = Run(
            Result("Optimizers", "SgdMomentumReference", null, 3000, length),
            Result("Optimizers", "SgdReference", null, 1000, length),
            Result("Optimizers", "AdamReference", null, 8000, length),
            Result("Optimizers", "SgdTensorPrimitives", null, 400, length),
            Result("Optimizers", "Sgd", "Vector512", 100, length),
            Result("Optimizers", "SgdMomentum", "Vector512", 200, length),
            Result("Optimizers", "Adam", "Vector512", 1000, length));
        string text = Report.Summarize(run, "Vector512");
        // Columns: × Reference, × TensorPrimitives.
        Assert.Matches(@"\| Sgd Length=1024 \| Vector512 \| 100\.0 ns \| +\| +\| 10\.00 \| 4\.00 \|", text);
        Assert.Matches(@"\| SgdMomentum Length=1024 \| Vector512 \| 200\.0 ns \| +\| +\| 15\.00 \| +\|", text);
        Assert.Matches(@"\| Adam Length=1024 \| Vector512 \| 1\.00 µs \| +\| +\| 8\.00 \| +\|", text);
    }

    [Fact]
    public void RestateReReadsTheWorkFromTheBenchmarkClasses()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simd-perf-restate-{Environment.ProcessId}.json");
        var shape = new Dictionary<string, string> { ["Shape"] = "square NN 64x32x16 t1" };
        Run(Result("GemmBenchmarks", "Multiply", "Vector256", 1000, shape)).Save(path);
        try
        {
            Assert.Equal(0, Program.Main(["restate", path]));
            BenchmarkResult restated = Assert.Single(RunRecord.Load(path).Benchmarks);
            Assert.Equal(2.0 * 64 * 32 * 16, restated.Flops);
            Assert.Equal(4.0 * (64 * 16 + 16 * 32 + 64 * 32), restated.Bytes);
            Assert.Equal("Compute", restated.Roof);
            Assert.Equal([1000.0], restated.SamplesNs);
        }
        finally { File.Delete(path); }
    }
}
