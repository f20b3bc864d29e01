namespace Simd.Perf.Tests;

/// <summary>
/// The one test that times real code (<see cref="ComparisonTests.RealMeasuredSlowdownIsCaught"/>) runs
/// alone, after the parallel ones: a test running beside it on the other core made its identical-work
/// comparison read as a change.
/// </summary>
[CollectionDefinition(nameof(TimedCollection), DisableParallelization = true)]
public sealed class TimedCollection;
