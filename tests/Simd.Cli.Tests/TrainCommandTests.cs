namespace Simd.Cli.Tests;

public class TrainCommandTests
{
    [Theory]
    [InlineData("100000000")]
    [InlineData("33554433")]
    public void ABatchTooLargeForTheModelIsRefusedBeforeTraining(string batch)
    {
        string line = SimdProgram.Refused("train", "--batch", batch, "--epochs", "1");
        Assert.StartsWith($"simd: --batch {batch} is too large: a batch of ", line);
        Assert.Contains("at most 16,777,215 examples per batch fit this model", line);
    }

    [Fact]
    public void ABadSavePathIsRefusedBeforeTraining()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"simd-missing-{Guid.NewGuid():N}", "model.ckpt");
        var (code, output, error) = SimdProgram.Run("train", "--save", missing, "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Equal($"simd: --save: cannot write '{missing}': the directory '{Path.GetDirectoryName(missing)}' does not exist", error.Trim());
        Assert.DoesNotContain("epoch", output);
        Assert.Equal("simd: --save: the checkpoint path is empty", SimdProgram.Refused("train", "--save", "", "--epochs", "1"));
        Assert.StartsWith($"simd: --save: '{Path.GetTempPath()}' is a directory", SimdProgram.Refused("train", "--model", "charrnn", "--save", Path.GetTempPath()));
    }
}
