using System.Diagnostics;
using System.Globalization;

namespace Simd.Perf;

/// <summary>
/// One running build of the gate's worker (benchmarks/Simd.Gate), driven over its standard input and
/// output one command at a time (the protocol is documented on the worker's Program).
/// </summary>
internal sealed class GateWorker : IDisposable
{
    private readonly Process _process;

    /// <summary>Which build this is ("base" or "current"), for messages.</summary>
    public string Label { get; }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c>, which inherits this process's environment, pinned to
    /// logical CPU <paramref name="cpu"/> when one is given (so that the two builds of a pair share a core).
    /// </summary>
    public GateWorker(string dll, string label, int? cpu = null)
    {
        Label = label;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        // Call counting for tiered JIT starts at once instead of after 100 ms of quiet: the warm-up then
        // reaches optimized code sooner. The final code is the same kind in both builds.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        // A fixed threshold stops glibc from raising it after the first free, so every relocated case
        // block is a fresh mapping (fresh physical pages) rather than the heap space it had before.
        start.Environment["MALLOC_MMAP_THRESHOLD_"] = "65536";
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {label} worker {dll}");
        if (cpu is int core && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())) _process.ProcessorAffinity = (nint)(1L << core);
    }

    /// <summary>The names of the key cases this build has, or of all its cases (the extended ones too).</summary>
    public IReadOnlyList<string> Cases(bool all = false)
    {
        string reply = Ask(all ? "cases all" : "cases");
        return reply.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1..];
    }

    /// <summary>Validates a case against its reference and returns the hash of its first result.</summary>
    public string Setup(string name) => Ask($"setup {name}")[3..];

    /// <summary>Moves a case's arrays to fresh memory.</summary>
    public void Relocate(string name) => Ask($"relocate {name}");

    /// <summary>Wall time in nanoseconds of <paramref name="iterations"/> back-to-back runs of a case.</summary>
    public double TimeNs(string name, int iterations) =>
        double.Parse(Ask($"time {name} {iterations.ToString(CultureInfo.InvariantCulture)}")[3..], CultureInfo.InvariantCulture);

    private string Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        string reply = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the {Label} worker ended (exit code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)}) on '{command}'");
        if (reply.StartsWith("error ", StringComparison.Ordinal))
            throw new InvalidOperationException($"{Label} build, '{command}': {reply[6..]}");
        return reply;
    }

    /// <summary>Asks the worker to quit and waits for it (kills it if it does not).</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(5000)) _process.Kill();
            }
        }
        catch (IOException) { }
        _process.Dispose();
    }
}
