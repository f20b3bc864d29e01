namespace Simd.Kernels.Tests;

/// <summary>
/// Long optimizer updates are split across threads; the bits must not depend on the thread count, and
/// must equal the scalar level's. Alone, because it changes <see cref="Parallelism.MaxDegreeOfParallelism"/>.
/// </summary>
[Collection(nameof(IsolatedCollection))]
public class ParallelMapTests
{
    /// <summary>Three grains and a ragged end, so every split has an uneven last part.</summary>
    private const int Length = 3 * 32768 + 13;

    private delegate void Update(float[] w, float[] s1, float[] s2, float[] g);

    public static TheoryData<string> Rules => new("sgd", "momentum", "nesterov", "adam", "adamw");

    private static Update Rule(string name) => name switch
    {
        "sgd" => (w, _, _, g) => OptimizerUpdates.Sgd(g, w, 0.05f),
        "momentum" => (w, v, _, g) => OptimizerUpdates.SgdMomentum(g, w, v, 0.05f, 0.9f),
        "nesterov" => (w, v, _, g) => OptimizerUpdates.SgdMomentum(g, w, v, 0.05f, 0.9f, nesterov: true),
        "adam" => (w, m, v, g) => OptimizerUpdates.Adam(g, w, m, v, 3, 1e-3f),
        _ => (w, m, v, g) => OptimizerUpdates.Adam(g, w, m, v, 3, 1e-3f, weightDecay: 0.01f),
    };

    private static float[] Run(string rule, SimdLevel level, int threads)
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = threads;
        using var _ = SimdLevels.Force(level);
        float[] w = TestSupport.Uniform(Length, 1), s1 = new float[Length], s2 = new float[Length];
        w[Length - 1] = float.NaN;
        w[40_000] = float.PositiveInfinity;
        for (int step = 0; step < 3; step++)
            Rule(rule)(w, s1, s2, TestSupport.Uniform(Length, 10 + step));
        return [.. w, .. s1, .. s2];
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void AnyThreadCountGivesTheScalarBits(string rule)
    {
        float[] scalar = Run(rule, SimdLevel.Scalar, 1);
        foreach (SimdLevel level in SimdLevels.All)
            foreach (int threads in new[] { 1, 2, 3, 8 })
                Assert.True(scalar.AsSpan().SequenceEqual(Run(rule, level, threads)), $"{rule}: {level} with {threads} threads changed the bits");
    }

    [Fact]
    public void ThreadedUpdateAllocatesNothing()
    {
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Parallelism.MaxDegreeOfParallelism = 2;
        float[] w = TestSupport.Uniform(Length, 1), m = new float[Length], v = new float[Length], g = TestSupport.Uniform(Length, 2);
        TestSupport.AssertNoAllocation(() => OptimizerUpdates.Adam(g, w, m, v, 1, 1e-3f), "threaded Adam");
        TestSupport.AssertNoAllocation(() => OptimizerUpdates.Sgd(g, w, 1e-3f), "threaded Sgd");
    }
}
