using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>The rank-1 update A += alpha·x·yᵀ (BLAS sger) for row-major A.</summary>
public static unsafe class OuterProduct
{
    /// <summary>
    /// A += alpha·x·yᵀ: a[i·lda + j] += (alpha·x[i])·y[j] for i &lt; m = x.Length, j &lt; n = y.Length,
    /// computed as one fused multiply-add per element at the vector levels. A is m×n with leading
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
        SimdLevel level = SimdLevels.Current;
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pa = a)
        {
            for (int i = 0; i < m; i++)
            {
                float s = alpha * px[i];
                float* row = pa + (nint)i * lda;
                switch (level)
                {
                    case SimdLevel.Vector512 when n >= Vector512<float>.Count: Axpy512(s, py, row, n); break;
                    case SimdLevel.Vector512 or SimdLevel.Vector256 when n >= Vector256<float>.Count: Axpy256(s, py, row, n); break;
                    case not SimdLevel.Scalar when n >= Vector128<float>.Count: Axpy128(s, py, row, n); break;
                    default: AxpyScalar(s, py, row, n); break;
                }
            }
        }
    }

    /// <summary>Dense form: A (x.Length × y.Length, lda = y.Length) += alpha·x·yᵀ.</summary>
    /// <exception cref="ArgumentException">a does not have exactly x.Length·y.Length elements, or overlaps x or y.</exception>
    public static void Update(float alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> a)
    {
        Guard.DenseMatrix(a.Length, x.Length, y.Length, nameof(a), "x.Length×y.Length");
        Update(alpha, x, y, a, Math.Max(1, y.Length));
    }

    // Each remainder is one last vector overlapping the previous ones, computed from A's values loaded
    // before the loop so the overlapped elements get the same value they got in the loop.
    private static void Axpy512(float s, float* y, float* row, int n)
    {
        const int W = 16;
        var vs = Vector512.Create(s);
        Vector512<float> lastY = Vector512.Load(y + n - W), lastA = Vector512.Load(row + n - W);
        int j = 0;
        for (; j + 2 * W <= n; j += 2 * W)
        {
            Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + j), Vector512.Load(row + j)).Store(row + j);
            Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + j + W), Vector512.Load(row + j + W)).Store(row + j + W);
        }
        for (; j + W <= n; j += W)
            Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + j), Vector512.Load(row + j)).Store(row + j);
        if (j != n)
            Vector512.FusedMultiplyAdd(vs, lastY, lastA).Store(row + n - W);
    }

    private static void Axpy256(float s, float* y, float* row, int n)
    {
        const int W = 8;
        var vs = Vector256.Create(s);
        Vector256<float> lastY = Vector256.Load(y + n - W), lastA = Vector256.Load(row + n - W);
        int j = 0;
        for (; j + 2 * W <= n; j += 2 * W)
        {
            Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + j), Vector256.Load(row + j)).Store(row + j);
            Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + j + W), Vector256.Load(row + j + W)).Store(row + j + W);
        }
        for (; j + W <= n; j += W)
            Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + j), Vector256.Load(row + j)).Store(row + j);
        if (j != n)
            Vector256.FusedMultiplyAdd(vs, lastY, lastA).Store(row + n - W);
    }

    // MultiplyAddEstimate for the same reason as the 128-bit GEMM kernel: SSE-only CPUs lack FMA.
    private static void Axpy128(float s, float* y, float* row, int n)
    {
        const int W = 4;
        var vs = Vector128.Create(s);
        Vector128<float> lastY = Vector128.Load(y + n - W), lastA = Vector128.Load(row + n - W);
        int j = 0;
        for (; j + 2 * W <= n; j += 2 * W)
        {
            Vector128.MultiplyAddEstimate(vs, Vector128.Load(y + j), Vector128.Load(row + j)).Store(row + j);
            Vector128.MultiplyAddEstimate(vs, Vector128.Load(y + j + W), Vector128.Load(row + j + W)).Store(row + j + W);
        }
        for (; j + W <= n; j += W)
            Vector128.MultiplyAddEstimate(vs, Vector128.Load(y + j), Vector128.Load(row + j)).Store(row + j);
        if (j != n)
            Vector128.MultiplyAddEstimate(vs, lastY, lastA).Store(row + n - W);
    }

    private static void AxpyScalar(float s, float* y, float* row, int n)
    {
        for (int j = 0; j < n; j++) row[j] += s * y[j];
    }
}
