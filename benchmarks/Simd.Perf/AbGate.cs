using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Simd.Perf;

/// <summary>How one case of an A/B gate run came out.</summary>
public enum AbVerdict
{
    /// <summary>Not slower by the threshold with confidence.</summary>
    Same,
    /// <summary>The median ratio is at least 1 + threshold and the interval lies above 1: a regression.</summary>
    Slower,
    /// <summary>The median ratio is at most 1 / (1 + threshold) and the interval lies below 1.</summary>
    Faster,
}

/// <summary>The result of one case: per-round ratios (current time ÷ base time) and their summary.</summary>
public sealed record AbCase
{
    /// <summary>Case name (a class of benchmarks/Simd.Gate).</summary>
    public required string Name { get; init; }
    /// <summary>Median time of one operation in the base build, nanoseconds.</summary>
    public required double BaseNs { get; init; }
    /// <summary>Median time of one operation in the current build, nanoseconds.</summary>
    public required double CurrentNs { get; init; }
    /// <summary>Each round's ratio, current ÷ base (&gt; 1 is slower).</summary>
    public required IReadOnlyList<double> Ratios { get; init; }
    /// <summary>Median of <see cref="Ratios"/>.</summary>
    public required double Ratio { get; init; }
    /// <summary>Lower end of the median's confidence interval.</summary>
    public required double Lower { get; init; }
    /// <summary>Upper end of the median's confidence interval.</summary>
    public required double Upper { get; init; }
    /// <summary>Whether both builds gave the same bits for the case's first result.</summary>
    public required bool SameBits { get; init; }
    /// <summary>The gate's verdict.</summary>
    public required AbVerdict Verdict { get; init; }
}

/// <summary>
/// The A/B performance gate: the key cases of two builds of benchmarks/Simd.Gate (a baseline commit and
/// the tree under test) timed in alternating rounds on the same machine in one run. In each round every
/// case takes four interleaved samples of each build, and the round's ratio is current ÷ base of their
/// fastest samples; a case's result is the median over rounds of that ratio, with a distribution-free
/// confidence interval. Nothing is compared with numbers stored from another day.
/// </summary>
public static partial class AbGate
{
    /// <summary>Gate settings; the defaults are what CI runs.</summary>
    public sealed record Settings
    {
        /// <summary>A case fails when it is this much slower (0.10 = 10%) with confidence.</summary>
        public double Threshold { get; init; } = 0.10;
        /// <summary>Confidence of the median's interval.</summary>
        public double Confidence { get; init; } = 0.99;
        /// <summary>Rounds for every case.</summary>
        public int Rounds { get; init; } = 30;
        /// <summary>Rounds at most for a case whose interval still contains 1 + threshold.</summary>
        public int MaxRounds { get; init; } = 90;
        /// <summary>Length of one sample, milliseconds.</summary>
        public double SampleMs { get; init; } = 3;
        /// <summary>Warm-up per case and build of each worker pair before its rounds, milliseconds (lets tiered JIT finish).</summary>
        public double WarmupMs { get; init; } = 300;
        /// <summary>Pairs of worker processes the rounds are spread over.</summary>
        public int Pairs { get; init; } = 5;
        /// <summary>Seed of the order of cases and of A/B within a round.</summary>
        public int Seed { get; init; } = Environment.TickCount;
    }

    /// <summary>
    /// The verdict for a case whose rounds gave median <paramref name="ratio"/> with interval
    /// [<paramref name="lower"/>, <paramref name="upper"/>]: slower only when the estimate is at least
    /// 1 + threshold AND the interval excludes "no change", so noise alone (interval around 1) never fails.
    /// </summary>
    public static AbVerdict Judge(double ratio, double lower, double upper, double threshold) =>
        ratio >= 1 + threshold && lower > 1 ? AbVerdict.Slower
        : ratio <= 1 / (1 + threshold) && upper < 1 ? AbVerdict.Faster
        : AbVerdict.Same;

    /// <summary>Whether more rounds could change the verdict: the interval still straddles 1 + threshold.</summary>
    public static bool Undecided(double lower, double upper, double threshold) => lower < 1 + threshold && upper >= 1 + threshold;

    /// <summary>Summarizes a case's rounds.</summary>
    public static AbCase Summarize(string name, IReadOnlyList<double> ratios, double baseNs, double currentNs, bool sameBits, Settings settings)
    {
        double ratio = Statistics.Median(ratios);
        var (lower, upper) = Statistics.MedianInterval(ratios, settings.Confidence);
        return new AbCase
        {
            Name = name, BaseNs = baseNs, CurrentNs = currentNs, Ratios = ratios, Ratio = ratio, Lower = lower, Upper = upper,
            SameBits = sameBits, Verdict = Judge(ratio, lower, upper, settings.Threshold),
        };
    }

    /// <summary>
    /// Runs the rounds over the cases both builds have (filtered) and returns one result per case;
    /// <paramref name="startPair"/> starts a base and a current worker pinned to the given CPU, and
    /// <paramref name="progress"/> receives a line per stage. The rounds are spread over
    /// <see cref="Settings.Pairs"/> pairs of worker processes on alternating CPUs, because one process can
    /// run a few percent faster than another with the same code (where its code and stack landed, which
    /// core it shares with a neighbour); spread over pairs, that becomes noise instead of a bias.
    /// </summary>
    internal static IReadOnlyList<AbCase> Measure(Func<int, (GateWorker Base, GateWorker Current)> startPair, IReadOnlyList<string> cases, Settings settings, Action<string> progress)
    {
        var random = new Random(settings.Seed);
        var ratios = cases.ToDictionary(c => c, _ => new List<double>(), StringComparer.Ordinal);
        var baseTimes = cases.ToDictionary(c => c, _ => new List<double>(), StringComparer.Ordinal);
        var currentTimes = cases.ToDictionary(c => c, _ => new List<double>(), StringComparer.Ordinal);
        Dictionary<string, bool>? sameBits = null;
        var iterations = new Dictionary<string, int>(StringComparer.Ordinal);
        int roundsPerPair = Math.Max(1, settings.Rounds / settings.Pairs), round = 0;
        for (int pair = 0; round < settings.MaxRounds; pair++)
        {
            var active = cases.Where(c => round < settings.Rounds || NeedsMore(ratios[c], settings)).ToList();
            if (active.Count == 0) break;
            var (baseWorker, currentWorker) = startPair(pair % Environment.ProcessorCount);
            using (baseWorker)
            using (currentWorker)
            {
                var hashes = active.ToDictionary(c => c, c => baseWorker.Setup(c) == currentWorker.Setup(c), StringComparer.Ordinal);
                sameBits ??= hashes;
                foreach (string name in active)
                {
                    WarmUp(baseWorker, name, settings);
                    WarmUp(currentWorker, name, settings);
                    if (!iterations.ContainsKey(name))
                    {
                        double once = Enumerable.Range(0, 5).Min(_ => currentWorker.TimeNs(name, 1));
                        iterations[name] = (int)Math.Clamp(Math.Ceiling(settings.SampleMs * 1e6 / Math.Max(once, 1)), 1, 1_000_000);
                    }
                }
                if (pair == 0) progress($"samples of {string.Join(", ", cases.Select(c => $"{c} ×{iterations[c]}"))}");
                for (int inPair = 0; inPair < roundsPerPair && round < settings.MaxRounds; inPair++, round++)
                {
                    foreach (string name in active.OrderBy(_ => random.Next()))
                    {
                        var (baseNs, currentNs) = Round(baseWorker, currentWorker, name, iterations[name], random.Next(2) == 0);
                        ratios[name].Add(currentNs / baseNs);
                        baseTimes[name].Add(baseNs / iterations[name]);
                        currentTimes[name].Add(currentNs / iterations[name]);
                    }
                }
            }
            progress($"pair {pair + 1} (CPU {pair % Environment.ProcessorCount}): {round} rounds, {active.Count} cases");
        }
        return [.. cases.Select(c => Summarize(c, ratios[c], Statistics.Median(baseTimes[c]), Statistics.Median(currentTimes[c]), sameBits![c], settings))];
    }

    /// <summary>
    /// Calls the case until its fastest call stops improving: until a 100 ms window's fastest call is
    /// within 3% of the fastest before it, after at least <see cref="Settings.WarmupMs"/> and at most 20 s.
    /// Tiered JIT first runs the kernels unoptimized (vector code 10 to 100 times slower) and replaces
    /// them only after a delay that grows when the machine is busy, so a fixed warm-up can be too short.
    /// </summary>
    private static void WarmUp(GateWorker worker, string name, Settings settings)
    {
        var clock = Stopwatch.StartNew();
        double best = double.MaxValue;
        while (clock.Elapsed.TotalSeconds < 20)
        {
            double windowBest = double.MaxValue;
            for (var window = Stopwatch.StartNew(); window.Elapsed.TotalMilliseconds < 100;)
                windowBest = Math.Min(windowBest, worker.TimeNs(name, 1));
            bool settled = windowBest >= 0.97 * best;
            best = Math.Min(best, windowBest);
            if (settled && clock.Elapsed.TotalMilliseconds >= settings.WarmupMs) return;
        }
    }

    /// <summary>
    /// One round of a case: both builds move its arrays to fresh memory, then take four samples each in
    /// the balanced order X Y Y X Y X X Y (X the base when <paramref name="baseFirst"/>); the result is each
    /// build's fastest sample. The minimum drops the samples a neighbour or the scheduler interrupted; the
    /// order cancels drift within the round; fresh memory every round turns the luck of physical page
    /// placement (L2 set conflicts) into round-to-round noise instead of a bias that lasts a whole process.
    /// </summary>
    private static (double BaseNs, double CurrentNs) Round(GateWorker baseWorker, GateWorker currentWorker, string name, int iterations, bool baseFirst)
    {
        baseWorker.Relocate(name);
        currentWorker.Relocate(name);
        double baseNs = double.MaxValue, currentNs = double.MaxValue;
        foreach (bool takeBase in s_balancedOrder)
        {
            if (takeBase == baseFirst) baseNs = Math.Min(baseNs, baseWorker.TimeNs(name, iterations));
            else currentNs = Math.Min(currentNs, currentWorker.TimeNs(name, iterations));
        }
        return (baseNs, currentNs);
    }

    private static readonly bool[] s_balancedOrder = [true, false, false, true, false, true, true, false];

    private static bool NeedsMore(List<double> ratios, Settings settings)
    {
        var (lower, upper) = Statistics.MedianInterval(ratios, settings.Confidence);
        return Undecided(lower, upper, settings.Threshold);
    }

    /// <summary>The table printed after a gate run: every case with its ratio, interval, rounds, bits and verdict.</summary>
    public static string Table(IReadOnlyList<AbCase> results, IReadOnlyList<string> newCases, Settings settings)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"| case | base | current | current ÷ base | {settings.Confidence:P0} interval | rounds | bits | verdict |");
        text.AppendLine("| --- | ---: | ---: | ---: | :---: | ---: | :---: | --- |");
        foreach (AbCase r in results)
            text.AppendLine(FormattableString.Invariant($"| {r.Name} | {Report.FormatTime(r.BaseNs)} | {Report.FormatTime(r.CurrentNs)} | ×{r.Ratio:F3} | [{r.Lower:F3}, {r.Upper:F3}] | {r.Ratios.Count} | {(r.SameBits ? "same" : "differ")} | {Describe(r.Verdict, settings)} |"));
        foreach (string name in newCases)
            text.AppendLine($"| {name} | — | — | — | — | 0 | — | new: not in the base build |");
        return text.ToString();
    }

    private static string Describe(AbVerdict verdict, Settings settings) => verdict switch
    {
        AbVerdict.Slower => $"**SLOWER** (≥ {settings.Threshold:P0})",
        AbVerdict.Faster => $"faster (≥ {settings.Threshold:P0})",
        _ => "ok",
    };

    /// <summary>
    /// Builds the gate's worker from <paramref name="commit"/> of <paramref name="repository"/> in
    /// <paramref name="directory"/>, using this tree's copy of benchmarks/Simd.Gate (the cases) against
    /// that commit's libraries. Case files that do not compile there (an API the commit lacks) are left
    /// out and returned in <paramref name="excluded"/>. Returns the worker's path.
    /// </summary>
    public static string BuildBase(string repository, string commit, string directory, out IReadOnlyList<string> excluded, Action<string> progress)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        if (Run("bash", ["-c", $"set -o pipefail; git -C '{repository}' archive --format=tar {commit} | tar -x -C '{directory}'"], repository, out string archiveLog) != 0)
            throw new InvalidOperationException($"could not extract {commit}: {archiveLog.Trim()}");
        string gate = Path.Combine(directory, "benchmarks", "Simd.Gate");
        if (Directory.Exists(gate)) Directory.Delete(gate, recursive: true);
        CopySources(Path.Combine(repository, "benchmarks", "Simd.Gate"), gate);

        var left = new List<string>();
        while (true)
        {
            string[] arguments = ["build", Path.Combine(gate, "Simd.Gate.csproj"), "-c", "Release", "-nologo", "-v", "q", $"-p:GateExcludedCases={string.Join("%3B", left)}"];
            if (Run("dotnet", arguments, directory, out string log) == 0) break;
            var failing = FailingCaseFiles(log, gate).Except(left, StringComparer.Ordinal).ToList();
            if (failing.Count == 0)
                throw new InvalidOperationException($"the gate worker does not build at {commit}:\n{string.Join('\n', log.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal)).Distinct().Take(20))}");
            progress($"left out of the base build (they use what {commit[..Math.Min(10, commit.Length)]} lacks): {string.Join(", ", failing)}");
            left.AddRange(failing);
        }
        excluded = left;
        return Path.Combine(gate, "bin", "Release", "net10.0", "simd-gate.dll");
    }

    /// <summary>Case files (relative to the worker's folder, under Cases/) that a build log reports errors in.</summary>
    public static IEnumerable<string> FailingCaseFiles(string log, string gateDirectory)
    {
        string root = Path.GetFullPath(gateDirectory) + Path.DirectorySeparatorChar;
        foreach (Match match in ErrorLine().Matches(log))
        {
            string file = Path.GetFullPath(match.Groups["file"].Value);
            if (!file.StartsWith(root, StringComparison.Ordinal)) continue;
            string relative = file[root.Length..].Replace('\\', '/');
            if (relative.StartsWith("Cases/", StringComparison.Ordinal)) yield return relative;
        }
    }

    private static void CopySources(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            string top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj") continue;
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Runs a program to completion and returns its exit code, with standard output and error in <paramref name="log"/>.</summary>
    public static int Run(string program, IEnumerable<string> arguments, string directory, out string log)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        log = output + error.Result;
        return process.ExitCode;
    }

    /// <summary>Writes the results as JSON (the record of a gate run).</summary>
    public static void Save(string path, string baseCommit, string current, string machine, IReadOnlyList<AbCase> results, Settings settings)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var record = new { baseCommit, current, machine, date = DateTimeOffset.UtcNow, settings, cases = results };
        File.WriteAllText(path, JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } }));
    }

    [GeneratedRegex(@"(?<file>[^\s:()]+\.cs)\(\d+,\d+\): error", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorLine();
}
