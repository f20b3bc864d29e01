using System.Globalization;

namespace Simd.Kernels.Tests;

/// <summary>Alone, because some tests change <see cref="Gemm.MaxDegreeOfParallelism"/> for the whole process.</summary>
[Collection(nameof(IsolatedCollection))]
public partial class GemmTests
{
    private const double Epsilon = 1.0 / (1 << 23);
    private const float Sentinel = -12345.5f;

    /// <summary>MR, NR and the real KC, MC, NC of each level's kernel.</summary>
    private static (int Mr, int Nr, int Kc, int Mc, int Nc) Blocks(SimdLevel level)
    {
        GemmKernelFacts facts = GemmKernelFacts.Of(level);
        return (facts.Mr, facts.Nr, facts.Kc, facts.Mc, facts.Nc);
    }

    private static int BInPlaceRows(SimdLevel level) => GemmKernelFacts.Of(level).BInPlaceRows;

    private static int EdgeStep(SimdLevel level) => GemmKernelFacts.Of(level).EdgeStep;

    /// <summary>
    /// The dot paths' thresholds at a level with dot kernels; elsewhere the 256-bit ones, which choose
    /// nothing there but keep the same shapes under test.
    /// </summary>
    private static (int MinDepth, int WideMaxRows, int WideDepthPerRow) DotThresholds(SimdLevel level)
    {
        GemmKernelFacts facts = GemmKernelFacts.Of(level);
        if (facts.SmallKernels != SmallKernels.DotsAndColumns) facts = GemmKernelFacts.Of(SimdLevel.Vector256);
        return (facts.DotMinDepth, facts.WideDotMaxRows, facts.WideDotDepthPerRow);
    }

    /// <summary>
    /// n, or at a level with narrow paths (n ≤ 16 never reaches the blocked path there) the smallest
    /// n + j·NR wider than 16: the same tile and edge boundary, on the blocked path.
    /// </summary>
    private static int BlockedWidth(SimdLevel level, int n)
    {
        if (level == SimdLevel.Scalar || n > GemmPaths.NarrowColumns) return n;
        int nr = Blocks(level).Nr;
        return n + (GemmPaths.NarrowColumns - n) / nr * nr + nr;
    }

    public static TheoryData<SimdLevel, Transpose, Transpose> LevelsAndTransposes()
    {
        var data = new TheoryData<SimdLevel, Transpose, Transpose>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (Transpose ta in new[] { Transpose.None, Transpose.Transposed })
                foreach (Transpose tb in new[] { Transpose.None, Transpose.Transposed })
                    data.Add(level, ta, tb);
        return data;
    }

    /// <summary>
    /// Runs one GEMM on sub-matrix views (every leading dimension = width + pad) at the given level
    /// and checks every element of the view against the double reference and every element outside
    /// it against the sentinel. Returns C's buffer.
    /// </summary>
    private static float[] Check(SimdLevel level, Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta,
        int pad = 0, int seed = 1, bool nanC = false)
    {
        bool tA = ta == Transpose.Transposed, tB = tb == Transpose.Transposed;
        int aRows = tA ? k : m, aCols = tA ? m : k, bRows = tB ? n : k, bCols = tB ? k : n;
        int lda = Math.Max(1, aCols + pad), ldb = Math.Max(1, bCols + pad), ldc = Math.Max(1, n + pad);
        float[] a = TestSupport.Uniform(Math.Max(1, aRows * lda), seed);
        float[] b = TestSupport.Uniform(Math.Max(1, bRows * ldb), seed + 1);
        float[] c = TestSupport.Uniform(Math.Max(1, m * ldc), seed + 2);
        for (int i = 0; i < c.Length; i++)
            if (i % ldc >= n) c[i] = Sentinel;
            else if (nanC) c[i] = float.NaN;
        double[] expected = Reference.Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, out double[] magnitude);
        using (SimdLevels.Force(level))
            Gemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        string context = string.Create(CultureInfo.InvariantCulture, $"{level} {ta}/{tb} m={m} n={n} k={k} alpha={alpha} beta={beta} pad={pad}");
        AssertMatrix(expected, magnitude, c, m, n, ldc, k, context);
        return c;
    }

    private static void AssertMatrix(double[] expected, double[] magnitude, float[] c, int m, int n, int ldc, int k, string context)
    {
        for (int i = 0; i < c.Length; i++)
        {
            int row = i / ldc, col = i % ldc;
            if (row < m && col < n)
            {
                double tolerance = (k + 2) * Epsilon * magnitude[row * n + col] + 1e-30;
                TestSupport.AssertClose(expected[row * n + col], c[i], 0, tolerance, $"{context} ({row},{col})");
            }
            else
            {
                Assert.True(c[i] == Sentinel, $"{context}: element {i} outside the view changed to {c[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void TileBoundaries(SimdLevel level, Transpose ta, Transpose tb)
    {
        var (mr, nr, _, _, _) = Blocks(level);
        int[] ms = [1, mr - 1, mr, mr + 1, 2 * mr + 1];
        int[] ns = [1, nr - 1, nr, nr + 1, 2 * nr + 3, BlockedWidth(level, nr - 1), BlockedWidth(level, nr), BlockedWidth(level, nr + 1)];
        int[] ks = [1, 2, 7, 16];
        int seed = 0;
        foreach (int m in ms.Where(v => v > 0).Distinct())
            foreach (int n in ns.Where(v => v > 0).Distinct())
                foreach (int k in ks)
                {
                    seed++;
                    Check(level, ta, tb, m, n, k, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                    if (seed % 4 == 0) Check(level, ta, tb, m, n, k, -0.5f, 1f, pad: 2, seed: seed);
                    if (seed % 4 == 1) Check(level, ta, tb, m, n, k, 2f, -0.75f, pad: 1, seed: seed);
                }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void RealBlockBoundaries(SimdLevel level, Transpose ta, Transpose tb)
    {
        // One dimension crosses the level's real KC, MC or NC while the others stay small, so the
        // boundaries are hit cheaply even where the level runs emulated.
        var (mr, nr, kc, mc, nc) = Blocks(level);
        Check(level, ta, tb, mr + 1, BlockedWidth(level, nr + 1), kc - 1, 1f, 0f, pad: 1, nanC: true);
        Check(level, ta, tb, 2, 3, kc, 1f, 0.5f, pad: 0);
        Check(level, ta, tb, mr, BlockedWidth(level, nr), kc + 1, 1.5f, 1f, pad: 2);
        Check(level, ta, tb, 3, BlockedWidth(level, nr - 1), 2 * kc + 3, 1f, 0f, pad: 0, nanC: true);
        Check(level, ta, tb, mc + 1, 3, 5, 1f, 0f, pad: 1, nanC: true);
        Check(level, ta, tb, mc - 1, BlockedWidth(level, nr + 1), 3, 1f, 2f, pad: 0);
        Check(level, ta, tb, 2, nc + 1, 3, 1f, 0f, pad: 3, nanC: true);
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void SmallBlocksCrossEveryLoop(SimdLevel level, Transpose ta, Transpose tb)
    {
        // Shrunken blocks: every loop of the five runs several times, with edges, in one small product.
        var (mr, nr, _, _, _) = Blocks(level);
        using (GemmTuning.OverrideBlocks(kc: 5, mc: 2 * mr, nc: 2 * nr))
        {
            Check(level, ta, tb, 4 * mr + 1, 4 * nr + 3, 11, 1f, 0f, pad: 1, nanC: true);
            Check(level, ta, tb, 4 * mr, 4 * nr, 10, 0.5f, 1f, pad: 0);
            Check(level, ta, tb, 2 * mr - 1, 2 * nr + 1, 4, 1f, -1f, pad: 2);
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void EdgePanels(SimdLevel level, Transpose ta, Transpose tb)
    {
        // Every width of a last B panel narrower than NR: whole vectors (written straight into C by the
        // edge kernel) and one column less (through the scratch tile), with full and partial row tiles,
        // and an odd number of full tiles (kernels that take edge tiles in pairs take one alone). A
        // non-transposed B's whole-vector edge is read where B is stored while one row block holds all
        // the rows, and packed when more do (shrunken blocks: two row blocks, two column blocks with the
        // edge in the second, three k blocks).
        var (mr, nr, _, _, _) = Blocks(level);
        int step = EdgeStep(level), seed = 500;
        for (int width = step; width < nr; width += step)
        {
            foreach (int n in new[] { nr + width, nr + width - 1, width, BlockedWidth(level, nr + width), BlockedWidth(level, nr + width - 1) }.Distinct())
                foreach (int m in new[] { mr, 2 * mr + 1, 3 * mr + 2 })
                {
                    seed++;
                    Check(level, ta, tb, m, n, 13, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                    Check(level, ta, tb, m, n, 13, -1.5f, 0.5f, pad: 1, seed: seed);
                }
            using (GemmTuning.OverrideBlocks(kc: 5, mc: 2 * mr, nc: 2 * nr))
                foreach (int m in new[] { 2 * mr - 1, 3 * mr + 2 })
                {
                    seed++;
                    Check(level, ta, tb, m, 3 * nr + width, 13, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                    Check(level, ta, tb, m, 3 * nr + width, 13, 0.5f, -1f, pad: 2, seed: seed);
                }
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void FewColumnEdgePanels(SimdLevel level, Transpose ta, Transpose tb)
    {
        // A last panel of one to eight columns (the few-column edge kernel's widths, computed down the
        // rows in groups of row tiles): several groups with a partial last one and a partial last row
        // tile, one group, and several k blocks, at beta 0 over NaN and with alpha and beta.
        var (mr, nr, kc, _, _) = Blocks(level);
        int seed = 700;
        for (int cols = 1; cols <= Math.Min(8, nr - 1); cols++)
            foreach (int m in new[] { 19 * mr + 3, 3 * mr })
            {
                seed++;
                int n = BlockedWidth(level, nr + cols);
                Check(level, ta, tb, m, n, 13, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                Check(level, ta, tb, m, n, 13, 1.5f, -0.75f, pad: 1, seed: seed);
                if (cols % 3 == 1) Check(level, ta, tb, m, 2 * nr + cols, kc + 5, -0.5f, 1f, pad: 2, seed: seed);
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void FoldedEdgeColumns(SimdLevel level, Transpose ta, Transpose tb)
    {
        // A last panel of one or two columns computed by the full row tiles of the panel before it, beside
        // a first tile that packs B (more rows than B is read in place for), a last tile of fewer than MR
        // rows and several row blocks; three columns take the few-column edge kernel. Row counts also cross
        // groups of four 8-row panels of a transposed A.
        var (mr, nr, _, _, _) = Blocks(level);
        int seed = 900;
        foreach (int cols in new[] { 1, 2, 3 })
            foreach (int m in new[] { mr, mr + 1, 4 * mr + 3, BInPlaceRows(level) + 4 * mr + 3 })
            {
                seed++;
                int n = BlockedWidth(level, 2 * nr + cols);
                Check(level, ta, tb, m, n, 21, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                Check(level, ta, tb, m, n, 21, 0.5f, -1.25f, pad: 2, seed: seed);
                using (GemmTuning.OverrideBlocks(kc: 7, mc: 2 * mr, nc: 4 * nr))
                    Check(level, ta, tb, m, n, 23, -1f, 1f, pad: 1, seed: seed);
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void BInPlaceBoundary(SimdLevel level, Transpose ta, Transpose tb)
    {
        // Up to BInPlaceRows rows of C, full panels of a non-transposed B are read where B is stored and
        // only a last partial panel is packed; one row more and the first row tile of every panel packs
        // it for the tiles and row blocks below (MicroKernelPackingB). Both sides of the switch,
        // with a partial panel, ld > width, and (with shrunken blocks) several NC and KC blocks.
        var (mr, nr, _, _, _) = Blocks(level);
        int rows = Math.Max(1, BInPlaceRows(level));
        int k = SimdLevels.IsAccelerated(level) ? 37 : 9;
        Check(level, ta, tb, rows, 2 * nr + 3, k, 1f, 0f, pad: 5, nanC: true);
        Check(level, ta, tb, rows + 1, 2 * nr + 3, k, 1f, 0f, pad: 5, nanC: true);
        Check(level, ta, tb, rows, 3 * nr, k, -0.5f, 1f, pad: 1);
        using (GemmTuning.OverrideBlocks(kc: 5, mc: 2 * mr, nc: 2 * nr))
        {
            Check(level, ta, tb, rows, 4 * nr + 1, 11, 1f, 0f, pad: 3, nanC: true);
            Check(level, ta, tb, rows + 1, 4 * nr + 1, 11, 0.5f, 1f, pad: 0);
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void DistantBRows(SimdLevel level, Transpose ta, Transpose tb)
    {
        // Rows of a non-transposed B 512 floats apart or more are packed in one pass over the rows in
        // order rather than in the first row tiles, unless one row block holds all of C's rows; a partial
        // last panel, several NC and KC blocks, the strides on either side of the switch, and row counts
        // on both sides of MC (with the level's blocks and with shrunken ones).
        var (mr, nr, _, mc, _) = Blocks(level);
        int k = SimdLevels.IsAccelerated(level) ? 37 : 9, n = 2 * nr + 3;
        foreach (int rows in new[] { Math.Max(mr, BInPlaceRows(level) + 1), mc, mc + 1 })
            foreach (int ldb in new[] { 511, 512, 515 })
            {
                Check(level, ta, tb, rows, n, k, 1f, 0f, pad: ldb - n, nanC: true);
                Check(level, ta, tb, rows, n, k, -0.5f, 1f, pad: ldb - n);
                using (GemmTuning.OverrideBlocks(kc: 5, mc: 2 * mr, nc: 2 * nr))
                {
                    Check(level, ta, tb, 2 * mr, 4 * nr + 1, 11, 0.5f, 0f, pad: ldb - 4 * nr - 1, nanC: true);
                    Check(level, ta, tb, 2 * mr + 1, 4 * nr + 1, 11, 0.5f, 0f, pad: ldb - 4 * nr - 1, nanC: true);
                }
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void AliasedBRows(SimdLevel level, Transpose ta, Transpose tb)
    {
        // Rows of a non-transposed B a multiple of 4 KiB apart are read in place by one row tile only; from
        // MR + 1 rows they are packed in one pass, whose rows go 4 at a time where the panels are a multiple
        // of 4 KiB apart (kc = 256: kc·NR is a multiple of 1024). A partial last panel, KC blocks with and
        // without that property, and both sides of MR.
        var (mr, nr, _, _, _) = Blocks(level);
        int n = 2 * nr + 3;
        foreach (int ldb in new[] { 1024, 2048 })
            foreach (int rows in new[] { mr, mr + 1, Math.Max(mr + 1, BInPlaceRows(level)) })
            {
                Check(level, ta, tb, rows, n, 37, 1f, 0f, pad: ldb - n, nanC: true);
                Check(level, ta, tb, rows, n, 512, -0.5f, 1f, pad: ldb - n);
                using (GemmTuning.OverrideBlocks(kc: 256, mc: 2 * mr, nc: 2 * nr))
                {
                    Check(level, ta, tb, rows, n, 512, 0.5f, 0f, pad: ldb - n, nanC: true);
                    Check(level, ta, tb, rows, n, 300, 1f, 1f, pad: ldb - n);
                }
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void RandomShapes(SimdLevel level, Transpose ta, Transpose tb)
    {
        var random = new Random(42 + (int)level + 3 * (int)ta + 7 * (int)tb);
        bool emulated = !SimdLevels.IsAccelerated(level);
        int limit = emulated ? 40 : 90;
        for (int trial = 0; trial < 6; trial++)
        {
            int m = random.Next(1, limit), n = random.Next(1, limit), k = random.Next(1, limit);
            float beta = trial % 3 == 0 ? 0f : (float)(random.NextDouble() * 2 - 1);
            Check(level, ta, tb, m, n, k, (float)(random.NextDouble() * 2 - 1), beta, pad: random.Next(0, 4), seed: trial, nanC: beta == 0f);
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AlphaZeroOrKZeroScalesC(SimdLevel level)
    {
        foreach (Transpose ta in new[] { Transpose.None, Transpose.Transposed })
        {
            Check(level, ta, Transpose.None, 5, 7, 0, 1f, 0f, pad: 1, nanC: true);
            Check(level, ta, Transpose.None, 5, 7, 0, 1f, 2.5f, pad: 1);
            Check(level, ta, Transpose.None, 5, 7, 3, 0f, -1f, pad: 2);
            Check(level, ta, Transpose.None, 5, 7, 3, 0f, 0f, pad: 0, nanC: true);
        }
        // alpha = 0 must not read A or B: NaN there must not reach C.
        float[] a = [float.NaN, float.NaN, float.NaN, float.NaN], b = [float.NaN, float.NaN, float.NaN, float.NaN], c = [1, 2, 3, 4];
        using (SimdLevels.Force(level))
            Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 2, 0f, a, 2, b, 2, 2f, c, 2);
        Assert.Equal([2f, 4f, 6f, 8f], c);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void EmptyShapesDoNothing(SimdLevel level)
    {
        float[] c = [Sentinel, Sentinel];
        using (SimdLevels.Force(level))
        {
            Gemm.Multiply(Transpose.None, Transpose.None, 0, 2, 3, 1f, [], 3, new float[6], 2, 0f, [], 2);
            Gemm.Multiply(Transpose.None, Transpose.None, 2, 0, 3, 1f, new float[6], 3, [], 1, 0f, c, 1);
        }
        Assert.Equal([Sentinel, Sentinel], c);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void NaNAndInfinityInInputsPropagate(SimdLevel level)
    {
        float[] a = TestSupport.Uniform(3 * 4, 5), b = TestSupport.Uniform(4 * 5, 6), c = new float[3 * 5];
        a[1 * 4 + 2] = float.NaN;
        b[3 * 5 + 4] = float.PositiveInfinity;
        using (SimdLevels.Force(level))
            Gemm.Multiply(3, 5, 4, a, b, c);
        for (int j = 0; j < 5; j++) Assert.True(float.IsNaN(c[1 * 5 + j]), $"c[1,{j}] = {c[1 * 5 + j]}");
        Assert.True(float.IsInfinity(c[0 * 5 + 4]));
        Assert.True(float.IsFinite(c[0 * 5 + 3]));
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void InfinityBeforeAPartialLastVectorStaysInfinite(SimdLevel level, Transpose ta, Transpose tb)
    {
        // k = 33: the dot path's last step rereads elements 25–31 with those lanes set to zero. An
        // infinity there, in A or in B, must count once and must not meet a zero (0·∞ = NaN).
        int m = 4, n = 10, k = 33;
        float[] a = TestSupport.Uniform(m * k, 7), b = TestSupport.Uniform(k * n, 8), c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = 0.5f + Math.Abs(a[i]);
        for (int i = 0; i < b.Length; i++) b[i] = 0.5f + Math.Abs(b[i]);
        a[ta == Transpose.None ? 1 * k + 26 : 26 * m + 1] = float.PositiveInfinity;
        b[tb == Transpose.None ? 27 * n + 2 : 2 * k + 27] = float.PositiveInfinity;
        using (SimdLevels.Force(level))
            Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta == Transpose.None ? k : m, b, tb == Transpose.None ? n : k, 0f, c, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float value = c[i * n + j];
                if (i == 1 || j == 2) Assert.True(float.PositiveInfinity == value, $"c[{i},{j}] = {value}");
                else Assert.True(float.IsFinite(value), $"c[{i},{j}] = {value}");
            }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void DenseOverloadMatchesGeneral(SimdLevel level)
    {
        int m = 9, n = 19, k = 13;
        float[] a = TestSupport.Uniform(m * k, 1), b = TestSupport.Uniform(k * n, 2);
        float[] dense = new float[m * n], general = new float[m * n];
        general.AsSpan().Fill(float.NaN);
        using (SimdLevels.Force(level))
        {
            Gemm.Multiply(m, n, k, a, b, dense);
            Gemm.Multiply(Transpose.None, Transpose.None, m, n, k, 1f, a, k, b, n, 0f, general, n);
        }
        Assert.Equal(general, dense);
    }

    public static TheoryData<SimdLevel, ActivationFunction> LevelsAndActivations()
    {
        var data = new TheoryData<SimdLevel, ActivationFunction>();
        foreach (SimdLevel level in SimdLevels.All)
            foreach (ActivationFunction activation in Enum.GetValues<ActivationFunction>())
                data.Add(level, activation);
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndActivations))]
    public void BiasActivationEpilogue(SimdLevel level, ActivationFunction activation)
    {
        var (mr, nr, _, _, _) = Blocks(level);
        // n = 10 with few rows, with more rows and a shallow sum, and with more rows and a deep sum: the
        // narrow paths (at 256 and 128 bits the dot path for the first and last when A is not transposed, the
        // column path otherwise) run the epilogue on their own row blocks.
        (int M, int N, int K, bool Small)[] shapes = [(1, 10, 7, false), (mr + 1, nr + 3, 13, false), (2 * mr + 1, 2 * nr + 5, 12, true), (4, 3, 0, false),
            (5, 10, 40, false), (20, 10, 12, false), (33, 10, DotThresholds(level).MinDepth + 4, false)];
        int seed = 10;
        foreach (var (m, n, k, small) in shapes)
        {
            foreach (Transpose ta in new[] { Transpose.None, Transpose.Transposed })
            {
                seed++;
                int pad = seed % 3;
                bool tA = ta == Transpose.Transposed;
                int lda = (tA ? m : k) + pad, ldb = n + pad, ldc = n + pad;
                float[] a = TestSupport.Uniform(Math.Max(1, (tA ? k : m) * lda), seed, -2f, 2f);
                float[] b = TestSupport.Uniform(Math.Max(1, k * ldb), seed + 1);
                float[] bias = TestSupport.Uniform(n, seed + 2);
                float[] c = new float[m * ldc];
                for (int i = 0; i < c.Length; i++) c[i] = i % ldc < n ? float.NaN : Sentinel;
                double[] product = Reference.Gemm(tA, false, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, out double[] magnitude);
                using (SimdLevels.Force(level))
                using (small ? GemmTuning.OverrideBlocks(kc: 5, mc: mr, nc: nr) : default(GemmTuning.Scope?))
                    Gemm.MultiplyBiasActivation(ta, Transpose.None, m, n, k, a, lda, b, ldb, bias, activation, c, ldc);
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < ldc; j++)
                    {
                        float actual = c[i * ldc + j];
                        if (j >= n) { Assert.Equal(Sentinel, actual); continue; }
                        double z = product[i * n + j] + bias[j];
                        double tolerance = (k + 2) * Epsilon * (magnitude[i * n + j] + Math.Abs(bias[j])) + 2e-6;
                        TestSupport.AssertClose(Reference.Activate(activation, z), actual, 1e-5, tolerance,
                            $"{level} {activation} {ta} m={m} n={n} k={k} ({i},{j})");
                    }
                }
            }
        }
    }

    [Fact]
    public void DenseBiasActivationMatchesGeneral()
    {
        int m = 5, n = 10, k = 33;
        float[] x = TestSupport.Uniform(m * k, 1), w = TestSupport.Uniform(k * n, 2), bias = TestSupport.Uniform(n, 3);
        float[] dense = new float[m * n], general = new float[m * n];
        Gemm.MultiplyBiasActivation(m, n, k, x, w, bias, ActivationFunction.Tanh, dense);
        Gemm.MultiplyBiasActivation(Transpose.None, Transpose.None, m, n, k, x, k, w, n, bias, ActivationFunction.Tanh, general, n);
        Assert.Equal(general, dense);
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void AccumulateWeightGradientAddsXTransposeDelta(SimdLevel level)
    {
        int batch = 13, inputs = 21, outputs = 10;
        float[] x = TestSupport.Uniform(batch * inputs, 1), delta = TestSupport.Uniform(batch * outputs, 2);
        float[] dw = TestSupport.Uniform(inputs * outputs, 3);
        double[] expected = Reference.Gemm(true, false, inputs, outputs, batch, 1, x, inputs, delta, outputs, 1, dw, outputs, out double[] magnitude);
        using (SimdLevels.Force(level))
            Gemm.AccumulateWeightGradient(batch, inputs, outputs, x, delta, dw);
        AssertMatrix(expected, magnitude, dw, inputs, outputs, outputs, batch, $"{level} dW");
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        float[] a = TestSupport.Uniform(64 * 96, 1), b = TestSupport.Uniform(96 * 80, 2), c = new float[64 * 80], bias = new float[80];
        TestSupport.AssertNoAllocation(() => Gemm.Multiply(64, 80, 96, a, b, c), "Gemm.Multiply");
        TestSupport.AssertNoAllocation(() => Gemm.MultiplyBiasActivation(64, 80, 96, a, b, bias, ActivationFunction.Relu, c), "Gemm.MultiplyBiasActivation");
        TestSupport.AssertNoAllocation(() => Gemm.Multiply(64, 10, 96, a, b.AsSpan(0, 96 * 10), c.AsSpan(0, 64 * 10)), "narrow Gemm.Multiply");
        // The dot path at 256 bits: few rows, and a deep sum.
        TestSupport.AssertNoAllocation(() => Gemm.Multiply(8, 10, 96, a.AsSpan(0, 8 * 96), b.AsSpan(0, 96 * 10), c.AsSpan(0, 8 * 10)), "narrow Gemm.Multiply, 8 rows");
        TestSupport.AssertNoAllocation(() => Gemm.Multiply(20, 10, 300, a.AsSpan(0, 20 * 300), b.AsSpan(0, 300 * 10), c.AsSpan(0, 20 * 10)), "narrow Gemm.Multiply, k = 300");
        // The wide dot path at 256 bits: B stored transposed, few rows, a deep sum.
        TestSupport.AssertNoAllocation(() => Gemm.Multiply(Transpose.None, Transpose.Transposed, 8, 60, 96, 1f, a, 96, b, 96, 0f, c, 60), "wide dot Gemm.Multiply");
        // The same paths at 128 bits: column, dot and wide dot.
        using (SimdLevels.Force(SimdLevel.Vector128))
        {
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(64, 10, 96, a, b.AsSpan(0, 96 * 10), c.AsSpan(0, 64 * 10)), "128-bit narrow Gemm.Multiply");
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(6, 10, 96, a.AsSpan(0, 6 * 96), b.AsSpan(0, 96 * 10), c.AsSpan(0, 6 * 10)), "128-bit narrow Gemm.Multiply, 6 rows");
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(Transpose.None, Transpose.Transposed, 20, 60, 96, 1f, a, 96, b, 96, 0f, c, 60), "128-bit wide dot Gemm.Multiply");
        }
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        Gemm.MaxDegreeOfParallelism = 2;
        using (GemmTuning.OverrideParallelThreshold(1))
        {
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(64, 80, 96, a, b, c), "threaded Gemm.Multiply");
            // Rows enough for claimed row units at 256 and 512 bits (two units of 8 row tiles per thread).
            float[] tallA = TestSupport.Uniform(256 * 96, 3), tallC = new float[256 * 80];
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(256, 80, 96, tallA, b, tallC), "threaded Gemm.Multiply, claimed row units");
            // Both parts pack a transposed B: one shared packed copy.
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(Transpose.None, Transpose.Transposed, 64, 80, 96, 1f, a, 96, b, 96, 0f, c, 80),
                "threaded Gemm.Multiply, shared packed B");
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(20, 10, 300, a.AsSpan(0, 20 * 300), b.AsSpan(0, 300 * 10), c.AsSpan(0, 20 * 10)), "threaded narrow Gemm.Multiply, k = 300");
            TestSupport.AssertNoAllocation(() => Gemm.Multiply(Transpose.None, Transpose.Transposed, 8, 60, 96, 1f, a, 96, b, 96, 0f, c, 60), "threaded wide dot Gemm.Multiply");
        }
    }

    [Fact]
    public void ShapeErrorsNameTheMatrices()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        var tooShort = Assert.Throws<ArgumentException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 3, 1f, a, 3, new float[5], 2, 0f, c, 2));
        Assert.Equal("b", tooShort.ParamName);
        Assert.Contains("3×2", tooShort.Message);
        var aShort = Assert.Throws<ArgumentException>(() => Gemm.Multiply(Transpose.Transposed, Transpose.None, 2, 2, 4, 1f, a, 2, new float[8], 2, 0f, c, 2));
        Assert.Equal("a", aShort.ParamName);
        Assert.Contains("4×2", aShort.Message);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, 3, 3, 1f, a, 3, new float[9], 3, 0f, c, 3)).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.Transposed, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 1)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.None, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, -2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, -3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("transA", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply((Transpose)5, Transpose.None, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        var dense = Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, a, new float[100], c));
        Assert.Equal("b", dense.ParamName);
        Assert.Contains("100", dense.Message);
        Assert.Contains("3×2", dense.Message);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Gemm.MultiplyBiasActivation(2, 2, 3, a, b, new float[3], ActivationFunction.Relu, c)).ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyBiasActivation(2, 2, 3, a, b, new float[2], (ActivationFunction)9, c)).ParamName);
        Assert.Equal("weightGradient", Assert.Throws<ArgumentException>(() => Gemm.AccumulateWeightGradient(3, 2, 2, a, b, new float[5])).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MaxDegreeOfParallelism = 0).ParamName);
    }

    [Fact]
    public void OverlappingOutputIsRejected()
    {
        float[] buffer = new float[40];
        var partial = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 2, 1f, buffer.AsSpan(0, 4), 2, buffer.AsSpan(20, 4), 2, 0f, buffer.AsSpan(2, 4), 2));
        Assert.Equal("c", partial.ParamName);
        Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 2, 1f, buffer.AsSpan(0, 4), 2, buffer.AsSpan(20, 4), 2, 0f, buffer.AsSpan(20, 4), 2));
        Gemm.Multiply(Transpose.None, Transpose.None, 2, 2, 2, 1f, buffer.AsSpan(0, 4), 2, buffer.AsSpan(4, 4), 2, 0f, buffer.AsSpan(8, 4), 2);
    }

    [Fact]
    public void InPlaceLeadingDimensionPadsOnlyRowsA4KiBMultipleApart()
    {
        Assert.Equal(0, Gemm.InPlaceLeadingDimension(0));
        Assert.Equal(768, Gemm.InPlaceLeadingDimension(768));
        Assert.Equal(1040, Gemm.InPlaceLeadingDimension(1024));
        Assert.Equal(2064, Gemm.InPlaceLeadingDimension(2048));
        Assert.Equal(1025, Gemm.InPlaceLeadingDimension(1025));
        Assert.Equal("cols", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.InPlaceLeadingDimension(-1)).ParamName);
    }
}
