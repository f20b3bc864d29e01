namespace Simd.Kernels.Tests;

/// <summary>
/// Tests that change process-wide settings (<see cref="Parallelism.MaxDegreeOfParallelism"/>) run alone,
/// after the parallel ones, so that allocation measurements elsewhere never see a worker pool grow.
/// </summary>
[CollectionDefinition(nameof(IsolatedCollection), DisableParallelization = true)]
public sealed class IsolatedCollection;
