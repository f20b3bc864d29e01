using System.Globalization;

namespace Simd.Perf;

/// <summary>
/// The roofs measured in a run (RoofBenchmarks): FMA-peak GFLOP/s per vector level and copy GB/s per
/// length. Throughput is stated as a fraction of them, and runs are compared on times multiplied by
/// them, so a uniformly slower or busier machine does not read as a regression.
/// </summary>
public sealed class Roofs
{
    /// <summary>Class name of the roof benchmarks.</summary>
    public const string RoofType = "RoofBenchmarks";

    private readonly Dictionary<string, double> _fmaGflops = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, double> _copyGBs = [];

    /// <summary>FMA-peak GFLOP/s by level name (Vector128, Vector256, Vector512).</summary>
    public IReadOnlyDictionary<string, double> FmaGflops => _fmaGflops;
    /// <summary>Copy bandwidth in GB/s by length in floats.</summary>
    public IReadOnlyDictionary<int, double> CopyGBs => _copyGBs;

    /// <summary>Collects the roofs from <paramref name="run"/>; the best (fastest) median per key wins.</summary>
    public static Roofs From(RunRecord run)
    {
        var roofs = new Roofs();
        foreach (BenchmarkResult result in run.Benchmarks)
        {
            if (result.Type != RoofType || result.MedianNs <= 0) continue;
            if (result.Method == "FmaPeak" && result.Level is not null && result.Flops > 0)
                Keep(roofs._fmaGflops, result.Level, result.Flops / result.MedianNs);
            else if (result.Method == "Copy" && result.Bytes > 0 && TryLength(result, out int length))
                roofs._copyGBs[length] = Math.Max(roofs._copyGBs.GetValueOrDefault(length), result.Bytes / result.MedianNs);
        }
        return roofs;
    }

    private static void Keep(Dictionary<string, double> map, string key, double value) =>
        map[key] = Math.Max(map.GetValueOrDefault(key), value);

    private static bool TryLength(BenchmarkResult result, out int length)
    {
        length = 0;
        foreach (var (name, text) in result.Parameters)
            if (name.Equals("length", StringComparison.OrdinalIgnoreCase))
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out length);
        return false;
    }

    /// <summary>
    /// The compute roof for a level: its FMA peak; Scalar gets a quarter of the 128-bit peak (one lane
    /// of the same instruction rate); a benchmark without a level (a baseline) gets the 256-bit peak.
    /// </summary>
    public double? ComputeRoof(string? level)
    {
        string key = level switch { null => "Vector256", "Scalar" => "Vector128", _ => level };
        if (!_fmaGflops.TryGetValue(key, out double gflops)) return null;
        return level == "Scalar" ? gflops / 4 : gflops;
    }

    /// <summary>
    /// The copy bandwidth measured at the nearest length: the benchmark's own length parameter, or else
    /// the copy that moves as many bytes (a copy of L floats moves 8·L), so that a working set in L2 is
    /// held against the L2 copy rate rather than the DRAM one.
    /// </summary>
    public double? MemoryRoof(BenchmarkResult result)
    {
        if (_copyGBs.Count == 0) return null;
        double length = TryLength(result, out int parameter) ? parameter : result.Bytes / 8;
        if (!(length > 0)) return _copyGBs.Last().Value;
        return _copyGBs.MinBy(pair => Math.Abs(Math.Log(pair.Key / length))).Value;
    }

    /// <summary>The roof throughput (GFLOP/s or GB/s) that applies to <paramref name="result"/>, if measured.</summary>
    public double? RoofFor(BenchmarkResult result) =>
        result.Roof == "Memory" ? MemoryRoof(result) : ComputeRoof(result.Level);

    /// <summary>Achieved GFLOP/s or GB/s of <paramref name="result"/> (by its roof kind), if it states work.</summary>
    public static double? Throughput(BenchmarkResult result) => result.Roof switch
    {
        "Memory" when result.Bytes > 0 => result.Bytes / result.MedianNs,
        "Compute" when result.Flops > 0 => result.Flops / result.MedianNs,
        _ => null,
    };

    /// <summary>
    /// Throughput as a fraction of the applicable roof times the case's thread count (the roofs are
    /// measured on one core, so a 2-thread case is held against twice the one-core peak), if both are known.
    /// </summary>
    public double? Fraction(BenchmarkResult result) =>
        Throughput(result) is double achieved && RoofFor(result) is double roof && roof > 0 ? achieved / (roof * Threads(result)) : null;

    /// <summary>
    /// The threads a case ran on: its Threads parameter, or a GEMM shape's trailing " t2"; 1 otherwise.
    /// </summary>
    public static int Threads(BenchmarkResult result)
    {
        foreach (var (name, text) in result.Parameters)
        {
            if (name.Equals("threads", StringComparison.OrdinalIgnoreCase) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int threads) && threads > 0)
                return threads;
            int space = text.LastIndexOf(' ');
            if (space >= 0 && text.Length > space + 2 && text[space + 1] == 't'
                && int.TryParse(text.AsSpan(space + 2), NumberStyles.None, CultureInfo.InvariantCulture, out int shapeThreads) && shapeThreads > 0)
                return shapeThreads;
        }
        return 1;
    }

    /// <summary>
    /// Whether <paramref name="level"/> ran emulated in <paramref name="run"/>'s process: the instruction
    /// sets .NET reported there lack the level's (AVX512F for Vector512, AVX2 for Vector256, SSE2 or
    /// AdvSimd for Vector128). Its times say nothing about that level on real hardware.
    /// </summary>
    public static bool IsEmulated(RunRecord run, string level)
    {
        string isa = " " + run.Machine.HardwareIntrinsics + " ";
        bool Has(string name) => isa.Contains($" {name} ", StringComparison.Ordinal);
        return level switch
        {
            "Vector512" => !Has("AVX512F"),
            "Vector256" => !Has("AVX2") && !Has("AdvSimd"),
            "Vector128" => !Has("SSE2") && !Has("AdvSimd"),
            _ => false,
        };
    }
}
