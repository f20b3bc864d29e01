namespace Simd.Distributed.Tests;

/// <summary>
/// What the binding does without Open MPI installed (these tests run with the README's test command on any machine);
/// the checks against the installed libmpi.so.40 run under mpirun in <see cref="MultiRankCheck"/> (.ci/distributed.sh).
/// </summary>
public class MpiBindingTests
{
    [Fact]
    public void LaunchDetectionReadsOpenMpisEnvironment()
    {
        Assert.Equal(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null, MpiCommunicator.IsLaunchedByMpirun);
    }
}
