using System.Text;

// The tests redirect the process-wide Console, so they must not run at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Simd.Cli.Tests;

/// <summary>Runs the <c>simd</c> program in this process and captures what it prints.</summary>
internal static class SimdProgram
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        TextWriter output = Console.Out, error = Console.Error;
        var capturedOutput = new StringWriter(new StringBuilder());
        var capturedError = new StringWriter(new StringBuilder());
        Console.SetOut(capturedOutput);
        Console.SetError(capturedError);
        try
        {
            int code = Program.Main(args);
            return (code, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    /// <summary>Runs the program, asserts exit status 2 with exactly one line on standard error, and returns that line.</summary>
    public static string Refused(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 2, $"simd {string.Join(' ', args)} exited {code}; stdout: {output}; stderr: {error}");
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"simd {string.Join(' ', args)} printed {lines.Length} error lines: {error}");
        Assert.StartsWith("simd: ", lines[0]);
        return lines[0];
    }
}
