using System.Runtime.Intrinsics;

namespace Simd.Kernels.Tests;

public class SimdLevelTests
{
    [Fact]
    public void DetectedIsWidestAcceleratedWidth()
    {
        SimdLevel expected = Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
            : Vector256.IsHardwareAccelerated ? SimdLevel.Vector256
            : Vector128.IsHardwareAccelerated ? SimdLevel.Vector128
            : SimdLevel.Scalar;
        Assert.Equal(expected, SimdLevels.Detected);
    }

    [Theory]
    [InlineData("scalar", SimdLevel.Scalar)]
    [InlineData("128", SimdLevel.Vector128)]
    [InlineData("256", SimdLevel.Vector256)]
    [InlineData(" 512 ", SimdLevel.Vector512)]
    [InlineData("Vector256", SimdLevel.Vector256)]
    public void EnvironmentValueSelectsLevel(string value, SimdLevel expected) =>
        Assert.Equal(expected, SimdLevels.ResolveDefault(value, SimdLevel.Scalar));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void UnsetEnvironmentUsesDetected(string? value) =>
        Assert.Equal(SimdLevel.Vector128, SimdLevels.ResolveDefault(value, SimdLevel.Vector128));

    [Theory]
    [InlineData("avx2")]
    [InlineData("1024")]
    [InlineData("fast")]
    public void UnknownEnvironmentValueIsAClearError(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => SimdLevels.ResolveDefault(value, SimdLevel.Vector256));
        Assert.Contains("SIMD_LEVEL", error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void ForceNestsAndRestores()
    {
        SimdLevel outer = SimdLevels.Current;
        using (SimdLevels.Force(SimdLevel.Scalar))
        {
            Assert.Equal(SimdLevel.Scalar, SimdLevels.Current);
            using (SimdLevels.Force(SimdLevel.Vector512))
                Assert.Equal(SimdLevel.Vector512, SimdLevels.Current);
            Assert.Equal(SimdLevel.Scalar, SimdLevels.Current);
        }
        Assert.Equal(outer, SimdLevels.Current);
    }

    [Fact]
    public void ForceIsPerThread()
    {
        using var scope = SimdLevels.Force(SimdLevel.Scalar);
        SimdLevel seenElsewhere = SimdLevel.Scalar;
        var thread = new Thread(() => seenElsewhere = SimdLevels.Current);
        thread.Start();
        thread.Join();
        Assert.Equal(SimdLevels.Default, seenElsewhere);
    }

    [Fact]
    public void ForceRejectsUndefinedLevel() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SimdLevels.Force((SimdLevel)64));

    [Fact]
    public void MachineDescriptionNamesLevelAndIsa()
    {
        string text = SimdLevels.DescribeMachine();
        Assert.Contains("Selected level", text);
        Assert.Contains("CPU", text);
        if (Vector128.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Sse2.IsSupported)
            Assert.Contains("SSE2", text);
        // The tests run under the JIT; a Native AOT build says so on the same line (checked by .ci/packages.sh).
        Assert.Matches(@"(?m)^Code: +JIT \(", text);
    }
}
