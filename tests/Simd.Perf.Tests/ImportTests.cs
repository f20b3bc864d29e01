namespace Simd.Perf.Tests;

public class ImportTests
{
    [Fact]
    public void ReadsMeasuredIterationsOnly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simd-perf-import-{Environment.ProcessId}.json");
        File.WriteAllText(path, """
            {"Title":"t","HostEnvironmentInfo":{"ProcessorName":"AMD EPYC","LogicalCoreCount":2,"RuntimeVersion":".NET 10","OsVersion":"Linux"},
             "Benchmarks":[{"Type":"RoofBenchmarks","Method":"Copy","Parameters":"length=16384","HardwareIntrinsics":"AVX2",
               "Memory":{"BytesAllocatedPerOperation":0},
               "Measurements":[
                 {"IterationMode":"Workload","IterationStage":"Warmup","Operations":4,"Nanoseconds":400},
                 {"IterationMode":"Workload","IterationStage":"Result","Operations":4,"Nanoseconds":8000},
                 {"IterationMode":"Workload","IterationStage":"Result","Operations":4,"Nanoseconds":8400},
                 {"IterationMode":"Overhead","IterationStage":"Result","Operations":4,"Nanoseconds":4}]}]}
            """);
        try
        {
            var (results, host) = BdnImport.Read(path, (_, _, _) => new StatedWork(0, 131072, "Memory"));
            BenchmarkResult result = Assert.Single(results);
            Assert.Equal([2000.0, 2100.0], result.SamplesNs);
            Assert.Equal(2050, result.MedianNs);
            Assert.Equal("RoofBenchmarks.Copy(length=16384)", result.Id);
            Assert.Equal("AMD EPYC", host.GetProperty("ProcessorName").GetString());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("AMD EPYC", 2, "SSE AVX AVX2 FMA AVX512F", "amd-epyc-2c-avx512")]
    [InlineData("Intel(R) Xeon(R) Gold 6338", 16, "SSE AVX AVX2 FMA", "intel-r-xeon-r-gold-6338-16c-avx2")]
    [InlineData("Apple M2", 8, "AdvSimd AdvSimd.Arm64", "apple-m2-8c-neon")]
    public void MachineKeys(string cpu, int cores, string isa, string expected) =>
        Assert.Equal(expected, Program.MachineKey(cpu, cores, isa));

    [Fact]
    public void WorkComesFromTheBenchmarkClasses()
    {
        var work = BdnImport.WorkFromAssembly(typeof(Simd.Benchmarks.Workload).Assembly);
        StatedWork? copy = work("RoofBenchmarks", "Copy", new Dictionary<string, string> { ["length"] = "1000" });
        Assert.Equal(new StatedWork(0, 8000, "Memory"), copy);
        Assert.Null(work("NoSuchBenchmarks", "X", new Dictionary<string, string>()));
    }
}
