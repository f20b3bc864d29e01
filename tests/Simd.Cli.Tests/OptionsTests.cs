namespace Simd.Cli.Tests;

public class OptionsTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("rnn-gradients")]
    public void ThreadsBelowOneAreNamedAsTheOption(string command) =>
        Assert.Equal("simd: --threads 0 is not allowed: it must be at least 1", SimdProgram.Refused(command, "--threads", "0"));

    [Theory]
    [InlineData(",")]
    [InlineData("128,")]
    [InlineData("128,,64")]
    [InlineData("")]
    public void AHiddenListWithAnEmptyEntryIsRefused(string hidden) =>
        Assert.Equal($"simd: --hidden '{hidden}' is not a list of positive integers like 128,64", SimdProgram.Refused("train", "--hidden", hidden, "--epochs", "1"));

    [Theory]
    [InlineData("2")]
    [InlineData("1")]
    [InlineData("relu,tanh")]
    public void AnActivationMustBeANameNotANumber(string activation) =>
        Assert.Equal($"simd: --activation '{activation}' is not one of none, relu, sigmoid, tanh", SimdProgram.Refused("train", "--activation", activation, "--epochs", "1"));

    [Theory]
    [InlineData("info")]
    [InlineData("help")]
    public void CommandsWithoutOptionsRefuseUnknownOnes(string command)
    {
        Assert.Equal("simd: unknown option: --bogus", SimdProgram.Refused(command, "--bogus", "1"));
        Assert.Equal("simd: option --bogus needs a value", SimdProgram.Refused(command, "--bogus"));
        Assert.Equal(0, SimdProgram.Run(command).ExitCode);
    }

    [Fact]
    public void ARepeatedOptionIsRefused() =>
        Assert.Equal("simd: option --epochs is given twice ('1' and '2'); give it once", SimdProgram.Refused("train", "--epochs", "1", "--epochs", "2"));
}
