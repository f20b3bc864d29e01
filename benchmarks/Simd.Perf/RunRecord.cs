using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simd.Perf;

/// <summary>
/// One recorded benchmark run (schema 1; documented in perf-results/README.md): the machine, the
/// commit, and every benchmark case with its raw per-operation samples and its work.
/// </summary>
public sealed record RunRecord
{
    /// <summary>Schema version of this file.</summary>
    public int Schema { get; init; } = 1;
    /// <summary>Where the run happened.</summary>
    public required MachineInfo Machine { get; init; }
    /// <summary>Commit the benchmarks were built from (short hash, "+dirty" when the tree had changes).</summary>
    public required string Commit { get; init; }
    /// <summary>UTC time the run finished.</summary>
    public required DateTimeOffset Date { get; init; }
    /// <summary>The environment configuration: native, noavx512, noavx2 or nohw.</summary>
    public required string Configuration { get; init; }
    /// <summary>The BenchmarkDotNet job (short, medium, default, smoke).</summary>
    public required string Job { get; init; }
    /// <summary>Every benchmark case of the run, roofs included.</summary>
    public required IReadOnlyList<BenchmarkResult> Benchmarks { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads a run file; a malformed file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static RunRecord Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path}: empty run file");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: not a run file ({error.Message})", error);
        }
    }

    /// <summary>Writes the run as indented JSON.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, s_json));
    }
}

/// <summary>The machine a run was recorded on.</summary>
public sealed record MachineInfo
{
    /// <summary>File-name-safe key for the machine kind: CPU, cores and widest ISA.</summary>
    public required string Key { get; init; }
    /// <summary>CPU model name.</summary>
    public required string Cpu { get; init; }
    /// <summary>Logical cores.</summary>
    public required int Cores { get; init; }
    /// <summary>Hardware intrinsics .NET reported in the benchmark process.</summary>
    public required string HardwareIntrinsics { get; init; }
    /// <summary>.NET runtime version.</summary>
    public required string Runtime { get; init; }
    /// <summary>Operating system.</summary>
    public required string Os { get; init; }
}

/// <summary>One benchmark case: identity, raw samples and work.</summary>
public sealed record BenchmarkResult
{
    /// <summary>Stable identity: Type.Method(parameters in name order).</summary>
    public required string Id { get; init; }
    /// <summary>Benchmark class name.</summary>
    public required string Type { get; init; }
    /// <summary>Benchmark method name.</summary>
    public required string Method { get; init; }
    /// <summary>Parameters and arguments by name.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    /// <summary>The SIMD level argument, or null for baselines that have none.</summary>
    public string? Level { get; init; }
    /// <summary>Per-operation times of the measured iterations, in nanoseconds.</summary>
    public required IReadOnlyList<double> SamplesNs { get; init; }
    /// <summary>Median of <see cref="SamplesNs"/>.</summary>
    public required double MedianNs { get; init; }
    /// <summary>Managed bytes allocated per operation.</summary>
    public long AllocatedBytes { get; init; }
    /// <summary>Floating-point operations per invocation (0 when not stated).</summary>
    public double Flops { get; init; }
    /// <summary>Bytes moved per invocation (0 when not stated).</summary>
    public double Bytes { get; init; }
    /// <summary>Compute or Memory, or null when the benchmark states no work.</summary>
    public string? Roof { get; init; }
    /// <summary>Training examples per invocation (a training step's batch; 0 otherwise), for samples/s.</summary>
    public double Samples { get; init; }
}
