using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Simd.Perf;

/// <summary>
/// <c>simd-perf</c>: records benchmark runs into perf-results/, summarizes them (markdown, SVG charts,
/// README table) and compares a run with a baseline, exiting 1 on a regression.
/// </summary>
public static partial class Program
{
    private const string Usage = """
        usage:
          simd-perf record [--filter GLOB]... [--job short|medium|default|smoke] [--config native|noavx512|noavx2|nohw] [--out FILE]
              runs the BenchmarkDotNet suite (plus the roofs) in one process per configuration and stores the run
              as JSON under perf-results/runs/<machine>/ (or FILE); prints the file's path
          simd-perf summarize RUN.json [--out DIR]
              writes DIR/summary.md, DIR/levels.svg and DIR/gemm-roofline.svg (DIR defaults to perf-results/<machine>)
          simd-perf readme RUN.json [--readme README.md] [--level Vector256]
              replaces the generated table between the perf markers in README.md with the cases at one level
              (default: the widest the run's machine accelerates)
          simd-perf import ARTIFACTS [--config native] [--job smoke] [--out FILE]
              builds a run file from a BenchmarkDotNet run made by hand with --artifacts ARTIFACTS (its
              results/*-report-full.json and simd-machine.json); the commit recorded is the current one
          simd-perf restate RUN.json
              re-reads every benchmark's stated work (flops, bytes, roof) from the current benchmark classes
              into RUN.json, when a class gained or corrected its Work method; the measurements are untouched
          simd-perf compare BASELINE CURRENT.json [--threshold 0.10] [--alpha 0.01] [--noise-ns 20]
              roof-normalized comparison with a Mann–Whitney test; exit code 1 when something is slower.
              BASELINE is a run file, or a folder of baselines named <machine>.json, from which the current
              run's machine is taken. A folder without this machine's baseline is an error (exit 2) unless
              --missing-baseline skip is given: then the run is summarized, a notice printed, and it exits 0.
              A folder's thresholds.json may set a wider threshold for a noisy machine kind, with its reason:
              { "<machine>": { "threshold": 1.0, "reason": "…" } }; it replaces --threshold for that machine
          simd-perf ab [--base COMMIT] [--filter TEXT]... [--threshold 0.10] [--rounds 30] [--max-rounds 90]
                       [--sample-ms 3] [--pairs 5] [--confidence 0.99] [--seed N] [--out FILE.json] [--work DIR]
                       [--base-worker DLL --current-worker DLL] [--all]
              the A/B gate: builds benchmarks/Simd.Gate from this tree and from COMMIT (default: the commit in
              perf-results/baseline/ab-base), times the key cases of both in alternating rounds and prints
              each case's ratio (current ÷ base) with its confidence interval; exit code 1 when a case is
              slower by the threshold or more with confidence. --filter keeps cases whose name contains TEXT;
              --base-worker/--current-worker skip the builds and use these worker builds; --all adds the
              extended cases (every GEMM path) to the key ones
        """;

    /// <summary>
    /// Environment switches per configuration: the .NET 10 switches that exist, and the OpenBLAS core
    /// type with the same instruction sets, so that the OpenBLAS baseline is like for like (OpenBLAS
    /// picks its AVX-512 kernels on an AVX-512 CPU otherwise; Haswell is its AVX2 + FMA kernel set).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string Value)[]> Configurations = new Dictionary<string, (string, string)[]>
    {
        ["native"] = [],
        ["noavx512"] = [("DOTNET_EnableAVX512", "0"), ("OPENBLAS_CORETYPE", "Haswell")],
        ["noavx2"] = [("DOTNET_EnableAVX2", "0"), ("OPENBLAS_CORETYPE", "Nehalem")],
        ["nohw"] = [("DOTNET_EnableHWIntrinsic", "0")],
    };

    /// <summary>Entry point; returns 0 on success, 1 on a regression, 2 on bad usage or input.</summary>
    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0 || args[0] is "help" or "--help" or "-h") { Console.WriteLine(Usage); return args.Length == 0 ? 2 : 0; }
            var options = Options.Parse(args[1..]);
            return args[0] switch
            {
                "record" => Record(options),
                "summarize" => Summarize(options),
                "readme" => Readme(options),
                "compare" => Compare(options),
                "restate" => Restate(options),
                "import" => ImportCommand(options),
                "ab" => AbCommand(options),
                _ => throw new ArgumentException($"unknown command '{args[0]}'"),
            };
        }
        catch (Exception error) when (error is ArgumentException or InvalidDataException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"simd-perf: {error.Message}");
            return 2;
        }
    }

    private static int Record(Options options)
    {
        string repository = RepositoryRoot();
        string job = options.Single("job") ?? "short";
        string configuration = options.Single("config") ?? "native";
        if (!Configurations.TryGetValue(configuration, out var switches))
            throw new ArgumentException($"unknown configuration '{configuration}'; use {string.Join(", ", Configurations.Keys)}");
        string artifacts = Path.Combine(Path.GetTempPath(), $"simd-perf-{Environment.ProcessId}");
        if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);

        var arguments = new List<string> { "run", "-c", "Release", "--project", Path.Combine(repository, "benchmarks", "Simd.Benchmarks"), "--", "--artifacts", artifacts, "--filter", "*RoofBenchmarks*" };
        arguments.AddRange(options.All("filter"));
        arguments.AddRange(job switch
        {
            "smoke" => ["--inProcess", "--warmupCount", "3", "--iterationCount", "15", "--launchCount", "1", "--iterationTime", "100"],
            "short" or "medium" or "default" => ["--job", job],
            _ => throw new ArgumentException($"unknown job '{job}'; use short, medium, default or smoke"),
        });
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repository };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in switches) start.Environment[name] = value;
        using (Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet"))
        {
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"the benchmark run failed with exit code {process.ExitCode}");
        }

        RequireCurrentWork(repository);
        string path = SaveImported(repository, artifacts, configuration, job, options.Single("out"));
        Directory.Delete(artifacts, recursive: true);
        Console.WriteLine(path);
        return 0;
    }

    private static int ImportCommand(Options options)
    {
        string repository = RepositoryRoot();
        RequireCurrentWork(repository);
        Console.WriteLine(SaveImported(repository, options.Positional(0, "ARTIFACTS"), options.Single("config") ?? "native", options.Single("job") ?? "smoke", options.Single("out")));
        return 0;
    }

    /// <summary>Reads a BenchmarkDotNet artifacts folder into a run file and returns its path.</summary>
    private static string SaveImported(string repository, string artifacts, string configuration, string job, string? output)
    {
        string[] reports = Directory.Exists(Path.Combine(artifacts, "results"))
            ? Directory.GetFiles(Path.Combine(artifacts, "results"), "*-report-full.json") : [];
        if (reports.Length == 0) throw new InvalidDataException($"the benchmark run left no full JSON report under {artifacts}");
        string machineFile = Path.Combine(artifacts, "simd-machine.json");
        RunRecord run = Import(reports, File.Exists(machineFile) ? machineFile : null, Simd.Benchmarks.SourceCommit.Describe(repository), configuration, job);
        string path = output ?? Path.Combine(repository, "perf-results", "runs", run.Machine.Key, $"{run.Date:yyyyMMdd-HHmmss}-{configuration}-{run.Commit}.json");
        run.Save(path);
        return path;
    }

    /// <summary>
    /// The stated work comes from this tool's own copy of Simd.Benchmarks.dll; the timings from the copy
    /// `dotnet run` just built. Builds are deterministic and carry no commit hash, so different bytes
    /// mean this tool is stale (the benchmarks changed and only they were rebuilt) and would state the
    /// old work.
    /// </summary>
    private static void RequireCurrentWork(string repository)
    {
        string own = typeof(Simd.Benchmarks.Workload).Assembly.Location;
        string built = Path.Combine(repository, "benchmarks", "Simd.Benchmarks", "bin", "Release", "net10.0", "Simd.Benchmarks.dll");
        if (File.Exists(built) && !File.ReadAllBytes(own).AsSpan().SequenceEqual(File.ReadAllBytes(built)))
            throw new InvalidOperationException($"{own} differs from the benchmarks just run ({built}): rebuild the tool with 'dotnet build Simd.sln -c Release' and record again");
    }

    /// <summary>Builds a run record from BenchmarkDotNet full JSON reports.</summary>
    public static RunRecord Import(IEnumerable<string> reports, string? machineFile, string commit, string configuration, string job)
    {
        var work = BdnImport.WorkFromAssembly(typeof(Simd.Benchmarks.Workload).Assembly);
        var results = new List<BenchmarkResult>();
        JsonElement? host = null;
        string intrinsics = "";
        foreach (string report in reports)
        {
            var (read, readHost) = BdnImport.Read(report, work);
            results.AddRange(read);
            host ??= readHost;
            if (intrinsics.Length == 0)
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(report));
                foreach (JsonElement benchmark in document.RootElement.GetProperty("Benchmarks").EnumerateArray())
                    if (benchmark.TryGetProperty("HardwareIntrinsics", out JsonElement value)) { intrinsics = value.GetString() ?? ""; break; }
            }
        }
        JsonElement h = host ?? throw new InvalidDataException("no report had host information");
        string cpuFlags = "", vendor = "", generation = "";
        if (machineFile is not null)
        {
            using JsonDocument machine = JsonDocument.Parse(File.ReadAllText(machineFile));
            intrinsics = machine.RootElement.GetProperty("instructionSets").GetString() ?? intrinsics;
            if (machine.RootElement.TryGetProperty("cpuFlags", out JsonElement flags)) cpuFlags = flags.GetString() ?? "";
            if (machine.RootElement.TryGetProperty("vendor", out JsonElement vendorName)) vendor = vendorName.GetString() ?? "";
            if (machine.RootElement.TryGetProperty("generation", out JsonElement generationName)) generation = generationName.GetString() ?? "";
        }
        string cpu = h.GetProperty("ProcessorName").GetString() ?? "unknown";
        int cores = h.GetProperty("LogicalCoreCount").GetInt32();
        return new RunRecord
        {
            Machine = new MachineInfo
            {
                Key = MachineKey(cpu, cores, cpuFlags.Length > 0 ? CpuFlagsAsIsa(cpuFlags) : intrinsics, configuration, vendor, generation),
                Cpu = cpu,
                Cores = cores,
                HardwareIntrinsics = intrinsics,
                Runtime = h.GetProperty("RuntimeVersion").GetString() ?? "",
                Os = h.GetProperty("OsVersion").GetString() ?? "",
            },
            Commit = commit,
            Date = DateTimeOffset.UtcNow,
            Configuration = configuration,
            Job = job,
            Benchmarks = [.. results.OrderBy(r => r.Id, StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// File-name-safe machine kind: CPU slug (prefixed by the vendor when the name lacks it), the CPU
    /// generation, core count and the widest vector ISA of the hardware, then the configuration unless it
    /// is native, e.g. <c>amd-epyc-f26m2-2c-avx512</c>. The generation (x86 family and model from
    /// /proc/cpuinfo, <see cref="Simd.Benchmarks.CpuGeneration"/>) keeps a Zen 1 EPYC (AVX2 on 128-bit FMA
    /// pipes), a Zen 3 and a Zen 4 one apart although all report "AMD EPYC"; keys recorded before it existed
    /// have none. <paramref name="intrinsics"/> names the hardware's instruction sets
    /// (<see cref="CpuFlagsAsIsa"/>) where the CPU's flags are known, so that a run with AVX-512 switched
    /// off (configuration noavx512) on an AVX-512 CPU is keyed <c>…-avx512-noavx512</c>.
    /// </summary>
    public static string MachineKey(string cpu, int cores, string intrinsics, string configuration, string vendor = "", string generation = "")
    {
        string widest = intrinsics.Contains("AVX512", StringComparison.Ordinal) ? "avx512"
            : intrinsics.Contains("AVX2", StringComparison.Ordinal) ? "avx2"
            : intrinsics.Contains("AdvSimd", StringComparison.OrdinalIgnoreCase) ? "neon"
            : intrinsics.Contains("SSE", StringComparison.Ordinal) ? "sse" : "scalar";
        string slug = Slug(cpu);
        if (vendor.Length > 0 && !slug.StartsWith(Slug(vendor), StringComparison.Ordinal)) slug = Slug(vendor) + "-" + slug;
        string kind = generation.Length > 0 ? $"{slug}-{Slug(generation)}" : slug;
        string suffix = configuration == "native" ? "" : "-" + Slug(configuration);
        return $"{kind}-{cores}c-{widest}{suffix}";
    }

    private static string Slug(string text) => NonWord().Replace(text.ToLowerInvariant(), "-").Trim('-');

    /// <summary>The key of the machine this process runs on (native configuration).</summary>
    public static string CurrentMachineKey()
    {
        var (vendor, generation) = Simd.Benchmarks.CpuGeneration.Describe();
        string flags = Simd.Kernels.SimdLevels.CpuFlags();
        string isa = flags.Length > 0 ? CpuFlagsAsIsa(flags) : string.Join(' ', Simd.Kernels.SimdLevels.InstructionSets());
        return MachineKey(Simd.Kernels.SimdLevels.CpuModel(), Environment.ProcessorCount, isa, "native", vendor, generation);
    }

    /// <summary>
    /// /proc/cpuinfo flags in the vocabulary <see cref="MachineKey"/> reads: "avx512f" → AVX512F,
    /// "avx2" → AVX2, Arm's "asimd" → AdvSimd, "sse" → SSE.
    /// </summary>
    public static string CpuFlagsAsIsa(string flags)
    {
        var names = new HashSet<string>(flags.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        var isa = new List<string>();
        if (names.Contains("sse")) isa.Add("SSE");
        if (names.Contains("avx2")) isa.Add("AVX2");
        if (names.Contains("avx512f")) isa.Add("AVX512F");
        if (names.Contains("asimd")) isa.Add("AdvSimd");
        return string.Join(' ', isa);
    }

    private static int Summarize(Options options)
    {
        RunRecord run = RunRecord.Load(options.Positional(0, "RUN.json"));
        string directory = options.Single("out") ?? Path.Combine(RepositoryRoot(), "perf-results", run.Machine.Key);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "summary.md"), $"# {run.Machine.Key}\n\n" + Report.Summarize(run));
        File.WriteAllText(Path.Combine(directory, "levels.svg"), Charts.LevelBars(run, $"Fraction of the in-process roof per level — {run.Machine.Cpu}, commit {run.Commit}"));
        File.WriteAllText(Path.Combine(directory, "gemm-roofline.svg"), Charts.Roofline(run, $"GEMM roofline — {run.Machine.Cpu}, commit {run.Commit}", "Gemm"));
        Console.WriteLine(directory);
        return 0;
    }

    private static int Restate(Options options)
    {
        string path = options.Positional(0, "RUN.json");
        RunRecord run = RunRecord.Load(path);
        var work = BdnImport.WorkFromAssembly(typeof(Simd.Benchmarks.Workload).Assembly);
        int changed = 0;
        var benchmarks = run.Benchmarks.Select(b =>
        {
            if (work(b.Type, b.Method, b.Parameters) is not StatedWork stated) return b;
            if (stated.Flops == b.Flops && stated.Bytes == b.Bytes && stated.Roof == b.Roof && stated.Samples == b.Samples) return b;
            changed++;
            return b with { Flops = stated.Flops, Bytes = stated.Bytes, Roof = stated.Roof, Samples = stated.Samples };
        }).ToList();
        (run with { Benchmarks = benchmarks }).Save(path);
        Console.WriteLine($"{path}: restated the work of {changed} of {benchmarks.Count} benchmarks");
        return 0;
    }

    private const string BeginMarker = "<!-- perf:begin (generated by simd-perf readme; do not edit) -->";
    private const string EndMarker = "<!-- perf:end -->";

    private static int Readme(Options options)
    {
        RunRecord run = RunRecord.Load(options.Positional(0, "RUN.json"));
        string readme = options.Single("readme") ?? Path.Combine(RepositoryRoot(), "README.md");
        string text = File.ReadAllText(readme);
        int begin = text.IndexOf(BeginMarker, StringComparison.Ordinal), end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin) throw new InvalidDataException($"{readme} has no '{BeginMarker}' … '{EndMarker}' section");
        string level = options.Single("level") ?? WidestLevel(run);
        string generated = BeginMarker + "\n" + $"Cases at level {level}; every level is in perf-results/{run.Machine.Key}/summary.md.\n\n"
            + Report.Summarize(run, level).Replace("### ", "#### ", StringComparison.Ordinal) + EndMarker;
        File.WriteAllText(readme, text[..begin] + generated + text[(end + EndMarker.Length)..]);
        return 0;
    }

    private static int Compare(Options options)
    {
        RunRecord current = RunRecord.Load(options.Positional(1, "CURRENT.json"));
        string baselinePath = options.Positional(0, "BASELINE");
        double threshold = options.Number("threshold") ?? 0.10;
        if (Directory.Exists(baselinePath))
        {
            string candidate = Path.Combine(baselinePath, current.Machine.Key + ".json");
            if (!File.Exists(candidate))
            {
                string message = $"no baseline for machine '{current.Machine.Key}' in {baselinePath}; record one with 'simd-perf record --job smoke' and commit it as {candidate}";
                if (options.Single("missing-baseline") != "skip") throw new InvalidDataException(message);
                Console.WriteLine($"NOTICE: {message}. Nothing was compared; this run:");
                Console.WriteLine(Report.Summarize(current));
                return 0;
            }
            if (MachineThreshold(baselinePath, current.Machine.Key) is var (machineThreshold, reason))
            {
                threshold = machineThreshold;
                Console.WriteLine($"threshold {threshold:P0} for machine '{current.Machine.Key}' (thresholds.json): {reason}");
            }
            baselinePath = candidate;
        }
        RunRecord baseline = RunRecord.Load(baselinePath);
        Console.WriteLine($"baseline {baselinePath} (commit {baseline.Commit}, {baseline.Date:yyyy-MM-dd HH:mm}) vs current (commit {current.Commit})");
        var compareOptions = new CompareOptions(threshold, options.Number("alpha") ?? 0.01, options.Number("noise-ns") ?? 20);
        IReadOnlyList<ComparisonRow> rows = Comparison.Compare(baseline, current, compareOptions);
        if (rows.Count == 0) throw new InvalidDataException("the two runs have no benchmark in common");
        Console.WriteLine(Report.Comparison(rows, compareOptions));
        return rows.Any(r => r.Verdict == Verdict.Slower) ? 1 : 0;
    }

    /// <summary>
    /// The threshold that the baseline folder's thresholds.json sets for <paramref name="machineKey"/>, with
    /// its stated reason, or null when the file or the machine's entry is absent.
    /// </summary>
    public static (double Threshold, string Reason)? MachineThreshold(string baselineFolder, string machineKey)
    {
        string path = Path.Combine(baselineFolder, "thresholds.json");
        if (!File.Exists(path)) return null;
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty(machineKey, out JsonElement entry)) return null;
        double threshold = entry.TryGetProperty("threshold", out JsonElement value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble() : throw new InvalidDataException($"{path}: '{machineKey}' needs a numeric \"threshold\"");
        string reason = entry.TryGetProperty("reason", out JsonElement text) ? text.GetString() ?? "" : "";
        if (!(threshold > 0) || string.IsNullOrWhiteSpace(reason))
            throw new InvalidDataException($"{path}: '{machineKey}' needs a positive threshold and a reason (got {threshold}, \"{reason}\")");
        return (threshold, reason);
    }

    /// <summary>The widest vector level the run's machine accelerates, by the instruction sets .NET reported.</summary>
    private static string WidestLevel(RunRecord run)
    {
        string isa = " " + run.Machine.HardwareIntrinsics + " ";
        return isa.Contains(" AVX512F ", StringComparison.Ordinal) ? "Vector512"
            : isa.Contains(" AVX2 ", StringComparison.Ordinal) ? "Vector256"
            : isa.Contains(" SSE2 ", StringComparison.Ordinal) || isa.Contains(" AdvSimd ", StringComparison.Ordinal) ? "Vector128"
            : "Scalar";
    }

    private static string RepositoryRoot()
    {
        for (string? directory = Directory.GetCurrentDirectory(); directory is not null; directory = Path.GetDirectoryName(directory))
            if (File.Exists(Path.Combine(directory, "Simd.sln"))) return directory;
        throw new InvalidOperationException("run simd-perf inside the repository (no Simd.sln found above the current directory)");
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();

    internal sealed class Options
    {
        /// <summary>Options that take no value.</summary>
        private static readonly HashSet<string> s_flags = new(["all"], StringComparer.Ordinal);
        private readonly List<string> _positional = [];
        private readonly Dictionary<string, List<string>> _named = new(StringComparer.Ordinal);
        private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i].StartsWith("--", StringComparison.Ordinal) && s_flags.Contains(args[i][2..]))
                    options._flags.Add(args[i][2..]);
                else if (args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"option {args[i]} needs a value");
                    string name = args[i][2..];
                    if (!options._named.TryGetValue(name, out var values)) options._named[name] = values = [];
                    values.Add(args[++i]);
                }
                else options._positional.Add(args[i]);
            }
            return options;
        }

        public string Positional(int index, string what) =>
            index < _positional.Count ? _positional[index] : throw new ArgumentException($"missing {what}");

        public IEnumerable<string> All(string name) => _named.TryGetValue(name, out var values) ? values : [];

        public string? Single(string name) => _named.TryGetValue(name, out var values) ? values[^1] : null;

        public bool Flag(string name) => _flags.Contains(name);

        public double? Number(string name) => Single(name) is string text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw new ArgumentException($"--{name} '{text}' is not a number")
            : null;
    }
}
