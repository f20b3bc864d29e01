using System.Runtime.InteropServices;

namespace Simd.Distributed.Tests;

/// <summary>The binding resolves against the installed Open MPI without starting MPI (no mpirun needed).</summary>
public class MpiBindingTests
{
    [Fact]
    public void OpenMpiPredefinedHandlesResolveToDistinctAddresses()
    {
        MpiNative.Handles handles = MpiNative.Predefined;
        nint[] all = [handles.CommWorld, handles.Float, handles.Double, handles.Byte, handles.Sum, handles.ErrorsReturn];
        Assert.All(all, h => Assert.NotEqual(0, h));
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void EveryBoundFunctionIsExported()
    {
        nint library = NativeLibrary.Load(MpiNative.Library);
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
