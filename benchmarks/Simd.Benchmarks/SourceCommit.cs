using System.Diagnostics;

namespace Simd.Benchmarks;

/// <summary>The commit that results were measured at, as the perf tool's run files and the paired report name it.</summary>
public static class SourceCommit
{
    /// <summary>
    /// The short hash of HEAD in <paramref name="repository"/> (a folder inside the working tree), with
    /// "+dirty" when the tree has uncommitted changes; "unknown" when git is missing or the folder is not
    /// in a repository.
    /// </summary>
    public static string Describe(string repository)
    {
        if (Git(repository, "rev-parse --short HEAD") is not string hash) return "unknown";
        return Git(repository, "status --porcelain") is { Length: > 0 } ? hash + "+dirty" : hash;
    }

    /// <summary>git's trimmed output, or null when git is missing or fails.</summary>
    private static string? Git(string repository, string arguments)
    {
        var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using Process? process = Process.Start(start);
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
