namespace Simd.Network.Tests;

/// <summary>
/// Tests that change process-wide settings (<see cref="Kernels.Gemm.MaxDegreeOfParallelism"/>) or
/// measure allocations run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(IsolatedCollection), DisableParallelization = true)]
public sealed class IsolatedCollection;
