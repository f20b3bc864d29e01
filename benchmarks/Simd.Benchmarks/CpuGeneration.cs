namespace Simd.Benchmarks;

/// <summary>
/// The CPU generation from Linux's /proc/cpuinfo, for machine keys: CPUs of one marketing name ("AMD
/// EPYC") span generations with different FMA widths and vector units, whose figures must never be
/// compared with each other.
/// </summary>
public static class CpuGeneration
{
    /// <summary>
    /// The vendor ("amd", "intel", "arm", or the vendor string in lower case; "" when unknown) and the
    /// generation: "f{family}m{model}" on x86 (e.g. f25m1 for Zen 3, f25m17 for Zen 4, f26m2 for Zen 5),
    /// "i{implementer}p{part}" on Arm, "" where /proc/cpuinfo does not say.
    /// </summary>
    public static (string Vendor, string Generation) Describe()
    {
        Dictionary<string, string> values = ReadFirstProcessor();
        string vendor = values.GetValueOrDefault("vendor_id") switch
        {
            "AuthenticAMD" => "amd",
            "GenuineIntel" => "intel",
            null => values.ContainsKey("CPU implementer") ? "arm" : "",
            string other => other.ToLowerInvariant(),
        };
        string generation = values.TryGetValue("cpu family", out string? family) && values.TryGetValue("model", out string? model)
            ? $"f{family}m{model}"
            : values.TryGetValue("CPU implementer", out string? implementer) && values.TryGetValue("CPU part", out string? part)
                ? $"i{implementer}p{part}" : "";
        return (vendor, generation);
    }

    private static Dictionary<string, string> ReadFirstProcessor()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return values;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.Length == 0 && values.Count > 0) break;
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) values.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return values;
    }
}
