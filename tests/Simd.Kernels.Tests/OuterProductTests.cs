namespace Simd.Kernels.Tests;

public class OuterProductTests
{
    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void UpdateAddsScaledOuterProduct(SimdLevel level)
    {
        int seed = 0;
        foreach (int m in new[] { 1, 3, 17 })
        {
            foreach (int n in new[] { 1, 3, 4, 5, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100 })
            {
                seed++;
                int lda = n + seed % 3;
                float[] x = TestSupport.Uniform(m, seed), y = TestSupport.Uniform(n, seed + 1);
                float[] a = TestSupport.Uniform(m * lda, seed + 2);
                for (int i = 0; i < a.Length; i++) if (i % lda >= n) a[i] = -7f;
                float alpha = seed % 2 == 0 ? 1f : -0.37f;
                double[] expected = Reference.OuterProduct(m, n, alpha, x, y, a, lda);
                using (SimdLevels.Force(level))
                    OuterProduct.Update(alpha, x, y, a, lda);
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < lda; j++)
                    {
                        if (j >= n) { Assert.Equal(-7f, a[i * lda + j]); continue; }
                        TestSupport.AssertClose(expected[i * n + j], a[i * lda + j], 2e-7, 1e-7, $"{level} m={m} n={n} ({i},{j})");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.Levels), MemberType = typeof(TestSupport))]
    public void UpdateIsGemmWithDepthOneAndBetaOne(SimdLevel level)
    {
        // One rank-1 kernel: A += alpha·x·yᵀ gives the bits of C = alpha·x·yᵀ + 1·C at every level and width
        // (from 2: one row or column of C is a matrix–vector product in GEMM).
        int seed = 700;
        foreach (int m in new[] { 2, 5 })
            for (int n = 2; n <= 40; n++)
            {
                seed++;
                int lda = n + seed % 3;
                float[] x = TestSupport.Uniform(m, seed), y = TestSupport.Uniform(n, seed + 1);
                float[] a = TestSupport.Uniform(m * lda, seed + 2), c = (float[])a.Clone();
                float alpha = seed % 2 == 0 ? 1f : -0.37f;
                using (SimdLevels.Force(level))
                {
                    OuterProduct.Update(alpha, x, y, a, lda);
                    Gemm.Multiply(Transpose.None, Transpose.None, m, n, 1, alpha, x, 1, y, n, 1f, c, lda);
                }
                for (int i = 0; i < a.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(c[i]),
                        $"{level} m={m} n={n} element {i}: OuterProduct {a[i]:R}, GEMM {c[i]:R}");
            }
    }

    [Fact]
    public void DenseOverloadAndErrors()
    {
        float[] x = [1, 2], y = [3, 4, 5], a = new float[6];
        OuterProduct.Update(2f, x, y, a);
        Assert.Equal([6f, 8f, 10f, 12f, 16f, 20f], a);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => OuterProduct.Update(1f, x, y, new float[5])).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => OuterProduct.Update(1f, x, y, a, 2)).ParamName);
        float[] shared = new float[10];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => OuterProduct.Update(1f, shared.AsSpan(0, 2), y, shared.AsSpan(1, 6), 3)).ParamName);
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        float[] x = TestSupport.Uniform(32, 1), y = TestSupport.Uniform(70, 2), a = new float[32 * 70];
        TestSupport.AssertNoAllocation(() => OuterProduct.Update(0.5f, x, y, a), "OuterProduct.Update");
    }
}
