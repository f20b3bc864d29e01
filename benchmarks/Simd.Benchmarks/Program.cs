using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Running;

namespace Simd.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suite: <c>dotnet run -c Release --project benchmarks/Simd.Benchmarks -- --filter '*Activations*'</c>.
/// Every class validates its kernel against the reference in its global setup before timing.
/// </summary>
public static class Program
{
    /// <summary>
    /// Entry point; arguments are BenchmarkDotNet's (filters, jobs, exporters), or <c>paired</c> and
    /// <see cref="PairedGemm"/>'s options, or <c>rnn-steps</c> and <see cref="PairedRecurrent"/>'s.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "paired") return PairedGemm.Run(args[1..]);
        if (args.Length > 0 && args[0] == "rnn-steps") return PairedRecurrent.Run(args[1..]);
        if (args.Length > 0 && args[0] == "window-step") return WindowSteps.Run(args[1..]);
        Console.WriteLine(Simd.Kernels.SimdLevels.DescribeMachine());
        WriteMachineFile(args);
        IConfig config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Full)
            .AddExporter(CsvMeasurementsExporter.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }

    /// <summary>
    /// Writes <c>simd-machine.json</c> into the <c>--artifacts</c> folder, when one is given: the
    /// instruction sets .NET reports in this process (after any DOTNET_Enable* switches), those the CPU
    /// itself has (Linux's /proc/cpuinfo flags, which the switches do not change; empty elsewhere), the
    /// detected level, the CPU model and its vendor and generation, for the perf tool to record with the results.
    /// </summary>
    private static void WriteMachineFile(string[] args)
    {
        int index = Array.IndexOf(args, "--artifacts");
        if (index < 0 || index + 1 >= args.Length) return;
        Directory.CreateDirectory(args[index + 1]);
        var machine = new Dictionary<string, string>
        {
            ["cpu"] = Simd.Kernels.SimdLevels.CpuModel(),
            ["instructionSets"] = string.Join(' ', Simd.Kernels.SimdLevels.InstructionSets()),
            ["cpuFlags"] = Simd.Kernels.SimdLevels.CpuFlags(),
            ["detectedLevel"] = Simd.Kernels.SimdLevels.Detected.ToString(),
            ["vendor"] = CpuGeneration.Describe().Vendor,
            ["generation"] = CpuGeneration.Describe().Generation,
        };
        File.WriteAllText(Path.Combine(args[index + 1], "simd-machine.json"), System.Text.Json.JsonSerializer.Serialize(machine));
    }
}
