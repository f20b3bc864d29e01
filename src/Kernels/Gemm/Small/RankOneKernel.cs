using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// The one rank-1 kernel, behind <see cref="OuterProduct.Update(float, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
/// (beta = 1) and the GEMM path for k = 1 (<see cref="VectorGemm.RankOne"/>).
/// </summary>
/// <remarks>
/// One row loop per vector width rather than the element-wise Map drivers: each row is scaled by its own
/// s_i and ends in a vector that overlaps the previous one, computed from c loaded before the row's
/// stores, and C is read or not by beta, which a driver of one span in and one out does not express.
/// </remarks>
internal static unsafe class RankOneKernel
{
    /// <summary>
    /// c[i·ldc + j] = s_i·y[j] + beta·c[i·ldc + j] for i &lt; m, j &lt; n, with s_i = alpha·x[i·xStride] rounded
    /// first. The multiply-add is fused at Vector256 and Vector512, MultiplyAddEstimate at Vector128 (fused
    /// where the hardware has FMA), a multiply then an add at Scalar. beta = 0: c = s_i·y[j], and c is not
    /// read (NaN in c does not propagate); beta = 1: c = s_i·y[j] + c with no scaling of c; otherwise beta·c
    /// is rounded before the multiply-add. c must not overlap x or y.
    /// </summary>
    /// <remarks>
    /// Each row is covered by whole vectors of the widest width the level has that fits in n; a width that
    /// is not a multiple of it ends with one more vector that overlaps the previous one, computed from the
    /// c loaded before the row's stores, so the overlapped elements get the bits they got in the loop.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Update(SimdLevel level, int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        if (level == SimdLevel.Vector512 && n >= Vector512<float>.Count) Rows512(m, n, x, xStride, y, alpha, beta, c, ldc);
        else if (level >= SimdLevel.Vector256 && n >= Vector256<float>.Count) Rows256(m, n, x, xStride, y, alpha, beta, c, ldc);
        else if (level >= SimdLevel.Vector128 && n >= Vector128<float>.Count) Rows128(level != SimdLevel.Vector128, m, n, x, xStride, y, alpha, beta, c, ldc);
        else RowsScalar(level, m, n, x, xStride, y, alpha, beta, c, ldc);
    }

    private static void Rows512(int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        const int W = 16;
        Vector512<float> vb = Vector512.Create(beta), lastY = Vector512.Load(y + n - W);
        int last = n - W;
        for (int i = 0; i < m; i++, c += ldc)
        {
            Vector512<float> vs = Vector512.Create(alpha * x[i * xStride]);
            if (beta == 0f)
            {
                for (int j = 0; j < last; j += W) (vs * Vector512.Load(y + j)).Store(c + j);
                (vs * lastY).Store(c + last);
                continue;
            }
            Vector512<float> lastC = Vector512.Load(c + last);
            int k = 0;
            if (beta == 1f)
            {
                for (; k + 2 * W <= n; k += 2 * W)
                {
                    Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + k), Vector512.Load(c + k)).Store(c + k);
                    Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + k + W), Vector512.Load(c + k + W)).Store(c + k + W);
                }
                for (; k + W <= n; k += W)
                    Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + k), Vector512.Load(c + k)).Store(c + k);
                if (k != n) Vector512.FusedMultiplyAdd(vs, lastY, lastC).Store(c + last);
                continue;
            }
            for (; k < last; k += W) Vector512.FusedMultiplyAdd(vs, Vector512.Load(y + k), vb * Vector512.Load(c + k)).Store(c + k);
            Vector512.FusedMultiplyAdd(vs, lastY, vb * lastC).Store(c + last);
        }
    }

    private static void Rows256(int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        const int W = 8;
        Vector256<float> vb = Vector256.Create(beta), lastY = Vector256.Load(y + n - W);
        int last = n - W;
        for (int i = 0; i < m; i++, c += ldc)
        {
            Vector256<float> vs = Vector256.Create(alpha * x[i * xStride]);
            if (beta == 0f)
            {
                for (int j = 0; j < last; j += W) (vs * Vector256.Load(y + j)).Store(c + j);
                (vs * lastY).Store(c + last);
                continue;
            }
            Vector256<float> lastC = Vector256.Load(c + last);
            int k = 0;
            if (beta == 1f)
            {
                for (; k + 2 * W <= n; k += 2 * W)
                {
                    Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + k), Vector256.Load(c + k)).Store(c + k);
                    Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + k + W), Vector256.Load(c + k + W)).Store(c + k + W);
                }
                for (; k + W <= n; k += W)
                    Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + k), Vector256.Load(c + k)).Store(c + k);
                if (k != n) Vector256.FusedMultiplyAdd(vs, lastY, lastC).Store(c + last);
                continue;
            }
            for (; k < last; k += W) Vector256.FusedMultiplyAdd(vs, Vector256.Load(y + k), vb * Vector256.Load(c + k)).Store(c + k);
            Vector256.FusedMultiplyAdd(vs, lastY, vb * lastC).Store(c + last);
        }
    }

    /// <summary>
    /// The 128-bit rows: fused for rows narrower than 8 at the wider levels, MultiplyAddEstimate at the
    /// Vector128 level itself, as in its GEMM kernel: SSE-only CPUs lack FMA, and emulating it per lane is
    /// an order of magnitude slower.
    /// </summary>
    private static void Rows128(bool fused, int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        const int W = 4;
        Vector128<float> vb = Vector128.Create(beta), lastY = Vector128.Load(y + n - W);
        int last = n - W;
        for (int i = 0; i < m; i++, c += ldc)
        {
            Vector128<float> vs = Vector128.Create(alpha * x[i * xStride]);
            if (beta == 0f)
            {
                for (int j = 0; j < last; j += W) (vs * Vector128.Load(y + j)).Store(c + j);
                (vs * lastY).Store(c + last);
                continue;
            }
            Vector128<float> lastC = Vector128.Load(c + last);
            int k = 0;
            if (beta == 1f)
            {
                for (; k + 2 * W <= n; k += 2 * W)
                {
                    MultiplyAdd(fused, vs, Vector128.Load(y + k), Vector128.Load(c + k)).Store(c + k);
                    MultiplyAdd(fused, vs, Vector128.Load(y + k + W), Vector128.Load(c + k + W)).Store(c + k + W);
                }
                for (; k + W <= n; k += W)
                    MultiplyAdd(fused, vs, Vector128.Load(y + k), Vector128.Load(c + k)).Store(c + k);
                if (k != n) MultiplyAdd(fused, vs, lastY, lastC).Store(c + last);
                continue;
            }
            for (; k < last; k += W) MultiplyAdd(fused, vs, Vector128.Load(y + k), vb * Vector128.Load(c + k)).Store(c + k);
            MultiplyAdd(fused, vs, lastY, vb * lastC).Store(c + last);
        }
    }

    /// <summary>Rows narrower than one vector of the level, and the Scalar level: the same operations element by element.</summary>
    private static void RowsScalar(SimdLevel level, int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++, c += ldc)
        {
            float s = alpha * x[i * xStride];
            for (int j = 0; j < n; j++)
            {
                if (beta == 0f) c[j] = s * y[j];
                else c[j] = MultiplyAdd(level, s, y[j], beta == 1f ? c[j] : beta * c[j]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(bool fused, Vector128<float> a, Vector128<float> b, Vector128<float> addend)
        => fused ? Vector128.FusedMultiplyAdd(a, b, addend) : Vector128.MultiplyAddEstimate(a, b, addend);

    /// <summary>a·b + addend rounded as the level's vectors round it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MultiplyAdd(SimdLevel level, float a, float b, float addend) => level switch
    {
        SimdLevel.Scalar => a * b + addend,
        SimdLevel.Vector128 => float.MultiplyAddEstimate(a, b, addend),
        _ => MathF.FusedMultiplyAdd(a, b, addend),
    };
}
