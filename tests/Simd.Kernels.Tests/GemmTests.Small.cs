using System.Runtime.Intrinsics;

namespace Simd.Kernels.Tests;

/// <summary>GEMM on the small-shape paths: narrow, dot and column products, rank 1, and matrix–vector products.</summary>
public partial class GemmTests
{
    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void NarrowProducts(SimdLevel level, Transpose ta, Transpose tb)
    {
        // n ≤ 16 takes the narrow paths. At 256 (128) bits, k of at least one vector, 8 (4), takes the dot
        // path when m < 16 (8) or A is not transposed and k ≥ DotMinDepth (row pairs, a pair recomputed at
        // an odd end, 16-row merges, k % 8 (k % 4) in one masked step), otherwise the column path (16-row
        // (8-row) blocks merged into C in 8×8 blocks plus the rows and columns left over); both in one to
        // three column groups of at most 6 (every n from 1 to 16). At 512 bits 8 rows per kernel call. m
        // below, at and past the blocks; k = 1 is the rank-1 path.
        int seed = 100;
        int minDepth = DotThresholds(level).MinDepth;
        foreach (int m in new[] { 2, 5, 7, 8, 9, 13, 15, 16, 17, 24, 31, 33, 40 })
            for (int n = 1; n <= 16; n++)
                foreach (int k in new[] { 2, 3, 4, 6, 8, 32, 33, 47 })
                {
                    seed++;
                    Check(level, ta, tb, m, n, k, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                    if (seed % 5 == 0) Check(level, ta, tb, m, n, k, 0.5f, -1f, pad: 1, seed: seed);
                }
        foreach (int m in new[] { 16, 17, 33, 40 })
            for (int n = 1; n <= 16; n++)
            {
                seed++;
                Check(level, ta, tb, m, n, minDepth + 3, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                if (seed % 4 == 0) Check(level, ta, tb, m, n, minDepth, 0.5f, -1f, pad: 1, seed: seed);
                if (seed % 4 == 1) Check(level, ta, tb, m, n, minDepth - 1, 1f, 0f, pad: 2, seed: seed, nanC: true);
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void RankOneProductsAreTheStatedOperations(SimdLevel level, Transpose ta, Transpose tb)
    {
        // k = 1: every width from 1 to 40 (below, at and between multiples of 4, 8 and 16, so that rows end
        // in an overlapping vector at every level), strided operands, beta = 0 on a NaN C, beta = 1 and other
        // betas. Each element must be exactly the rank-1 kernel's operations: s = alpha·x rounded, then
        // s·y (beta = 0), or s·y + beta·c as the level's multiply-add rounds it (RankOneKernel.Update).
        int seed = 300;
        foreach (int m in new[] { 2, 3, 17 })
            for (int n = 2; n <= 40; n++)
                foreach ((float alpha, float beta) in new[] { (1f, 0f), (-0.75f, 0f), (1.5f, -0.5f), (1f, 1f), (0.3f, 1f) })
                {
                    seed++;
                    int pad = seed % 3;
                    bool tA = ta == Transpose.Transposed, tB = tb == Transpose.Transposed;
                    int lda = (tA ? m : 1) + pad, ldb = (tB ? 1 : n) + pad, ldc = n + pad;
                    float[] a = TestSupport.Uniform(tA ? lda : m * lda, seed), b = TestSupport.Uniform(tB ? n * ldb : ldb, seed + 1);
                    float[] c = TestSupport.Uniform(m * ldc, seed + 2);
                    if (beta == 0f) Array.Fill(c, float.NaN);
                    float[] before = (float[])c.Clone();
                    using (SimdLevels.Force(level))
                        Gemm.Multiply(ta, tb, m, n, 1, alpha, a, lda, b, ldb, beta, c, ldc);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < ldc; j++)
                        {
                            float expected = before[i * ldc + j];
                            if (j < n)
                            {
                                float s = alpha * a[tA ? i : i * lda], y = b[tB ? j * ldb : j];
                                expected = beta == 0f ? s * y : RankOneMultiplyAdd(level, s, y, beta == 1f ? expected : beta * expected);
                            }
                            float actual = c[i * ldc + j];
                            Assert.True(BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(expected),
                                $"{level} {ta}/{tb} m={m} n={n} alpha={alpha} beta={beta} ({i},{j}): {actual:R}, the stated operations give {expected:R}");
                        }
                }
    }

    /// <summary>s·y + addend as the rank-1 kernel rounds it at a level: separately at Scalar, MultiplyAddEstimate at Vector128, fused above.</summary>
    private static float RankOneMultiplyAdd(SimdLevel level, float s, float y, float addend) => level switch
    {
        SimdLevel.Scalar => s * y + addend,
        SimdLevel.Vector128 => Vector128.MultiplyAddEstimate(Vector128.Create(s), Vector128.Create(y), Vector128.Create(addend)).ToScalar(),
        _ => MathF.FusedMultiplyAdd(s, y, addend),
    };

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void VectorProducts(SimdLevel level, Transpose ta, Transpose tb)
    {
        // One row of C (m = 1) or one column (n = 1) takes the matrix–vector path: every vector-width
        // boundary of the other dimension and of k, strided vectors (ld > width), both betas.
        int seed = 900;
        foreach (int k in new[] { 1, 3, 8, 10, 15, 16, 17, 33, 100 })
            foreach (int length in new[] { 1, 3, 4, 5, 7, 8, 9, 10, 12, 15, 16, 17, 31, 33, 63, 64, 65, 100 })
            {
                seed++;
                Check(level, ta, tb, 1, length, k, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                Check(level, ta, tb, length, 1, k, 1f, 0f, pad: seed % 3 + 1, seed: seed, nanC: true);
                if (seed % 3 == 0)
                {
                    Check(level, ta, tb, 1, length, k, -0.5f, 2f, pad: 1, seed: seed);
                    Check(level, ta, tb, length, 1, k, 1.5f, -1f, pad: 2, seed: seed);
                }
            }
    }

    /// <summary>
    /// Large matrix–vector and rank-1 products split their outputs between threads: 64-column groups
    /// along a row of C, 4-row groups of dot products, rows of a rank-1 update. Every split, including a
    /// last part with a tail narrower than a vector, must give the serial bits, epilogue included.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void VectorProductsThreadCountDoesNotChangeBits(SimdLevel level)
    {
        const int k = 37, length = 5 * 64 + 13;
        var shapes = new (Transpose A, Transpose B, int M, int N, int K)[]
        {
            (Transpose.None, Transpose.None, 1, length, k),         // x·W: rows of W along C's row
            (Transpose.None, Transpose.Transposed, 1, length, k),   // x·Wᵀ: dot products
            (Transpose.None, Transpose.Transposed, 1, length, 10),  // x·Wᵀ of a 10-class layer: short rows
            (Transpose.Transposed, Transpose.None, length, 1, k),   // Aᵀ·x: rows of A along C's column
            (Transpose.None, Transpose.None, length, 1, k),         // A·x: dot products
            (Transpose.None, Transpose.None, length, 77, 1),        // rank 1
        };
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (var (ta, tb, m, n, kk) in shapes)
        {
            int lda = ta == Transpose.None ? kk : m, ldb = tb == Transpose.None ? n : kk;
            float[] a = TestSupport.Uniform(m * kk, m + n), b = TestSupport.Uniform(kk * n, m * n), bias = TestSupport.Uniform(n, 3);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                float[] c = new float[m * n];
                Gemm.MaxDegreeOfParallelism = threads;
                using (SimdLevels.Force(level))
                using (GemmTuning.OverrideParallelThreshold(1))
                    Gemm.MultiplyBiasActivation(ta, tb, m, n, kk, a, lda, b, ldb, bias, ActivationFunction.Tanh, c, n);
                if (first is null) first = c;
                else Assert.True(first.AsSpan().SequenceEqual(c), $"{level} {ta}{tb} {m}×{n}×{kk}: {threads} threads changed the result bits");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void MatrixVectorRowDoesNotDependOnItsNeighbours(SimdLevel level)
    {
        // x·Wᵀ with one row of C: each output is a dot product of x with a row of W. Rows 3 and 7
        // computed among nine rows (groups of four, or of eight for short rows) and computed alone must
        // be the same bits, for k with remainders.
        foreach (int k in new[] { 9, 10, 15, 21, 37, 45 })
            for (int seed = 0; seed < 20; seed++)
            {
                float[] x = TestSupport.Uniform(k, 100 * k + seed), w = TestSupport.Uniform(9 * k, 100 * k + seed + 50);
                float[] nine = new float[9], alone = new float[1];
                foreach (int row in new[] { 3, 7 })
                {
                    using (SimdLevels.Force(level))
                    {
                        Gemm.Multiply(Transpose.None, Transpose.Transposed, 1, 9, k, 1f, x, k, w, k, 0f, nine, 9);
                        Gemm.Multiply(Transpose.None, Transpose.Transposed, 1, 1, k, 1f, x, k, w.AsSpan(row * k), k, 0f, alone, 1);
                    }
                    Assert.True(BitConverter.SingleToInt32Bits(nine[row]) == BitConverter.SingleToInt32Bits(alone[0]),
                        $"{level} k={k} seed={seed} row {row}: {nine[row]:R} among nine, {alone[0]:R} alone");
                }
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void WideDotBoundary(SimdLevel level, Transpose ta, Transpose tb)
    {
        // At 256 and 128 bits, B stored transposed with at most WideDotMaxRows rows and k ≥
        // WideDotDepthPerRow·m takes the wide dot path (B read in place, column groups of 5 or 6, a
        // recomputed row pair at an odd end, k % 8 or k % 4 in one masked step); one row more or one step
        // shallower takes the blocked path.
        int seed = 700;
        var (_, maxRows, depthPerRow) = DotThresholds(level);
        foreach (int m in new[] { 2, 3, 7, maxRows, maxRows + 1 })
            foreach (int n in new[] { 17, 29, 52 })
                foreach (int k in new[] { depthPerRow * m - 1, depthPerRow * m, depthPerRow * m + 13 })
                {
                    seed++;
                    Check(level, ta, tb, m, n, k, 1f, 0f, pad: seed % 3, seed: seed, nanC: true);
                    if (seed % 3 == 0) Check(level, ta, tb, m, n, k, -0.5f, 1.5f, pad: 2, seed: seed);
                }
    }
}
