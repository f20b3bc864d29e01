using System.Reflection;
using Simd.Kernels;

namespace Simd.Cli;

/// <summary>The <c>simd</c> command-line program.</summary>
public static class Program
{
    private static readonly string Usage = $"""
        usage: simd <command> [options]

        commands:
          train       train an MLP classifier (default: the shipped 8×8 digits) or a character model; see below
          gradcheck   compare back-propagated gradients with finite differences on small models of each kind
          evaluate    a saved model on data: loss, accuracy and confusion matrix (MLP), bits per character (character models)
          sample      generate text from a character model saved by train --model char… --save
          rnn-gradients  how far back the last step's loss reaches in Elman, GRU and LSTM models (table and SVG)
          info        describe this machine: CPU, instruction sets, the SIMD level kernels run at and why
          help        show this text

        {TrainCommand.Usage}
        {CharModelCommand.Usage}
        {EvaluateCommand.Usage}
        {CharModelCommand.SampleUsage}
        {RnnGradientsCommand.Usage}
        environment:
          SIMD_LEVEL  force the kernel level: scalar, 128, 256 or 512 (wider than the hardware runs emulated)
        """;

    /// <summary>Entry point; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        try
        {
            string command = args.Length == 0 ? "help" : args[0];
            switch (command)
            {
                case "train":
                    return DistributedTraining.Run(() => TrainCommand.Run(new Options(args[1..])));
                case "evaluate":
                    return EvaluateCommand.Run(new Options(args[1..]));
                case "sample":
                    return CharModelCommand.Sample(new Options(args[1..]));
                case "rnn-gradients":
                    return RnnGradientsCommand.Run(new Options(args[1..]));
                case "gradcheck":
                    return GradCheckCommand.Run(new Options(args[1..]));
                case "info":
                    new Options(args[1..]).RejectUnknown();
                    Console.WriteLine(SimdLevels.DescribeMachine());
                    if (PublishedInstructionSet() is string instructionSet)
                        Console.WriteLine($"Published for:    {instructionSet} (Native AOT IlcInstructionSet; a CPU without it cannot start this binary)");
                    return 0;
                case "help" or "--help" or "-h":
                    new Options(args[1..]).RejectUnknown();
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"simd: unknown command '{command}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"simd: {Describe(error)}");
            return 2;
        }
    }

    /// <summary>The instruction set a Native AOT publish compiled this program for (its <c>IlcInstructionSet</c>), or null for a JIT build.</summary>
    private static string? PublishedInstructionSet() =>
        typeof(Program).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), inherit: false)
            .OfType<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "Simd.IlcInstructionSet")?.Value is { Length: > 0 } value ? value : null;

    /// <summary>
    /// An error as one line: the message without the "(Parameter 'x')" and "Actual value was" parts
    /// that .NET appends to argument exceptions, which name the library's parameters, not the program's options.
    /// </summary>
    internal static string Describe(Exception error)
    {
        string message = error.Message;
        if (error is ArgumentException { ParamName: string name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        if (error is ArgumentOutOfRangeException { ActualValue: not null } outOfRange)
            message = message.Replace($"Actual value was {outOfRange.ActualValue}.", "", StringComparison.Ordinal);
        return string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
