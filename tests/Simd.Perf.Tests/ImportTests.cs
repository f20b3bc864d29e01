namespace Simd.Perf.Tests;

public class ImportTests
{
    /// <summary>A BenchmarkDotNet full report with one case: warm-up, two measured iterations and overhead.</summary>
    private const string MinimalReport = """
            {"Title":"t","HostEnvironmentInfo":{"ProcessorName":"AMD EPYC","LogicalCoreCount":2,"RuntimeVersion":".NET 10","OsVersion":"Linux"},
             "Benchmarks":[{"Type":"RoofBenchmarks","Method":"Copy","Parameters":"length=16384","HardwareIntrinsics":"AVX2",
               "Memory":{"BytesAllocatedPerOperation":0},
               "Measurements":[
                 {"IterationMode":"Workload","IterationStage":"Warmup","Operations":4,"Nanoseconds":400},
                 {"IterationMode":"Workload","IterationStage":"Result","Operations":4,"Nanoseconds":8000},
                 {"IterationMode":"Workload","IterationStage":"Result","Operations":4,"Nanoseconds":8400},
                 {"IterationMode":"Overhead","IterationStage":"Result","Operations":4,"Nanoseconds":4}]}]}
            """;

    [Fact]
    public void ReadsMeasuredIterationsOnly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simd-perf-import-{Environment.ProcessId}.json");
        File.WriteAllText(path, MinimalReport);
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
    [InlineData("AMD EPYC", 2, "SSE AVX AVX2 FMA AVX512F", "native", "amd-epyc-2c-avx512")]
    [InlineData("AMD EPYC", 2, "SSE AVX AVX2 FMA AVX512F", "noavx512", "amd-epyc-2c-avx512-noavx512")]
    [InlineData("Intel(R) Xeon(R) Gold 6338", 16, "SSE AVX AVX2 FMA", "native", "intel-r-xeon-r-gold-6338-16c-avx2")]
    [InlineData("Apple M2", 8, "AdvSimd AdvSimd.Arm64", "native", "apple-m2-8c-neon")]
    public void MachineKeys(string cpu, int cores, string isa, string configuration, string expected) =>
        Assert.Equal(expected, Program.MachineKey(cpu, cores, isa, configuration));

    /// <summary>Zen 1, Zen 3, Zen 4 and Zen 5 EPYCs all report "AMD EPYC": the family and model keep them apart.</summary>
    [Theory]
    [InlineData("AMD EPYC", "amd", "f23m1", "SSE AVX2", "amd-epyc-f23m1-2c-avx2")]
    [InlineData("AMD EPYC", "amd", "f25m1", "SSE AVX2", "amd-epyc-f25m1-2c-avx2")]
    [InlineData("AMD EPYC", "amd", "f25m17", "SSE AVX2 AVX512F", "amd-epyc-f25m17-2c-avx512")]
    [InlineData("AMD EPYC", "amd", "f26m2", "SSE AVX2 AVX512F", "amd-epyc-f26m2-2c-avx512")]
    [InlineData("Intel(R) Xeon(R) Gold 6338", "intel", "f6m106", "SSE AVX2 AVX512F", "intel-r-xeon-r-gold-6338-f6m106-2c-avx512")]
    [InlineData("Neoverse-N1", "arm", "i0x41p0xd0c", "AdvSimd", "arm-neoverse-n1-i0x41p0xd0c-2c-neon")]
    public void MachineKeysSeparateCpuGenerations(string cpu, string vendor, string generation, string isa, string expected) =>
        Assert.Equal(expected, Program.MachineKey(cpu, 2, isa, "native", vendor, generation));

    [Theory]
    [InlineData("fpu sse sse2 avx avx2 fma avx512f avx512bw", "SSE AVX2 AVX512F")]
    [InlineData("fpu sse sse2 avx avx2 fma", "SSE AVX2")]
    [InlineData("fp asimd evtstrm aes", "AdvSimd")]
    public void CpuFlagsNameTheHardwareIsa(string flags, string expected) =>
        Assert.Equal(expected, Program.CpuFlagsAsIsa(flags));

    /// <summary>
    /// A Zen 4 run with AVX-512 switched off reports AVX2 in its process, like a Zen 3; the CPU's flags
    /// (written by the benchmark program) keep their keys apart, and the configuration is in the key.
    /// </summary>
    [Fact]
    public void ASwitchedOffIsaDoesNotChangeTheMachineKind()
    {
        string folder = Path.Combine(Path.GetTempPath(), Path.GetRandomFileName());
        Directory.CreateDirectory(folder);
        try
        {
            string report = Path.Combine(folder, "report-full.json");
            File.WriteAllText(report, MinimalReport);
            string machine = Path.Combine(folder, "simd-machine.json");
            File.WriteAllText(machine, """{"cpu":"AMD EPYC","instructionSets":"SSE AVX AVX2 FMA","cpuFlags":"fpu sse avx avx2 fma avx512f","detectedLevel":"Vector256"}""");
            Assert.Equal("amd-epyc-2c-avx512-noavx512", Program.Import([report], machine, "abc1234", "noavx512", "smoke").Machine.Key);
            File.WriteAllText(machine, """{"cpu":"AMD EPYC","instructionSets":"SSE AVX AVX2 FMA","cpuFlags":"fpu sse avx avx2 fma","detectedLevel":"Vector256"}""");
            Assert.Equal("amd-epyc-2c-avx2", Program.Import([report], machine, "abc1234", "native", "smoke").Machine.Key);
            File.WriteAllText(machine, """{"cpu":"AMD EPYC","instructionSets":"SSE AVX AVX2 FMA AVX512F","detectedLevel":"Vector512"}""");
            Assert.Equal("amd-epyc-2c-avx512", Program.Import([report], machine, "abc1234", "native", "smoke").Machine.Key);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void WorkComesFromTheBenchmarkClasses()
    {
        var work = BdnImport.WorkFromAssembly(typeof(Simd.Benchmarks.Workload).Assembly);
        StatedWork? copy = work("RoofBenchmarks", "Copy", new Dictionary<string, string> { ["length"] = "1000" });
        Assert.Equal(new StatedWork(0, 8000, "Memory"), copy);
        Assert.Null(work("NoSuchBenchmarks", "X", new Dictionary<string, string>()));
    }
}
