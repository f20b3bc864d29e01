namespace Simd.Cli.Tests;

public class OptionsTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("rnn-gradients")]
    public void ThreadsBelowOneAreNamedAsTheOption(string command) =>
        Assert.Equal("simd: --threads 0 is not allowed: it must be at least 1", SimdProgram.Refused(command, "--threads", "0"));
}
