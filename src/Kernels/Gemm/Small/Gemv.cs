using System.Diagnostics;
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
/// horizontal sum; rows shorter than 16 at 256 bits: vectors across eight rows loaded transposed).
/// Each element's summation order depends only on k, the level and, for the first form, whether the
/// whole y is 8–16 wide, so results are deterministic; they may differ from the blocked path's in the
/// last bits. The loops are written once per vector width rather than through the element-wise Map
/// drivers: they walk a matrix (eight rows per sweep, four rows per dot group), which those drivers,
/// one span in and one out, do not express.
/// </remarks>
internal static unsafe class Gemv
{
    /// <summary>
    /// y[j] = Σ_{p&lt;k} x[p]·m[p·ld + j] for j &lt; n, one multiply–add per p in order p = 0, 1, …, k − 1
    /// (fused at every level but Scalar, and at Vector128 where the hardware has FMA); for 8 ≤ n ≤ 16 at
    /// 256 bits and wider, four such sums instead, see <see cref="AxpyNarrow"/>. n is the whole
    /// product's width: threads split y only in 64-column pieces (<see cref="VectorGemm.VectorPart"/>), so no part of a
    /// wider product is 16 columns or fewer.
    /// </summary>
    /// <remarks>
    /// Rows of m are added into y eight at a time: each sweep reads eight rows in storage order
    /// while y stays in L1, and each y element gets its eight multiply–adds in a register between
    /// one load and one store; running a column group down all k rows instead jumps ld floats per
    /// load. Storing a partial sum in y and loading it again is exact, so the order of the sweeps
    /// does not change the bits. Measurements: perf-results/tuning/gemm-small.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AxpyRows(SimdLevel level, int k, int n, float* x, float* m, nint ld, float* y)
    {
        if (level == SimdLevel.Scalar)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += x[p] * m[p * ld + j];
                y[j] = sum;
            }
            return;
        }
        if (level >= SimdLevel.Vector256 && n is >= 8 and <= NarrowAxpyColumns)
        {
            AxpyNarrow(k, n, x, m, ld, y);
            return;
        }
        int row = 0;
        for (; row + 8 <= k; row += 8) SweepEight(level, x + row, m + row * ld, ld, y, n, row == 0);
        for (; row < k; row++) SweepOne(level, x[row], m + row * ld, y, n, row == 0);
    }

    /// <summary>Widest y that <see cref="AxpyNarrow"/> computes: two 256-bit vectors.</summary>
    private const int NarrowAxpyColumns = 16;

    /// <summary>
    /// y[j] = (s₀ + s₁) + (s₂ + s₃) for 8 ≤ n ≤ 16, where s_i = Σ x[p]·m[p·ld + j] over p ≡ i (mod 4), in
    /// order, one fused multiply–add per p. y is two 256-bit vectors, columns 0–7 and n − 8 … n − 1 (they
    /// overlap when n &lt; 16; a column in both gets the same operations in both, so the same bits).
    /// </summary>
    /// <remarks>
    /// The sweeps of <see cref="AxpyRows"/> give each column one chain of k dependent
    /// multiply–adds, so a narrow output waits on that chain's latency; four chains per column keep
    /// both FMA pipes busy. Measurements: perf-results/tuning/gemm-small.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyNarrow(int k, int n, float* x, float* m, nint ld, float* y)
    {
        Debug.Assert(n is >= 8 and <= NarrowAxpyColumns);
        int last = n - 8;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int p = 0;
        for (; p + 4 <= k; p += 4)
        {
            float* r = m + p * ld;
            Vector256<float> v = Vector256.Create(x[p]);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r), a0);
            b0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + last), b0);
            v = Vector256.Create(x[p + 1]);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + ld), a1);
            b1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + ld + last), b1);
            v = Vector256.Create(x[p + 2]);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + 2 * ld), a2);
            b2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + 2 * ld + last), b2);
            v = Vector256.Create(x[p + 3]);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + 3 * ld), a3);
            b3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(r + 3 * ld + last), b3);
        }
        // The last k mod 4 steps go to the sums of their residues: s₀, then s₁, then s₂.
        if (p < k)
        {
            Vector256<float> v = Vector256.Create(x[p]);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld), a0);
            b0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld + last), b0);
        }
        if (++p < k)
        {
            Vector256<float> v = Vector256.Create(x[p]);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld), a1);
            b1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld + last), b1);
        }
        if (++p < k)
        {
            Vector256<float> v = Vector256.Create(x[p]);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld), a2);
            b2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(m + p * ld + last), b2);
        }
        ((a0 + a1) + (a2 + a3)).Store(y);
        ((b0 + b1) + (b2 + b3)).Store(y + last);
    }

    /// <summary>y[j] = (first ? 0 : y[j]) + x[0]·r[j] + x[1]·r[ld + j] + … + x[7]·r[7·ld + j], one multiply–add at a time in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepEight(SimdLevel level, float* x, float* r, nint ld, float* y, int n, bool first)
    {
        int j = 0;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> x0 = Vector512.Create(x[0]), x1 = Vector512.Create(x[1]), x2 = Vector512.Create(x[2]), x3 = Vector512.Create(x[3]);
            Vector512<float> x4 = Vector512.Create(x[4]), x5 = Vector512.Create(x[5]), x6 = Vector512.Create(x[6]), x7 = Vector512.Create(x[7]);
            for (; j + 16 <= n; j += 16)
            {
                Vector512<float> c = first ? default : Vector512.Load(y + j);
                float* column = r + j;
                c = Vector512.FusedMultiplyAdd(x0, Vector512.Load(column), c);
                c = Vector512.FusedMultiplyAdd(x1, Vector512.Load(column + ld), c);
                c = Vector512.FusedMultiplyAdd(x2, Vector512.Load(column + 2 * ld), c);
                c = Vector512.FusedMultiplyAdd(x3, Vector512.Load(column + 3 * ld), c);
                c = Vector512.FusedMultiplyAdd(x4, Vector512.Load(column + 4 * ld), c);
                c = Vector512.FusedMultiplyAdd(x5, Vector512.Load(column + 5 * ld), c);
                c = Vector512.FusedMultiplyAdd(x6, Vector512.Load(column + 6 * ld), c);
                c = Vector512.FusedMultiplyAdd(x7, Vector512.Load(column + 7 * ld), c);
                c.Store(y + j);
            }
        }
        if (level >= SimdLevel.Vector256)
        {
            Vector256<float> x0 = Vector256.Create(x[0]), x1 = Vector256.Create(x[1]), x2 = Vector256.Create(x[2]), x3 = Vector256.Create(x[3]);
            Vector256<float> x4 = Vector256.Create(x[4]), x5 = Vector256.Create(x[5]), x6 = Vector256.Create(x[6]), x7 = Vector256.Create(x[7]);
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> c = first ? default : Vector256.Load(y + j);
                float* column = r + j;
                c = Vector256.FusedMultiplyAdd(x0, Vector256.Load(column), c);
                c = Vector256.FusedMultiplyAdd(x1, Vector256.Load(column + ld), c);
                c = Vector256.FusedMultiplyAdd(x2, Vector256.Load(column + 2 * ld), c);
                c = Vector256.FusedMultiplyAdd(x3, Vector256.Load(column + 3 * ld), c);
                c = Vector256.FusedMultiplyAdd(x4, Vector256.Load(column + 4 * ld), c);
                c = Vector256.FusedMultiplyAdd(x5, Vector256.Load(column + 5 * ld), c);
                c = Vector256.FusedMultiplyAdd(x6, Vector256.Load(column + 6 * ld), c);
                c = Vector256.FusedMultiplyAdd(x7, Vector256.Load(column + 7 * ld), c);
                c.Store(y + j);
            }
        }
        // Four columns at a time: the tail of the wider levels, everything at Vector128.
        bool fused = level != SimdLevel.Vector128;
        {
            Vector128<float> x0 = Vector128.Create(x[0]), x1 = Vector128.Create(x[1]), x2 = Vector128.Create(x[2]), x3 = Vector128.Create(x[3]);
            Vector128<float> x4 = Vector128.Create(x[4]), x5 = Vector128.Create(x[5]), x6 = Vector128.Create(x[6]), x7 = Vector128.Create(x[7]);
            for (; j + 4 <= n; j += 4)
            {
                Vector128<float> c = first ? default : Vector128.Load(y + j);
                float* column = r + j;
                c = MultiplyAdd(fused, x0, Vector128.Load(column), c);
                c = MultiplyAdd(fused, x1, Vector128.Load(column + ld), c);
                c = MultiplyAdd(fused, x2, Vector128.Load(column + 2 * ld), c);
                c = MultiplyAdd(fused, x3, Vector128.Load(column + 3 * ld), c);
                c = MultiplyAdd(fused, x4, Vector128.Load(column + 4 * ld), c);
                c = MultiplyAdd(fused, x5, Vector128.Load(column + 5 * ld), c);
                c = MultiplyAdd(fused, x6, Vector128.Load(column + 6 * ld), c);
                c = MultiplyAdd(fused, x7, Vector128.Load(column + 7 * ld), c);
                c.Store(y + j);
            }
        }
        // The last columns (fewer than one vector) element by element: the same operations in the same order.
        for (; j < n; j++)
        {
            float sum = first ? 0f : y[j];
            for (int q = 0; q < 8; q++)
                sum = MultiplyAdd(fused, x[q], r[q * ld + j], sum);
            y[j] = sum;
        }
    }

    /// <summary>y[j] = (first ? 0 : y[j]) + a·r[j] for j &lt; n, one multiply–add each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepOne(SimdLevel level, float a, float* r, float* y, int n, bool first)
    {
        int j = 0;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> va = Vector512.Create(a);
            for (; j + 16 <= n; j += 16)
                Vector512.FusedMultiplyAdd(va, Vector512.Load(r + j), first ? default : Vector512.Load(y + j)).Store(y + j);
        }
        if (level >= SimdLevel.Vector256)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; j + 8 <= n; j += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.Load(r + j), first ? default : Vector256.Load(y + j)).Store(y + j);
        }
        bool fused = level != SimdLevel.Vector128;
        Vector128<float> v = Vector128.Create(a);
        for (; j + 4 <= n; j += 4)
            MultiplyAdd(fused, v, Vector128.Load(r + j), first ? default : Vector128.Load(y + j)).Store(y + j);
        for (; j < n; j++) y[j] = MultiplyAdd(fused, a, r[j], first ? 0f : y[j]);
    }

    /// <summary>
    /// a·b + c fused, or (fused false: the Vector128 level, whose hardware may lack FMA) as
    /// MultiplyAddEstimate: fused where the hardware has FMA, multiply then add where it does not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MultiplyAdd(bool fused, Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => fused ? Vector128.FusedMultiplyAdd(a, b, c) : Vector128.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc cref="MultiplyAdd(bool, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MultiplyAdd(bool fused, float a, float b, float c)
        => fused ? MathF.FusedMultiplyAdd(a, b, c) : float.MultiplyAddEstimate(a, b, c);

    /// <summary>
    /// y[j] = Σ_{p&lt;k} x[p]·m[j·ld + p] for j &lt; n: vector partial sums over p (lane l sums p ≡ l
    /// modulo the width, in order), a fixed-order horizontal sum, then the k mod width remainder in order;
    /// for 8 ≤ k &lt; 16 at 256 bits (and at 512, whose vectors are wider than the row), one fused chain
    /// per row in order (<see cref="DotShortRows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows(SimdLevel level, int k, int n, float* x, float* m, nint ld, float* y)
    {
        level = GemmPaths.DotRowsWidth(level, k, out bool shortRows);
        if (shortRows)
        {
            DotShortRows(k, n, x, m, ld, y);
            return;
        }
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
    /// y[j] = Σ_{p&lt;k} x[p]·m[j·ld + p] for j &lt; n and 8 ≤ k &lt; 16, every y[j] one fused multiply–add
    /// chain from +0 in order p = 0, 1, …, k − 1, eight rows at a time with vectors across the rows.
    /// </summary>
    /// <remarks>
    /// With vectors along a row this short, a row is one vector step, a horizontal sum and up to
    /// seven scalar terms. Here eight rows are loaded transposed (columns 0–7, then the 8 that end
    /// at k), so each term is one broadcast and one multiply–add for eight rows. Rows left over (n
    /// % 8, or where a thread's rows end) take the same chain in scalar fused multiply–adds, so a
    /// row's bits never depend on its neighbours. Measurements: perf-results/tuning/gemm-small.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotShortRows(int k, int n, float* x, float* m, nint ld, float* y)
    {
        // tailColumns + 8·(p − 8) holds column p ≥ 8 of the current eight rows.
        float* tailColumns = stackalloc float[8 * 8];
        int tail = k - 8;
        int j = 0;
        for (; j + 8 <= n; j += 8)
        {
            float* rows = m + j * ld;
            // The 8 columns that end at k first: their stores and reloads run beside the chain over
            // columns 0–7, which takes its operands straight from registers.
            Vector256<float> c0, c1, c2, c3, c4, c5, c6, c7;
            if (tail > 0)
            {
                Vector256Kernel.LoadTransposed8x8(rows + tail, ld, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
                StoreColumns(tailColumns - 8 * (8 - tail), 8 - tail, c1, c2, c3, c4, c5, c6, c7);
            }
            Vector256Kernel.LoadTransposed8x8(rows, ld, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
            Vector256<float> sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[0]), c0, Vector256<float>.Zero);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[1]), c1, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[2]), c2, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[3]), c3, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[4]), c4, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[5]), c5, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[6]), c6, sum);
            sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[7]), c7, sum);
            for (int p = 8; p < k; p++)
                sum = Vector256.FusedMultiplyAdd(Vector256.Create(x[p]), Vector256.Load(tailColumns + 8 * (p - 8)), sum);
            sum.Store(y + j);
        }
        for (; j < n; j++)
        {
            float* row = m + j * ld;
            float sum = 0f;
            for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(x[p], row[p], sum);
            y[j] = sum;
        }
    }

    /// <summary>Stores c_from … c7 (1 ≤ from ≤ 7) at target + 8·from … target + 56.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns(float* target, int from, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3,
        Vector256<float> c4, Vector256<float> c5, Vector256<float> c6, Vector256<float> c7)
    {
        Debug.Assert(from is >= 1 and <= 7);
        if (from <= 1) c1.Store(target + 8);
        if (from <= 2) c2.Store(target + 16);
        if (from <= 3) c3.Store(target + 24);
        if (from <= 4) c4.Store(target + 32);
        if (from <= 5) c5.Store(target + 40);
        if (from <= 6) c6.Store(target + 48);
        c7.Store(target + 56);
    }

    private static int Zero4(float* y)
    {
        y[0] = y[1] = y[2] = y[3] = 0f;
        return 0;
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
