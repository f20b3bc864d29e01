namespace Simd.Kernels.Tests;

/// <summary>GEMM on several threads: the same bits as one thread on every split, and correct results when threads share packed B or claim row units.</summary>
public partial class GemmTests
{
    [Theory]
    [InlineData(SimdLevel.Vector256)]
    [InlineData(SimdLevel.Vector512)]
    [InlineData(SimdLevel.Scalar)]
    public void ThreadCountDoesNotChangeBits(SimdLevel level)
    {
        bool emulated = !SimdLevels.IsAccelerated(level);
        int m = emulated ? 53 : 203, n = emulated ? 70 : 150, k = emulated ? 31 : 300;
        float[] a = TestSupport.Uniform(m * k, 7), b = TestSupport.Uniform(n * k, 8), bias = TestSupport.Uniform(n, 9);
        float[]? first = null, firstNarrow = null;
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (int threads in new[] { 1, 2, 7 })
        {
            foreach (bool wide in new[] { true, false })
            {
                int rows = m, cols = wide ? n : 10;
                float[] c = new float[rows * cols];
                Gemm.MaxDegreeOfParallelism = threads;
                using (SimdLevels.Force(level))
                using (GemmTuning.OverrideParallelThreshold(1))
                using (GemmTuning.OverrideBlocks(kc: 64, mc: 48, nc: 64))
                    Gemm.MultiplyBiasActivation(Transpose.None, Transpose.Transposed, rows, cols, k, a, k, b, k, bias.AsSpan(0, cols), ActivationFunction.Sigmoid, c, cols);
                if (wide)
                {
                    if (first is null) first = c;
                    else Assert.True(first.AsSpan().SequenceEqual(c), $"{level}: {threads} threads changed the result bits");
                }
                else
                {
                    if (firstNarrow is null) firstNarrow = c;
                    else Assert.True(firstNarrow.AsSpan().SequenceEqual(c), $"{level}: {threads} threads changed the narrow result bits");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ThreadCountDoesNotChangeBitsOnTheWideDotPath(SimdLevel level)
    {
        // Few rows, B stored transposed, a deep sum: at 256 and 128 bits the wide dot path, whose threads take
        // ranges of columns; the epilogue runs on each thread's columns.
        int m = 13, n = 150, k = 300;
        float[] a = TestSupport.Uniform(m * k, 27), b = TestSupport.Uniform(n * k, 28), bias = TestSupport.Uniform(n, 29);
        double[] product = Reference.Gemm(false, true, m, n, k, 1, a, k, b, k, 0, new float[m * n], n, out double[] magnitude);
        float[]? first = null;
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (int threads in new[] { 1, 2, 7 })
        {
            float[] c = new float[m * n];
            c.AsSpan().Fill(float.NaN);
            Gemm.MaxDegreeOfParallelism = threads;
            using (SimdLevels.Force(level))
            using (GemmTuning.OverrideParallelThreshold(1))
                Gemm.MultiplyBiasActivation(Transpose.None, Transpose.Transposed, m, n, k, a, k, b, k, bias, ActivationFunction.Tanh, c, n);
            if (first is null)
            {
                first = c;
                for (int i = 0; i < m * n; i++)
                {
                    double z = product[i] + bias[i % n];
                    TestSupport.AssertClose(Math.Tanh(z), c[i], 1e-5, (k + 2) * Epsilon * (magnitude[i] + Math.Abs(bias[i % n])) + 2e-6, $"{level} element {i}");
                }
            }
            else Assert.True(first.AsSpan().SequenceEqual(c), $"{level}: {threads} threads changed the result bits");
        }
    }

    /// <summary>
    /// With the real block sizes, a row split can give each thread few enough rows to read B in place
    /// while a serial call packs it. The depth of the k blocks must follow the whole shape, not the
    /// thread's rows, or the sums are split differently and the bits change.
    /// </summary>
    [Theory]
    [InlineData(SimdLevel.Vector128)]
    [InlineData(SimdLevel.Vector256)]
    [InlineData(SimdLevel.Vector512)]
    public void ThreadCountDoesNotChangeBitsWhenPartsReadBInPlace(SimdLevel level)
    {
        bool emulated = !SimdLevels.IsAccelerated(level);
        int m = emulated ? 24 : 2 * 36 + 8, n = 72, k = emulated ? 400 : 800;
        float[] a = TestSupport.Uniform(m * k, 17), b = TestSupport.Uniform(k * n, 18);
        float[]? first = null;
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] c = new float[m * n];
            Gemm.MaxDegreeOfParallelism = threads;
            using (SimdLevels.Force(level))
            using (GemmTuning.OverrideParallelThreshold(1))
                Gemm.Multiply(m, n, k, a, b, c);
            if (first is null) first = c;
            else Assert.True(first.AsSpan().SequenceEqual(c), $"{level}: {threads} threads changed the result bits");
        }
    }

    [Fact]
    public void ThreadedMatchesReference()
    {
        int m = 97, n = 131, k = 70;
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Gemm.MaxDegreeOfParallelism = 3;
        using (GemmTuning.OverrideParallelThreshold(1))
        {
            Check(SimdLevels.Detected, Transpose.Transposed, Transpose.None, m, n, k, 1f, 0.5f, pad: 1);
            Check(SimdLevels.Detected, Transpose.None, Transpose.Transposed, 5, n, k, 1f, 0f, pad: 0, nanC: true);
        }
    }

    /// <summary>
    /// Row splits of a transposed B share one packed copy that the threads fill panel by panel; with a
    /// non-transposed B every part packs it in its first row tiles: several k blocks and column blocks
    /// (small blocks), a last panel narrower than NR, both layouts of B, beta ≠ 0, and more threads
    /// than cores, against the reference.
    /// </summary>
    [Theory]
    [InlineData(SimdLevel.Vector256)]
    [InlineData(SimdLevel.Vector512)]
    [InlineData(SimdLevel.Scalar)]
    public void ThreadsSharingPackedBMatchReference(SimdLevel level)
    {
        var (mr, nr, _, _, _) = Blocks(level);
        bool emulated = !SimdLevels.IsAccelerated(level);
        int m = 3 * (BInPlaceRows(level) + 2 * mr) + 1, n = 2 * nr + 3, k = emulated ? 23 : 61;
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (int threads in new[] { 2, 3, 7 })
        {
            Gemm.MaxDegreeOfParallelism = threads;
            using (GemmTuning.OverrideParallelThreshold(1))
            using (GemmTuning.OverrideBlocks(kc: 8, mc: 2 * mr, nc: nr))
            {
                Check(level, Transpose.None, Transpose.None, m, n, k, 1f, 0f, pad: 1, nanC: true);
                Check(level, Transpose.Transposed, Transpose.Transposed, m, n, k, -0.5f, 0.75f, pad: 2, seed: threads);
            }
        }
    }

    /// <summary>
    /// A caller that finds the workers busy runs every part itself, one after another: with a transposed
    /// B, its own shared packed B, whose first part packs each panel and whose later parts must find it
    /// packed, never wait for it; with a non-transposed B, every part packs B in its first row tiles.
    /// Two threads call at once, many times; every result must be the serial one.
    /// </summary>
    [Fact]
    public void ConcurrentThreadedCallsGiveTheSerialBits()
    {
        const int M = 150, N = 90, K = 70;
        float[] a = TestSupport.Uniform(M * K, 31), b = TestSupport.Uniform(K * N, 32);
        float[] serial = new float[M * N], serialTransposed = new float[M * N];
        void Both(float[] c, float[] cTransposed)
        {
            Gemm.Multiply(M, N, K, a, b, c);
            Gemm.Multiply(Transpose.None, Transpose.Transposed, M, N, K, 1f, a, K, b, K, 0f, cTransposed, N);
        }
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        int mismatches = 0;
        void Caller()
        {
            float[] c = new float[M * N], cTransposed = new float[M * N];
            using (GemmTuning.OverrideParallelThreshold(1))
            using (GemmTuning.OverrideBlocks(kc: 16, mc: 32, nc: 48))
                for (int call = 0; call < 150; call++)
                {
                    Both(c, cTransposed);
                    if (!c.AsSpan().SequenceEqual(serial)) Interlocked.Increment(ref mismatches);
                    if (!cTransposed.AsSpan().SequenceEqual(serialTransposed)) Interlocked.Increment(ref mismatches);
                }
        }
        Gemm.MaxDegreeOfParallelism = 1;
        using (GemmTuning.OverrideBlocks(kc: 16, mc: 32, nc: 48))
            Both(serial, serialTransposed);
        Gemm.MaxDegreeOfParallelism = 3;
        var other = new Thread(Caller);
        other.Start();
        Caller();
        other.Join();
        Assert.Equal(0, mismatches);
    }

    /// <summary>
    /// A row split with room for two units of 8 row tiles per thread claims its work: C's rows in units,
    /// per k block of each column block, each thread its own units first and then the others' from their
    /// end, each unit waiting for the k block before it on its rows. Several k and column blocks, a
    /// partial last row tile and panel, both layouts of A and B (a transposed B is packed once for all
    /// threads), beta ≠ 0 and NaN in C with beta = 0: every thread count matches the reference and the
    /// serial bits. Then two callers at once, so that calls that find the workers busy run every part on
    /// the caller, whose first part claims every unit.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void ClaimedRowUnitsGiveTheSerialBits(SimdLevel level)
    {
        var (mr, nr, _, _, _) = Blocks(level);
        int m = 6 * 8 * mr + mr / 2 + 1, n = 2 * nr + 3, k = 37;
        var cases = new[]
        {
            (Transpose.None, Transpose.None, 1f, 0f, true),
            (Transpose.Transposed, Transpose.Transposed, -0.5f, 0.75f, false),
            (Transpose.None, Transpose.Transposed, 1.5f, 1f, false),
        };
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        using var threshold = GemmTuning.OverrideParallelThreshold(1);
        using var blocks = GemmTuning.OverrideBlocks(kc: 8, mc: 2 * mr, nc: nr);
        var serial = new float[cases.Length][];
        Gemm.MaxDegreeOfParallelism = 1;
        for (int i = 0; i < cases.Length; i++)
        {
            var (ta, tb, alpha, beta, nanC) = cases[i];
            serial[i] = Check(level, ta, tb, m, n, k, alpha, beta, pad: 1, seed: i, nanC: nanC);
        }
        foreach (int threads in new[] { 2, 3, 7 })
        {
            Gemm.MaxDegreeOfParallelism = threads;
            for (int i = 0; i < cases.Length; i++)
            {
                var (ta, tb, alpha, beta, nanC) = cases[i];
                float[] c = Check(level, ta, tb, m, n, k, alpha, beta, pad: 1, seed: i, nanC: nanC);
                Assert.True(serial[i].AsSpan().SequenceEqual(c), $"{level} {ta}/{tb}: {threads} threads changed the result bits");
            }
        }
        Gemm.MaxDegreeOfParallelism = 2;
        int mismatches = 0;
        Exception? failure = null;
        void Caller()
        {
            try
            {
                using var callerThreshold = GemmTuning.OverrideParallelThreshold(1);
                using var callerBlocks = GemmTuning.OverrideBlocks(kc: 8, mc: 2 * mr, nc: nr);
                for (int call = 0; call < 8; call++)
                    for (int i = 0; i < cases.Length; i++)
                    {
                        var (ta, tb, alpha, beta, nanC) = cases[i];
                        if (!serial[i].AsSpan().SequenceEqual(Check(level, ta, tb, m, n, k, alpha, beta, pad: 1, seed: i, nanC: nanC)))
                            Interlocked.Increment(ref mismatches);
                    }
            }
            catch (Exception error)
            {
                Interlocked.CompareExchange(ref failure, error, null);
            }
        }
        var other = new Thread(Caller);
        other.Start();
        Caller();
        other.Join();
        Assert.Null(failure);
        Assert.Equal(0, mismatches);
    }
}
