using System.Globalization;

namespace Simd.Kernels.Tests;

/// <summary>Shared data sources, generators and assertions for kernel tests.</summary>
internal static partial class TestSupport
{
    /// <summary>The processor bound tests run under, so that they can split work into more parts than this machine has processors.</summary>
    public const int TestProcessorLimit = 8;

    /// <summary>
    /// Restores the thread settings (<see cref="Parallelism.MaxDegreeOfParallelism"/>, <see cref="Gemm.MaxDegreeOfParallelism"/>
    /// and the processor bound) when disposed, so a test can set the thread count freely, and raises the bound
    /// to at least <see cref="TestProcessorLimit"/> meanwhile, so that asking for 3 or 7 threads on a 2-core
    /// machine still splits the work that many ways: <c>using var _ = TestSupport.PreserveMaxDegreeOfParallelism();</c>
    /// </summary>
    public static MaxDegreeScope PreserveMaxDegreeOfParallelism()
    {
        var scope = new MaxDegreeScope(Parallelism.ProcessorLimit, Parallelism.MaxDegreeOfParallelism, Gemm.MaxDegreeOfParallelism);
        Parallelism.ProcessorLimit = Math.Max(Parallelism.ProcessorLimit, TestProcessorLimit);
        return scope;
    }

    /// <summary>See <see cref="PreserveMaxDegreeOfParallelism"/>.</summary>
    public readonly struct MaxDegreeScope(int limit, int threads, int gemmThreads) : IDisposable
    {
        public void Dispose()
        {
            Parallelism.ProcessorLimit = limit;
            Parallelism.MaxDegreeOfParallelism = threads;
            Gemm.MaxDegreeOfParallelism = gemmThreads;
        }
    }

    /// <summary>Every level, as xunit theory data.</summary>
    public static TheoryData<SimdLevel> Levels => new(SimdLevels.All);

    /// <summary>
    /// The lengths every element-wise kernel is tested at: 0..256 (all remainders of every width and
    /// the 4-vector unroll), then a few large ones that are not multiples of any width.
    /// </summary>
    public static IEnumerable<int> Lengths()
    {
        for (int n = 0; n <= 256; n++) yield return n;
        yield return 1000;
        yield return 4099;
        yield return 65_537;
    }

    /// <summary>Deterministic uniform values in [lo, hi).</summary>
    public static float[] Uniform(int length, int seed, float lo = -1f, float hi = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = lo + (hi - lo) * random.NextSingle();
        return values;
    }

    /// <summary>
    /// A copy of <paramref name="values"/> placed at element offset <paramref name="offset"/> of a larger
    /// array, so that tests see unaligned starts. Returns the backing array and the span's start.
    /// </summary>
    public static (float[] Buffer, int Start) Unaligned(ReadOnlySpan<float> values, int offset)
    {
        var buffer = new float[values.Length + offset + 1];
        buffer.AsSpan(0, offset).Fill(float.NaN);
        values.CopyTo(buffer.AsSpan(offset));
        buffer[^1] = float.NaN;
        return (buffer, offset);
    }

    /// <summary>The special values planted into inputs: NaN, ±Inf, ±0, subnormals, extremes.</summary>
    public static readonly float[] SpecialValues =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f,
        float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, float.MaxValue, float.MinValue, 1e-30f, -1e-30f,
    ];

    /// <summary>
    /// Asserts |actual − expected| ≤ absolute + relative·|expected| for every element, with NaN matching
    /// NaN and infinities matching exactly. The message names the element, both values and the context.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            AssertClose(expected[i], actual[i], relative, absolute, context, i);
    }

    /// <summary>Scalar form of <see cref="AssertClose(ReadOnlySpan{double}, ReadOnlySpan{float}, double, double, string)"/>.</summary>
    public static void AssertClose(double expected, float actual, double relative, double absolute, string context, int index = -1)
    {
        if (IsClose(expected, actual, relative, absolute)) return;
        string where = index >= 0 ? $"[{index}]" : "";
        Assert.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{context}{where}: expected {expected:R}, actual {actual:R} (|diff| {Math.Abs(expected - actual):E3}, tolerance {absolute + relative * Math.Abs(expected):E3})"));
    }

    /// <summary>True when <paramref name="actual"/> is within tolerance of <paramref name="expected"/> (NaN matches NaN).</summary>
    public static bool IsClose(double expected, float actual, double relative, double absolute)
    {
        if (double.IsNaN(expected)) return float.IsNaN(actual);
        if (double.IsInfinity(expected)) return actual == expected;
        if (float.IsNaN(actual) || float.IsInfinity(actual)) return false;
        return Math.Abs(actual - expected) <= absolute + relative * Math.Abs(expected);
    }

    /// <summary>
    /// Runs <paramref name="action"/> twice to warm it up (JIT, pools), then measures it, and asserts
    /// that it allocated no managed bytes on this thread. Tiered JIT can allocate once on the calling
    /// thread when it promotes a method, so up to three measured calls are tried; an action that
    /// allocates every time fails all three.
    /// </summary>
    public static void AssertNoAllocation(Action action, string context)
    {
        action();
        action();
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 3 && allocated != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(allocated == 0, $"{context} allocated {allocated} bytes in every one of three steady-state calls");
    }
}
