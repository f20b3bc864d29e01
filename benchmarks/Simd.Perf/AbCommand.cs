namespace Simd.Perf;

public static partial class Program
{
    /// <summary>The file naming the A/B gate's baseline commit, relative to the repository root.</summary>
    public const string AbBaseFile = "perf-results/baseline/ab-base";

    private static int AbCommand(Options options)
    {
        string repository = RepositoryRoot();
        var settings = new AbGate.Settings
        {
            Threshold = options.Number("threshold") ?? 0.10,
            Confidence = options.Number("confidence") ?? 0.99,
            Rounds = (int)(options.Number("rounds") ?? 30),
            MaxRounds = (int)(options.Number("max-rounds") ?? Math.Max(90, 3 * (options.Number("rounds") ?? 30))),
            SampleMs = options.Number("sample-ms") ?? 3,
            Pairs = (int)(options.Number("pairs") ?? 5),
            Seed = (int)(options.Number("seed") ?? Environment.TickCount),
        };
        if (!(settings.Threshold > 0) || settings.Rounds < 8 || settings.Pairs < 1 || settings.MaxRounds < settings.Rounds || !(settings.SampleMs > 0))
            throw new ArgumentException("need --threshold > 0, --rounds ≥ 8 (the interval is unbounded below 8), --max-rounds ≥ --rounds and --sample-ms > 0");

        string baseCommit = ResolveCommit(repository, options.Single("base") ?? ReadAbBase(repository));
        string current = Simd.Benchmarks.SourceCommit.Describe(repository);
        string work = options.Single("work") ?? Path.Combine(Path.GetTempPath(), $"simd-ab-{Environment.ProcessId}");
        void Progress(string line) => Console.WriteLine($"[ab] {line}");

        string baseDll, currentDll;
        IReadOnlyList<string> excluded = [];
        if (options.Single("base-worker") is string givenBase && options.Single("current-worker") is string givenCurrent)
            (baseDll, currentDll) = (givenBase, givenCurrent);
        else
        {
            Progress($"building the worker of the current tree ({current})");
            if (AbGate.Run("dotnet", ["build", Path.Combine(repository, "benchmarks", "Simd.Gate", "Simd.Gate.csproj"), "-c", "Release", "-nologo", "-v", "q"], repository, out string log) != 0)
                throw new InvalidOperationException($"the gate worker does not build in this tree:\n{log}");
            currentDll = Path.Combine(repository, "benchmarks", "Simd.Gate", "bin", "Release", "net10.0", "simd-gate.dll");
            Progress($"building the worker of the base commit {baseCommit[..10]} in {work}");
            baseDll = AbGate.BuildBase(repository, baseCommit, Path.Combine(work, "base"), out excluded, Progress);
        }

        (GateWorker, GateWorker) StartPair(int cpu) => (new GateWorker(baseDll, "base", cpu), new GateWorker(currentDll, "current", cpu));
        var filters = options.All("filter").ToList();
        IReadOnlyList<string> baseCases, currentCases;
        bool all = options.Flag("all");
        using (var probe = new GateWorker(baseDll, "base")) baseCases = probe.Cases(all);
        using (var probe = new GateWorker(currentDll, "current")) currentCases = probe.Cases(all);
        var selected = currentCases.Where(c => filters.Count == 0 || filters.Any(f => c.Contains(f, StringComparison.OrdinalIgnoreCase))).ToList();
        var common = selected.Where(c => baseCases.Contains(c, StringComparer.Ordinal)).ToList();
        var newCases = selected.Except(common, StringComparer.Ordinal).ToList();
        if (common.Count == 0) throw new ArgumentException($"no case to compare (current: {string.Join(", ", selected)}; base: {string.Join(", ", baseCases)})");

        string machine = CurrentMachineKey();
        Progress($"machine {machine}; base {baseCommit[..10]} vs current {current}; {common.Count} cases, {settings.Rounds}–{settings.MaxRounds} rounds over {settings.Pairs} worker pairs, {settings.SampleMs} ms samples, seed {settings.Seed}");
        IReadOnlyList<AbCase> results = AbGate.Measure(StartPair, common, settings, Progress);
        Console.WriteLine();
        Console.WriteLine($"A/B gate on {machine}: current ({current}) ÷ base ({baseCommit[..10]}); a case fails when its median ratio is ≥ ×{1 + settings.Threshold:F2} and its {settings.Confidence:P0} interval lies above ×1.");
        Console.WriteLine();
        Console.Write(AbGate.Table(results, newCases, settings));
        if (excluded.Count > 0) Console.WriteLine($"\nleft out of the base build: {string.Join(", ", excluded)}");
        if (options.Single("out") is string output) AbGate.Save(output, baseCommit, current, machine, results, settings);
        if (options.Single("work") is null && Directory.Exists(work)) Directory.Delete(work, recursive: true);

        var slower = results.Where(r => r.Verdict == AbVerdict.Slower).Select(r => r.Name).ToList();
        Console.WriteLine(slower.Count == 0 ? "\nA/B gate passed." : $"\nA/B gate FAILED: slower than the base by {settings.Threshold:P0} or more: {string.Join(", ", slower)}");
        return slower.Count == 0 ? 0 : 1;
    }

    /// <summary>The first word of the first line of perf-results/baseline/ab-base that is not a comment.</summary>
    private static string ReadAbBase(string repository)
    {
        string path = Path.Combine(repository, AbBaseFile);
        if (!File.Exists(path)) throw new InvalidDataException($"no --base given and no {AbBaseFile}");
        return File.ReadLines(path).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))?.Split(' ')[0]
            ?? throw new InvalidDataException($"{path} names no commit");
    }

    private static string ResolveCommit(string repository, string revision)
    {
        if (AbGate.Run("git", ["-C", repository, "rev-parse", "--verify", "--quiet", revision + "^{commit}"], repository, out string log) != 0)
            throw new ArgumentException($"'{revision}' is not a commit of this repository (a shallow clone may lack it: fetch with full history)");
        return log.Trim();
    }
}
