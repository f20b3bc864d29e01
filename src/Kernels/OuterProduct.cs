namespace Simd.Kernels;

/// <summary>The rank-1 update A += alpha·x·yᵀ (BLAS sger) for row-major A.</summary>
public static unsafe class OuterProduct
{
    /// <summary>
    /// A += alpha·x·yᵀ: a[i·lda + j] += (alpha·x[i])·y[j] for i &lt; m = x.Length, j &lt; n = y.Length,
    /// with alpha·x[i] rounded first, then one fused multiply-add per element at Vector256 and Vector512,
    /// MultiplyAddEstimate at Vector128 (fused where the hardware has FMA) and a multiply then an add at
    /// Scalar: the rounding of GEMM with k = 1 and beta = 1, which uses the same kernel. A is m×n with leading
    /// dimension lda; elements outside the m×n view are not touched. NaN and infinity propagate.
    /// A must not overlap x or y.
    /// </summary>
    /// <param name="alpha">Scale of the outer product.</param>
    /// <param name="x">The column vector, m elements.</param>
    /// <param name="y">The row vector, n elements.</param>
    /// <param name="a">A, updated in place.</param>
    /// <param name="lda">Leading dimension of A: at least n (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">lda is smaller than n.</exception>
    /// <exception cref="ArgumentException">a is too short for m×n with lda, or overlaps x or y.</exception>
    public static void Update(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> a, int lda)
    {
        int m = x.Length, n = y.Length;
        Guard.Matrix(a.Length, m, n, lda, nameof(a), nameof(lda), "x.Length×y.Length");
        if (m == 0 || n == 0) return;
        Span<float> used = a[..(int)Guard.Required(m, n, lda)];
        Guard.Disjoint(x, used, nameof(x), nameof(a));
        Guard.Disjoint(y, used, nameof(y), nameof(a));
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pa = a)
            RankOneKernel.Update(SimdLevels.Current, m, n, px, 1, py, alpha, 1f, pa, lda);
    }

    /// <summary>Dense form: A (x.Length × y.Length, lda = y.Length) += alpha·x·yᵀ.</summary>
    /// <exception cref="ArgumentException">a does not have exactly x.Length·y.Length elements, or overlaps x or y.</exception>
    public static void Update(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> a)
    {
        Guard.DenseMatrix(a.Length, x.Length, y.Length, nameof(a), "x.Length×y.Length");
        Update(alpha, x, y, a, Math.Max(1, y.Length));
    }
}
