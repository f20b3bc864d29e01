using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Simd.Kernels;

/// <summary>The instruction-set level a kernel runs at. Every kernel has one code path per level.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar loops; the reference for every other level.</summary>
    Scalar = 0,
    /// <summary>128-bit vectors: SSE on x64, NEON (AdvSimd) on arm64.</summary>
    Vector128 = 128,
    /// <summary>256-bit vectors: AVX2 with FMA on x64.</summary>
    Vector256 = 256,
    /// <summary>512-bit vectors: AVX-512 on x64. Runs emulated (correct but slow) where the hardware lacks it.</summary>
    Vector512 = 512,
}

/// <summary>
/// Chooses the <see cref="SimdLevel"/> kernels run at: detection, the <c>SIMD_LEVEL</c> environment
/// override, and a per-thread override for tests and benchmarks.
/// </summary>
/// <remarks>
/// Resolution order for <see cref="Current"/>: the innermost <see cref="Force"/> scope on the calling
/// thread, else <see cref="Default"/>. <see cref="Default"/> is <c>SIMD_LEVEL</c> when set
/// (<c>scalar</c>, <c>128</c>, <c>256</c> or <c>512</c>), else <see cref="Detected"/>: the widest level
/// whose <c>VectorNNN.IsHardwareAccelerated</c> is true, which honours
/// <c>DOTNET_PreferredVectorBitWidth</c>, <c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c> and
/// <c>DOTNET_EnableHWIntrinsic=0</c>. Forcing a level wider than the hardware is allowed: the portable
/// vector code then runs emulated, which is how the wide paths are tested on narrower machines.
/// </remarks>
public static class SimdLevels
{
    /// <summary>Name of the environment variable that overrides the default level.</summary>
    public const string EnvironmentVariable = "SIMD_LEVEL";

    /// <summary>Every level, narrowest first.</summary>
    public static IReadOnlyList<SimdLevel> All { get; } =
        [SimdLevel.Scalar, SimdLevel.Vector128, SimdLevel.Vector256, SimdLevel.Vector512];

    [ThreadStatic] private static SimdLevel? t_forced;

    /// <summary>The widest level the hardware (as configured for the runtime) accelerates.</summary>
    public static SimdLevel Detected { get; } = Detect();

    /// <summary>The process-wide level: <c>SIMD_LEVEL</c> when set, else <see cref="Detected"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>SIMD_LEVEL</c> holds an unknown value (thrown on first use).</exception>
    public static SimdLevel Default => s_default ??= ResolveDefault(Environment.GetEnvironmentVariable(EnvironmentVariable), Detected);

    private static SimdLevel? s_default;

    /// <summary>The level kernels called on this thread run at.</summary>
    public static SimdLevel Current => t_forced ?? Default;

    /// <summary>True when <paramref name="level"/> runs on real hardware rather than emulated.</summary>
    public static bool IsAccelerated(SimdLevel level) => level switch
    {
        SimdLevel.Scalar => true,
        SimdLevel.Vector128 => Vector128.IsHardwareAccelerated,
        SimdLevel.Vector256 => Vector256.IsHardwareAccelerated,
        SimdLevel.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>
    /// Makes kernels called on this thread run at <paramref name="level"/> until the returned scope is
    /// disposed. Scopes nest; disposing restores the previous level. Work a kernel hands to worker
    /// threads runs at the level of the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not a defined level.</exception>
    public static LevelScope Force(SimdLevel level)
    {
        if (!Enum.IsDefined(level))
            throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown SIMD level.");
        SimdLevel? previous = t_forced;
        t_forced = level;
        return new LevelScope(previous);
    }

    /// <summary>Parses <c>scalar</c>, <c>128</c>, <c>256</c>, <c>512</c> (also <c>Vector128</c> etc., any case).</summary>
    public static bool TryParse(string? text, out SimdLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "scalar": level = SimdLevel.Scalar; return true;
            case "128" or "vector128": level = SimdLevel.Vector128; return true;
            case "256" or "vector256": level = SimdLevel.Vector256; return true;
            case "512" or "vector512": level = SimdLevel.Vector512; return true;
            default: level = SimdLevel.Scalar; return false;
        }
    }

    internal static SimdLevel ResolveDefault(string? environmentValue, SimdLevel detected)
    {
        if (string.IsNullOrWhiteSpace(environmentValue))
            return detected;
        if (TryParse(environmentValue, out SimdLevel level))
            return level;
        throw new InvalidOperationException(
            $"{EnvironmentVariable}='{environmentValue}' is not a SIMD level; use scalar, 128, 256 or 512, or leave it unset to use the detected level ({Describe(detected)}).");
    }

    private static SimdLevel Detect()
    {
        if (Vector512.IsHardwareAccelerated) return SimdLevel.Vector512;
        if (Vector256.IsHardwareAccelerated) return SimdLevel.Vector256;
        if (Vector128.IsHardwareAccelerated) return SimdLevel.Vector128;
        return SimdLevel.Scalar;
    }

    /// <summary>Short name: <c>scalar</c>, <c>128</c>, <c>256</c> or <c>512</c>.</summary>
    public static string Describe(SimdLevel level) => level switch
    {
        SimdLevel.Scalar => "scalar",
        SimdLevel.Vector128 => "128",
        SimdLevel.Vector256 => "256",
        SimdLevel.Vector512 => "512",
        _ => level.ToString(),
    };

    /// <summary>Restores the previously forced level when disposed.</summary>
    public readonly struct LevelScope : IDisposable
    {
        private readonly SimdLevel? _previous;
        internal LevelScope(SimdLevel? previous) => _previous = previous;
        /// <summary>Restores the level that was current before <see cref="Force"/>.</summary>
        public void Dispose() => t_forced = _previous;
    }

    /// <summary>
    /// A human-readable description of the machine: CPU model, the instruction sets .NET reports,
    /// the vector widths it accelerates, the selected level and why it was selected.
    /// </summary>
    public static string DescribeMachine()
    {
        var text = new StringBuilder();
        text.AppendLine($"CPU:              {CpuModel()}");
        text.AppendLine($"Cores:            {Environment.ProcessorCount}");
        text.AppendLine($"OS / arch:        {System.Runtime.InteropServices.RuntimeInformation.OSDescription} / {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");
        text.AppendLine($".NET:             {Environment.Version}");
        text.AppendLine($"ISA (.NET):       {string.Join(' ', InstructionSets())}");
        text.AppendLine($"Accelerated:      Vector128={Vector128.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector512={Vector512.IsHardwareAccelerated}");
        text.AppendLine($"Code:             {DescribeCodeGeneration()}");
        text.AppendLine($"Detected level:   {Describe(Detected)} (widest VectorNNN.IsHardwareAccelerated)");
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string reason = string.IsNullOrWhiteSpace(env) ? "detected" : $"{EnvironmentVariable}={env}";
        text.Append($"Selected level:   {Describe(Default)} ({reason}{(IsAccelerated(Default) ? "" : ", emulated: wider than the hardware")})");
        return text.ToString();
    }

    /// <summary>
    /// JIT or Native AOT. A JIT compiles for the CPU it runs on; Native AOT fixes the vector widths when the
    /// program is published (its <c>IlcInstructionSet</c>), so on a wider CPU this also names what the build leaves unused.
    /// </summary>
    private static string DescribeCodeGeneration()
    {
        if (RuntimeFeature.IsDynamicCodeSupported)
            return "JIT (vector widths follow this CPU and the DOTNET_Enable* settings)";
        string flags = $" {CpuFlags()} ";
        var unused = new List<string>();
        if (!Vector256.IsHardwareAccelerated && flags.Contains(" avx2 ", StringComparison.Ordinal)) unused.Add("AVX2 (x86-64-v3)");
        if (!Vector512.IsHardwareAccelerated && flags.Contains(" avx512f ", StringComparison.Ordinal)) unused.Add("AVX-512 (x86-64-v4)");
        return "Native AOT (vector widths fixed at publish by IlcInstructionSet)"
            + (unused.Count == 0 ? "" : $"; this CPU also has {string.Join(" and ", unused)}, which this build was not compiled for");
    }

    /// <summary>The hardware instruction sets .NET reports as supported in this process.</summary>
    public static IReadOnlyList<string> InstructionSets()
    {
        var sets = new List<string>();
        void Add(bool supported, string name) { if (supported) sets.Add(name); }
        Add(Sse.IsSupported, "SSE");
        Add(Sse2.IsSupported, "SSE2");
        Add(Sse3.IsSupported, "SSE3");
        Add(Ssse3.IsSupported, "SSSE3");
        Add(Sse41.IsSupported, "SSE4.1");
        Add(Sse42.IsSupported, "SSE4.2");
        Add(Popcnt.IsSupported, "POPCNT");
        Add(Avx.IsSupported, "AVX");
        Add(Avx2.IsSupported, "AVX2");
        Add(Fma.IsSupported, "FMA");
        Add(Bmi1.IsSupported, "BMI1");
        Add(Bmi2.IsSupported, "BMI2");
        Add(Lzcnt.IsSupported, "LZCNT");
        Add(Avx512F.IsSupported, "AVX512F");
        Add(Avx512BW.IsSupported, "AVX512BW");
        Add(Avx512DQ.IsSupported, "AVX512DQ");
        Add(Avx512CD.IsSupported, "AVX512CD");
        Add(Avx512Vbmi.IsSupported, "AVX512VBMI");
        Add(Avx10v1.IsSupported, "AVX10.1");
        Add(AdvSimd.IsSupported, "AdvSimd");
        Add(AdvSimd.Arm64.IsSupported, "AdvSimd.Arm64");
        return sets;
    }

    /// <summary>The CPU model name from /proc/cpuinfo where available, else the architecture.</summary>
    public static string CpuModel() =>
        CpuInfoValue("model name", "Model") ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>
    /// The CPU's feature flags from /proc/cpuinfo ("flags" on x86, "Features" on Arm), space-separated,
    /// or "" where there is none. Unlike <see cref="InstructionSets"/> they describe the hardware: the
    /// DOTNET_Enable* switches do not change them.
    /// </summary>
    public static string CpuFlags() => CpuInfoValue("flags", "Features") ?? "";

    /// <summary>The value after the colon of the first /proc/cpuinfo line that starts with <paramref name="name"/> or <paramref name="alternative"/>, or null.</summary>
    private static string? CpuInfoValue(string name, string alternative)
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith(name, StringComparison.Ordinal) || line.StartsWith(alternative, StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        if (colon >= 0) return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
