using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// Matrix–vector products for the GEMMs with one row or one column of C (batch 1: a layer's forward
/// x·W, its input gradient δ·Wᵀ). Packing an MR-row panel for a single row would pad it with MR − 1
/// zero rows and multiply them too; these loops read the matrix once, in place, in its storage order.
/// </summary>
/// <remarks>
/// Two forms, by which way the matrix M is stored relative to the output y:
/// <see cref="AxpyRows"/> when M's rows run along y (y = Σ_p x[p]·M[p, ·], vectors over y) and
/// <see cref="DotRows"/> when they run along the sum (y[j] = M[j, ·]·x, vectors over the sum, then a
/// horizontal sum). Each element's summation order depends only on k and the level, so results are
/// deterministic; they may differ from the blocked path's in the last bits.
/// </remarks>
internal static unsafe class Gemv
{
    /// <summary>y[j] = Σ_{p&lt;k} x[p]·m[p·ld + j] for j &lt; n, summed in order p = 0, 1, …, k − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AxpyRows(SimdLevel level, int k, int n, float* x, float* m, nint ld, float* y)
    {
        int j = 0;
        if (level == SimdLevel.Vector512 && n >= 16)
        {
            for (; j + 64 <= n; j += 64) Axpy512x4(k, x, m + j, ld, y + j);
            for (; j + 16 <= n; j += 16) Axpy512(k, x, m + j, ld, y + j);
            // The last columns as one vector that overlaps the previous: each column's value does not
            // depend on the vector it is computed in, so the overlap rewrites identical values.
            if (j < n) Axpy512(k, x, m + n - 16, ld, y + n - 16);
            return;
        }
        if (level >= SimdLevel.Vector256 && n >= 8)
        {
            for (; j + 32 <= n; j += 32) Axpy256x4(k, x, m + j, ld, y + j);
            for (; j + 8 <= n; j += 8) Axpy256(k, x, m + j, ld, y + j);
            if (j < n) Axpy256(k, x, m + n - 8, ld, y + n - 8);
            return;
        }
        if (level >= SimdLevel.Vector128 && n >= 4)
        {
            for (; j + 4 <= n; j += 4) Axpy128(k, x, m + j, ld, y + j);
            if (j < n) Axpy128(k, x, m + n - 4, ld, y + n - 4);
            return;
        }
        for (; j < n; j++)
        {
            float sum = 0f;
            for (int p = 0; p < k; p++) sum += x[p] * m[p * ld + j];
            y[j] = sum;
        }
    }

    /// <summary>
    /// y[j] = Σ_{p&lt;k} x[p]·m[j·ld + p] for j &lt; n: vector partial sums over p (lane l sums p ≡ l
    /// modulo the width, in order), a fixed-order horizontal sum, then the k mod width remainder in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows(SimdLevel level, int k, int n, float* x, float* m, nint ld, float* y)
    {
        // A sum shorter than one vector would run entirely in the scalar remainder: use the widest
        // vectors that fit (δ·Wᵀ for a 10-class output layer has k = 10).
        if (level == SimdLevel.Vector512 && k < 16) level = SimdLevel.Vector256;
        if (level == SimdLevel.Vector256 && k < 8) level = SimdLevel.Vector128;
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            float* row = m + j * ld;
            int p = level switch
            {
                SimdLevel.Vector512 => Dot512x4(k, x, row, ld, y + j),
                SimdLevel.Vector256 => Dot256x4(k, x, row, ld, y + j),
                SimdLevel.Vector128 => Dot128x4(k, x, row, ld, y + j),
                _ => Zero4(y + j),
            };
            // The remainder is added term by term, as for a single row below, so a row's value does
            // not depend on whether it was computed in a group of four.
            for (int r = 0; r < 4; r++)
            {
                float sum = y[j + r];
                for (int q = p; q < k; q++) sum += x[q] * row[r * ld + q];
                y[j + r] = sum;
            }
        }
        for (; j < n; j++)
        {
            float* row = m + j * ld;
            float sum = 0f;
            int p = 0;
            if (level == SimdLevel.Vector512)
            {
                var acc = Vector512<float>.Zero;
                for (; p + 16 <= k; p += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(row + p), acc);
                sum = Vector512.Sum(acc);
            }
            else if (level == SimdLevel.Vector256)
            {
                var acc = Vector256<float>.Zero;
                for (; p + 8 <= k; p += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + p), Vector256.Load(row + p), acc);
                sum = Vector256.Sum(acc);
            }
            else if (level == SimdLevel.Vector128)
            {
                var acc = Vector128<float>.Zero;
                for (; p + 4 <= k; p += 4) acc = Vector128.MultiplyAddEstimate(Vector128.Load(x + p), Vector128.Load(row + p), acc);
                sum = Vector128.Sum(acc);
            }
            for (; p < k; p++) sum += x[p] * row[p];
            y[j] = sum;
        }
    }

    /// <summary>
    /// The k = 1 product: c[i·ldc + j] = alpha·(x[i·xStride]·y[j]) + beta·c[i·ldc + j] for i &lt; m,
    /// j &lt; n; c is not read when beta is 0. The product is rounded, then scaled, then added, in that
    /// order at every level.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RankOne(SimdLevel level, int m, int n, float* x, nint xStride, float* y, float alpha, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++, c += ldc)
        {
            float xi = x[i * xStride];
            int j = 0;
            if (level == SimdLevel.Vector512)
            {
                Vector512<float> vx = Vector512.Create(xi), va = Vector512.Create(alpha), vb = Vector512.Create(beta);
                for (; j + 16 <= n; j += 16)
                {
                    Vector512<float> product = vx * Vector512.Load(y + j) * va;
                    (beta == 0f ? product : product + vb * Vector512.Load(c + j)).Store(c + j);
                }
            }
            if (level >= SimdLevel.Vector256)
            {
                Vector256<float> vx = Vector256.Create(xi), va = Vector256.Create(alpha), vb = Vector256.Create(beta);
                for (; j + 8 <= n; j += 8)
                {
                    Vector256<float> product = vx * Vector256.Load(y + j) * va;
                    (beta == 0f ? product : product + vb * Vector256.Load(c + j)).Store(c + j);
                }
            }
            if (level >= SimdLevel.Vector128)
            {
                Vector128<float> vx = Vector128.Create(xi), va = Vector128.Create(alpha), vb = Vector128.Create(beta);
                for (; j + 4 <= n; j += 4)
                {
                    Vector128<float> product = vx * Vector128.Load(y + j) * va;
                    (beta == 0f ? product : product + vb * Vector128.Load(c + j)).Store(c + j);
                }
            }
            for (; j < n; j++)
            {
                float product = xi * y[j] * alpha;
                c[j] = beta == 0f ? product : product + beta * c[j];
            }
        }
    }

    private static int Zero4(float* y)
    {
        y[0] = y[1] = y[2] = y[3] = 0f;
        return 0;
    }

    private static void Axpy512x4(int k, float* x, float* m, nint ld, float* y)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < k; p++, m += ld)
        {
            var a = Vector512.Create(x[p]);
            c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(m), c0);
            c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(m + 16), c1);
            c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(m + 32), c2);
            c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(m + 48), c3);
        }
        c0.Store(y);
        c1.Store(y + 16);
        c2.Store(y + 32);
        c3.Store(y + 48);
    }

    private static void Axpy512(int k, float* x, float* m, nint ld, float* y)
    {
        Vector512<float> c = default;
        for (int p = 0; p < k; p++, m += ld) c = Vector512.FusedMultiplyAdd(Vector512.Create(x[p]), Vector512.Load(m), c);
        c.Store(y);
    }

    private static void Axpy256x4(int k, float* x, float* m, nint ld, float* y)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < k; p++, m += ld)
        {
            var a = Vector256.Create(x[p]);
            c0 = Vector256.FusedMultiplyAdd(a, Vector256.Load(m), c0);
            c1 = Vector256.FusedMultiplyAdd(a, Vector256.Load(m + 8), c1);
            c2 = Vector256.FusedMultiplyAdd(a, Vector256.Load(m + 16), c2);
            c3 = Vector256.FusedMultiplyAdd(a, Vector256.Load(m + 24), c3);
        }
        c0.Store(y);
        c1.Store(y + 8);
        c2.Store(y + 16);
        c3.Store(y + 24);
    }

    private static void Axpy256(int k, float* x, float* m, nint ld, float* y)
    {
        Vector256<float> c = default;
        for (int p = 0; p < k; p++, m += ld) c = Vector256.FusedMultiplyAdd(Vector256.Create(x[p]), Vector256.Load(m), c);
        c.Store(y);
    }

    private static void Axpy128(int k, float* x, float* m, nint ld, float* y)
    {
        Vector128<float> c = default;
        for (int p = 0; p < k; p++, m += ld) c = Vector128.MultiplyAddEstimate(Vector128.Create(x[p]), Vector128.Load(m), c);
        c.Store(y);
    }

    /// <summary>Four rows' vector partial sums; writes their horizontal sums to y[0..4) and returns the first p not summed.</summary>
    private static int Dot512x4(int k, float* x, float* row, nint ld, float* y)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int p = 0;
        for (; p + 16 <= k; p += 16)
        {
            var v = Vector512.Load(x + p);
            c0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(row + p), c0);
            c1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(row + ld + p), c1);
            c2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(row + 2 * ld + p), c2);
            c3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(row + 3 * ld + p), c3);
        }
        y[0] = Vector512.Sum(c0);
        y[1] = Vector512.Sum(c1);
        y[2] = Vector512.Sum(c2);
        y[3] = Vector512.Sum(c3);
        return p;
    }

    private static int Dot256x4(int k, float* x, float* row, nint ld, float* y)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var v = Vector256.Load(x + p);
            c0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + p), c0);
            c1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + ld + p), c1);
            c2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 2 * ld + p), c2);
            c3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 3 * ld + p), c3);
        }
        y[0] = Vector256.Sum(c0);
        y[1] = Vector256.Sum(c1);
        y[2] = Vector256.Sum(c2);
        y[3] = Vector256.Sum(c3);
        return p;
    }

    private static int Dot128x4(int k, float* x, float* row, nint ld, float* y)
    {
        Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            var v = Vector128.Load(x + p);
            c0 = Vector128.MultiplyAddEstimate(v, Vector128.Load(row + p), c0);
            c1 = Vector128.MultiplyAddEstimate(v, Vector128.Load(row + ld + p), c1);
            c2 = Vector128.MultiplyAddEstimate(v, Vector128.Load(row + 2 * ld + p), c2);
            c3 = Vector128.MultiplyAddEstimate(v, Vector128.Load(row + 3 * ld + p), c3);
        }
        y[0] = Vector128.Sum(c0);
        y[1] = Vector128.Sum(c1);
        y[2] = Vector128.Sum(c2);
        y[3] = Vector128.Sum(c3);
        return p;
    }
}
