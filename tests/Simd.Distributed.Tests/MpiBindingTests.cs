using System.Runtime.InteropServices;

namespace Simd.Distributed.Tests;

/// <summary>
/// The binding resolves against the installed Open MPI without starting MPI (no mpirun needed). These tests need
/// Open MPI's library (Debian: apt-get install openmpi-bin libopenmpi-dev, which .ci/distributed.sh does when it is missing).
/// </summary>
public class MpiBindingTests
{
    private const string NotInstalled = MpiNative.Library + " is not installed: apt-get install openmpi-bin libopenmpi-dev (or run .ci/distributed.sh)";

    [Fact]
    public void OpenMpiLibraryLoads() => Assert.True(NativeLibrary.TryLoad(MpiNative.Library, out _), NotInstalled);

    [Fact]
    public void OpenMpiPredefinedHandlesResolveToDistinctAddresses()
    {
        Assert.True(NativeLibrary.TryLoad(MpiNative.Library, out _), NotInstalled);
        MpiNative.Handles handles = MpiNative.Predefined;
        nint[] all = [handles.CommWorld, handles.Float, handles.Double, handles.Byte, handles.Sum, handles.ErrorsReturn];
        Assert.All(all, h => Assert.NotEqual(0, h));
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void EveryBoundFunctionIsExported()
    {
        Assert.True(NativeLibrary.TryLoad(MpiNative.Library, out nint library), NotInstalled);
        string[] functions = [.. typeof(MpiNative).GetMethods().Where(m => m.Name.StartsWith("MPI_", StringComparison.Ordinal)).Select(m => m.Name).Distinct()];
        Assert.Equal(14, functions.Length);
        Assert.All(functions, f => Assert.True(NativeLibrary.TryGetExport(library, f, out _), $"{MpiNative.Library} does not export {f}"));
    }

    [Fact]
    public void LaunchDetectionReadsOpenMpisEnvironment()
    {
        Assert.Equal(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null, MpiCommunicator.IsLaunchedByMpirun);
    }
}
