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
}
