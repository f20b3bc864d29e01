using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Simd.Perf;

/// <summary>The work of one benchmark invocation as the benchmark class states it.</summary>
public readonly record struct StatedWork(double Flops, double Bytes, string Roof, double Samples = 0);

/// <summary>
/// Reads BenchmarkDotNet "full" JSON reports into <see cref="BenchmarkResult"/>s, keeping the raw
/// per-operation samples of the measured (Workload/Result) iterations.
/// </summary>
public static class BdnImport
{
    /// <summary>Reads one report; <paramref name="workOf"/> supplies each case's stated work, if any.</summary>
    public static (List<BenchmarkResult> Results, JsonElement Host) Read(string reportPath, Func<string, string, IReadOnlyDictionary<string, string>, StatedWork?> workOf)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(reportPath));
        JsonElement root = document.RootElement;
        var results = new List<BenchmarkResult>();
        foreach (JsonElement benchmark in root.GetProperty("Benchmarks").EnumerateArray())
        {
            string type = benchmark.GetProperty("Type").GetString()!;
            string method = benchmark.GetProperty("Method").GetString()!;
            Dictionary<string, string> parameters = ParseParameters(benchmark.GetProperty("Parameters").GetString());
            var samples = new List<double>();
            if (benchmark.TryGetProperty("Measurements", out JsonElement measurements))
            {
                foreach (JsonElement measurement in measurements.EnumerateArray())
                {
                    if (measurement.GetProperty("IterationMode").GetString() != "Workload" ||
                        measurement.GetProperty("IterationStage").GetString() != "Result") continue;
                    double operations = measurement.GetProperty("Operations").GetDouble();
                    samples.Add(measurement.GetProperty("Nanoseconds").GetDouble() / operations);
                }
            }
            if (samples.Count == 0) continue;
            long allocated = benchmark.TryGetProperty("Memory", out JsonElement memory) && memory.TryGetProperty("BytesAllocatedPerOperation", out JsonElement bytes)
                ? bytes.GetInt64() : 0;
            StatedWork? work = workOf(type, method, parameters);
            results.Add(new BenchmarkResult
            {
                Id = Identity(type, method, parameters),
                Type = type,
                Method = method,
                Parameters = parameters,
                Level = parameters.GetValueOrDefault("level"),
                SamplesNs = samples,
                MedianNs = Statistics.Median(samples),
                AllocatedBytes = allocated,
                Flops = work?.Flops ?? 0,
                Bytes = work?.Bytes ?? 0,
                Roof = work?.Roof,
                Samples = work?.Samples ?? 0,
            });
        }
        return (results, root.GetProperty("HostEnvironmentInfo").Clone());
    }

    /// <summary>Parses BenchmarkDotNet's "a=1&amp;b=x" parameter string.</summary>
    public static Dictionary<string, string> ParseParameters(string? text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text)) return parameters;
        foreach (string pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals > 0) parameters[pair[..equals]] = pair[(equals + 1)..];
        }
        return parameters;
    }

    /// <summary>Type.Method(name=value, … in name order): stable across runs and BenchmarkDotNet versions.</summary>
    public static string Identity(string type, string method, IReadOnlyDictionary<string, string> parameters) =>
        parameters.Count == 0 ? $"{type}.{method}"
            : $"{type}.{method}({string.Join(", ", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))})";

    /// <summary>
    /// Work lookup by reflection on the benchmark assembly: each class's
    /// <c>public static Workload Work(string method, IReadOnlyDictionary&lt;string, string&gt; parameters)</c>.
    /// Classes without it state no work.
    /// </summary>
    public static Func<string, string, IReadOnlyDictionary<string, string>, StatedWork?> WorkFromAssembly(Assembly benchmarks) =>
        (type, method, parameters) =>
        {
            MethodInfo? work = benchmarks.GetType($"Simd.Benchmarks.{type}")?.GetMethod("Work", BindingFlags.Public | BindingFlags.Static);
            if (work is null) return null;
            object workload = work.Invoke(null, [method, parameters])!;
            Type t = workload.GetType();
            return new StatedWork(
                Convert.ToDouble(t.GetProperty("Flops")!.GetValue(workload), CultureInfo.InvariantCulture),
                Convert.ToDouble(t.GetProperty("Bytes")!.GetValue(workload), CultureInfo.InvariantCulture),
                t.GetProperty("Roof")!.GetValue(workload)!.ToString()!,
                Convert.ToDouble(t.GetProperty("Samples")!.GetValue(workload), CultureInfo.InvariantCulture));
        };
}
