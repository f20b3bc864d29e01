using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Simd.Cli.Tests;

/// <summary><c>simd evaluate</c> and <c>simd sample</c> on models saved by <c>simd train --save</c>.</summary>
public sealed partial class EvaluateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simd-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string name) => Path.Combine(_directory, name);

    private static string Succeeds(params string[] args)
    {
        var (code, output, error) = SimdProgram.Run(args);
        Assert.True(code == 0, $"simd {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    [GeneratedRegex(@"test loss (\d+\.\d+)  test accuracy (\d+\.\d+) %")]
    private static partial Regex EpochLine();

    [Fact]
    public void AnMlpIsEvaluatedOnTheHeldOutDigitsItWasTrainedBeside()
    {
        string model = File("digits.ckpt");
        string training = Succeeds("train", "--hidden", "32", "--epochs", "3", "--seed", "4", "--save", model);
        Match last = EpochLine().Matches(training)[^1];

        string output = Succeeds("evaluate", "--load", model);
        Assert.Contains($"model: {model}: dense1: Dense 64 → 32, Relu; dense2: Dense 32 → 10, None (adam, ", output);
        Assert.Contains("data: digits.csv.gz (test), split with fraction 0.2 and seed 4, as in training: 359 examples, 64 features, 10 classes", output);
        Assert.Contains($"loss {last.Groups[1].Value}  accuracy {last.Groups[2].Value} %", output);

        // The matrix: 10 rows of 10 counts that add up to the examples, the diagonal to the correct ones.
        string[] rows = output[output.IndexOf("confusion matrix", StringComparison.Ordinal)..].Split('\n', StringSplitOptions.RemoveEmptyEntries)[2..];
        Assert.Equal(10, rows.Length);
        long[][] counts = [.. rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..11].Select(long.Parse).ToArray())];
        Assert.Equal(359, counts.Sum(r => r.Sum()));
        long correct = Enumerable.Range(0, 10).Sum(c => counts[c][c]);
        Assert.Contains($"({correct} of 359)", output);
        Assert.Equal(double.Parse(last.Groups[2].Value, CultureInfo.InvariantCulture), 100.0 * correct / 359, 2);

        Assert.Contains("1438 examples", Succeeds("evaluate", "--load", model, "--split", "train"));
        Assert.Equal("simd: --split 'all' is not test or train", SimdProgram.Refused("evaluate", "--load", model, "--split", "all"));
        Assert.Equal("simd: simd evaluate needs --load FILE (a checkpoint written by train --save)", SimdProgram.Refused("evaluate"));
        Assert.Equal("simd: unknown option: --bptt", SimdProgram.Refused("evaluate", "--load", model, "--bptt", "8"));
    }

    /// <summary>An MNIST-format directory of <paramref name="count"/> random <paramref name="side"/>×<paramref name="side"/> images per set.</summary>
    private string IdxDirectory(string name, int side, int count)
    {
        string directory = Directory.CreateDirectory(File(name)).FullName;
        var random = new Random(side);
        foreach (string set in new[] { "train", "t10k" })
        {
            var images = new byte[16 + count * side * side];
            BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), side);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), side);
            random.NextBytes(images.AsSpan(16));
            var labels = new byte[8 + count];
            BinaryPrimitives.WriteInt32BigEndian(labels, 0x801);
            BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
            for (int i = 0; i < count; i++) labels[8 + i] = (byte)random.Next(10);
            System.IO.File.WriteAllBytes(Path.Combine(directory, $"{set}-images-idx3-ubyte"), images);
            System.IO.File.WriteAllBytes(Path.Combine(directory, $"{set}-labels-idx1-ubyte"), labels);
        }
        return directory;
    }

    [Fact]
    public void MnistFormatDataIsReadAndAMismatchIsOneClearLine()
    {
        string small = IdxDirectory("small", 8, 50), large = IdxDirectory("large", 28, 20);
        string model = File("idx.ckpt");
        Succeeds("train", "--data", small, "--hidden", "8", "--epochs", "1", "--save", model);
        Assert.Contains($"data: t10k-images-idx3-ubyte, the test set of {small}: 50 examples, 64 features, 10 classes", Succeeds("evaluate", "--load", model));
        // The digits are 8×8 too: the same model can be evaluated on them.
        Assert.Contains("64 features", Succeeds("evaluate", "--load", model, "--data", small, "--split", "train"));

        Assert.Equal($"simd: {model} holds a model of 64 inputs and 10 classes, but t10k-images-idx3-ubyte has 784 features and 10 classes",
            SimdProgram.Refused("evaluate", "--load", model, "--data", large));
        Assert.Equal($"simd: data directory '{File("none")}' does not exist", SimdProgram.Refused("evaluate", "--load", model, "--data", File("none")));
        System.IO.File.WriteAllText(File("not-a-model"), "twelve bytes");
        Assert.Equal($"simd: {File("not-a-model")}: not a Simd checkpoint (it does not start with \"SIMDNET1\")", SimdProgram.Refused("evaluate", "--load", File("not-a-model")));
    }

    [Fact]
    public void ACharacterModelIsEvaluatedInBitsPerCharacterAndSampled()
    {
        string text = File("text.txt");
        System.IO.File.WriteAllText(text, string.Concat(Enumerable.Repeat("She is tolerable, but not handsome enough to tempt me. ", 40)));
        string model = File("gru.ckpt");
        string training = Succeeds("train", "--model", "chargru", "--text", text, "--bptt", "8", "--batch", "4", "--embedding", "8", "--hidden", "16",
            "--steps", "25", "--sample", "0", "--save", model);
        string heldOut = Regex.Match(training, @"held-out loss (\d+\.\d+) bits/char").Groups[1].Value;

        string output = Succeeds("evaluate", "--load", model);
        Assert.Contains($"model: {model}: embedding: Embedding ", output);
        Assert.Contains("gru1: Gru 8 → 16", output);
        Assert.Contains("text: text.txt, the held-out last 110 characters", output);
        Assert.Contains($"loss {heldOut} bits/char", output);
        Assert.Contains("text.txt, the whole text (2,200 characters", Succeeds("evaluate", "--load", model, "--text", text, "--bptt", "16"));

        string other = File("other.txt");
        System.IO.File.WriteAllText(other, "She is tolerable, but not handsome enough to tempt me. Zebra!");
        Assert.Equal($"simd: other.txt: character 'Z' (U+005A) at position 55 is not in the model's alphabet of {"She is tolerable, but not handsome enough to tempt me. ".Distinct().Count()}",
            SimdProgram.Refused("evaluate", "--load", model, "--text", other));
        Assert.Equal("simd: unknown option: --split", SimdProgram.Refused("evaluate", "--load", model, "--split", "test"));

        // simd sample reads the same checkpoint.
        string sample = Succeeds("sample", "--load", model, "--prompt", "She is", "--sample", "30", "--seed", "2");
        Assert.StartsWith("She is", sample);
        Assert.Equal(6 + 30, sample.TrimEnd('\n', '\r').Length);
        Assert.Equal(sample, Succeeds("sample", "--load", model, "--prompt", "She is", "--sample", "30", "--seed", "2"));
    }

    [Fact]
    public void HelpListsEvaluateAndResume()
    {
        string help = Succeeds("help");
        Assert.Contains("simd evaluate --load FILE", help);
        Assert.Contains("--resume FILE", help);
        Assert.Contains("--steps N", help);
    }
}
