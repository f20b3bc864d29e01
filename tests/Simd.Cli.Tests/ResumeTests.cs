using Simd.Network;

namespace Simd.Cli.Tests;

/// <summary><c>simd train --resume</c>: a saved run continues exactly, bit for bit, as if it had not stopped.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("simd-resume-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string name) => Path.Combine(_directory, name);

    private static string Train(params string[] args)
    {
        var (code, output, error) = SimdProgram.Run(["train", .. args]);
        Assert.True(code == 0, $"simd train {string.Join(' ', args)} exited {code}: {error}");
        return output;
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("momentum")]
    [InlineData("sgd")]
    public void AnMlpTrainedTwoEpochsAndResumedForTwoIsTheMlpTrainedFour(string optimizer)
    {
        string[] settings = ["--hidden", "24", "--optimizer", optimizer, "--l2", "0.0001", "--clip", "3", "--seed", "5"];
        Train([.. settings, "--epochs", "2", "--save", File("first.ckpt")]);
        string resumed = Train("--resume", File("first.ckpt"), "--epochs", "2", "--save", File("resumed.ckpt"));
        Train([.. settings, "--epochs", "4", "--save", File("straight.ckpt")]);

        Assert.Contains($"resumed {File("first.ckpt")}: 2 epochs", resumed);
        Assert.Contains("epoch   3/4", resumed);
        Assert.DoesNotContain("epoch   1/", resumed);
        // Same parameters, optimizer state and step, progress and settings: the very same bytes.
        Assert.Equal(System.IO.File.ReadAllBytes(File("straight.ckpt")), System.IO.File.ReadAllBytes(File("resumed.ckpt")));
        CheckpointInfo info = Checkpoint.ReadInfo(File("resumed.ckpt"));
        Assert.Equal(4, info.Progress.Counter("epoch"));
        Assert.Equal(optimizer, info.OptimizerName);

    }

    [Fact]
    public void ACharacterModelResumedInsideAnEpochContinuesExactly()
    {
        string text = File("text.txt");
        System.IO.File.WriteAllText(text, string.Concat(Enumerable.Repeat("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ", 30)));
        string[] settings = ["--model", "charlstm", "--text", text, "--bptt", "8", "--batch", "4", "--embedding", "8", "--hidden", "12", "--sample", "0", "--seed", "3"];
        Train([.. settings, "--steps", "40", "--save", File("straight.ckpt")]);
        Train([.. settings, "--steps", "17", "--save", File("first.ckpt")]);
        string resumed = Train("--resume", File("first.ckpt"), "--steps", "23", "--sample", "0", "--save", File("resumed.ckpt"));

        Assert.Contains("17 steps done", resumed);
        CheckpointInfo first = Checkpoint.ReadInfo(File("first.ckpt"));
        Assert.Equal(17, first.Progress.Counter("step"));
        Assert.True(first.Progress.Counter("window") > 0);
        Assert.Equal(4 * 12 * 2, first.Progress.Tensors["state0"].Length); // the LSTM carries (h, c) for 4 streams
        Assert.Equal(System.IO.File.ReadAllBytes(File("straight.ckpt")), System.IO.File.ReadAllBytes(File("resumed.ckpt")));

        // Another text under the same name would continue another run: refused.
        System.IO.File.AppendAllText(text, "It is a truth.");
        int length = System.IO.File.ReadAllText(text).Length;
        Assert.Equal($"simd: {File("first.ckpt")} was trained on a text of {length - 14} characters, but text.txt has {length}: the text has changed",
            SimdProgram.Refused("train", "--resume", File("first.ckpt"), "--steps", "1"));
    }

    [Fact]
    public void AResumedRunRefusesOtherSettingsAndFilesWithoutProgress()
    {
        Train("--hidden", "16", "--epochs", "1", "--save", File("run.ckpt"));
        string run = File("run.ckpt");
        Assert.Equal($"simd: --batch 64 differs from the 32 that {run} was trained with; a resumed run keeps its settings (leave --batch out)",
            SimdProgram.Refused("train", "--resume", run, "--batch", "64"));
        Assert.Equal($"simd: --model charrnn differs from the mlp that {run} was trained with; a resumed run keeps its settings (leave --model out)",
            SimdProgram.Refused("train", "--resume", run, "--model", "charrnn"));
        Assert.Equal($"simd: --data /tmp was not used to train {run}; a resumed run keeps its settings (leave --data out)",
            SimdProgram.Refused("train", "--resume", run, "--data", "/tmp"));
        Assert.Contains("epoch   2/2", Train("--resume", run, "--hidden", "16", "--lr", "0.0010", "--epochs", "1"));

        // A file saved without progress (an older simd, or a library user's plain save) cannot be resumed exactly.
        Model model = new ModelBuilder(64).Add(new Dense(64, 16, Activation.Relu)).Add(new Dense(16, 10)).Build(1);
        Checkpoint.Save(File("plain.ckpt"), model, null);
        Assert.Equal($"simd: {File("plain.ckpt")} records no training progress (it was not saved by this version of simd train --save), so it cannot be resumed exactly",
            SimdProgram.Refused("train", "--resume", File("plain.ckpt")));
        Assert.Equal($"simd: Could not find file '{File("missing.ckpt")}'.", SimdProgram.Refused("train", "--resume", File("missing.ckpt")));
    }

    [Fact]
    public void LoadStartsFromTheWeightsWithAFreshOptimizer()
    {
        string text = File("text.txt");
        System.IO.File.WriteAllText(text, string.Concat(Enumerable.Repeat("abcabd cab dabc, ", 60)));
        string[] settings = ["--model", "charrnn", "--text", text, "--bptt", "6", "--batch", "3", "--embedding", "4", "--hidden", "8", "--sample", "0", "--steps", "5"];
        Train([.. settings, "--save", File("adam.ckpt")]);
        // Another optimizer is fine with --load (weights only), but not with --resume.
        string output = Train([.. settings, "--optimizer", "sgd", "--load", File("adam.ckpt"), "--save", File("sgd.ckpt")]);
        Assert.Contains($"loaded the weights of {File("adam.ckpt")}", output);
        Assert.Equal(5, Checkpoint.ReadInfo(File("sgd.ckpt")).OptimizerStep);
        Assert.Equal("simd: give --load (weights only) or --resume (the whole run), not both",
            SimdProgram.Refused("train", "--resume", File("adam.ckpt"), "--load", File("adam.ckpt")));
    }
}
