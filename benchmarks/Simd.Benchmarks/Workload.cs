namespace Simd.Benchmarks;

/// <summary>Which in-process roof a benchmark's throughput is stated against.</summary>
public enum RoofKind
{
    /// <summary>Arithmetic-bound: GFLOP/s as a fraction of the FMA peak loop at the same level.</summary>
    Compute,
    /// <summary>Memory-bound: GB/s as a fraction of copy bandwidth at the same length.</summary>
    Memory,
}

/// <summary>
/// The work one invocation of a benchmark does: floating-point operations (a fused multiply-add
/// counts 2) and bytes moved to or from memory (reads plus writes, each array once), and the roof
/// that applies. The perf tool turns a median time into GFLOP/s or GB/s and a fraction of the roof.
/// </summary>
/// <remarks>
/// Every benchmark class exposes <c>public static Workload Work(string method, IReadOnlyDictionary&lt;string, string&gt; parameters)</c>;
/// <paramref name="Flops"/> or <paramref name="Bytes"/> is 0 where it does not apply.
/// </remarks>
public readonly record struct Workload(double Flops, double Bytes, RoofKind Roof)
{
    /// <summary>Training examples one invocation processes (a step's batch), for samples/s; 0 when not a training step.</summary>
    public double Samples { get; init; }

    /// <summary>A memory-bound workload that moves <paramref name="bytes"/>.</summary>
    public static Workload Memory(double bytes, double flops = 0) => new(flops, bytes, RoofKind.Memory);

    /// <summary>An arithmetic-bound workload of <paramref name="flops"/>.</summary>
    public static Workload Compute(double flops, double bytes = 0) => new(flops, bytes, RoofKind.Compute);

    /// <summary>Reads an integer benchmark parameter by name.</summary>
    public static int Int(IReadOnlyDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out string? text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"benchmark parameter '{name}' is missing or not an integer", nameof(parameters));
}
