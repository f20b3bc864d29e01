using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>
/// 128-bit (SSE on x64, NEON on arm64): a 6×8 register tile, 12 accumulators + 2 B vectors +
/// 1 broadcast = 15 of the 16 xmm registers x64 has (arm64 has 32 q registers; the same tile fits).
/// KC = 256, MC = 144, NC = 2048 as for 256 bits: the B micro-panel is 8 KiB, the A micro-panel 6 KiB.
/// </summary>
/// <remarks>
/// Uses MultiplyAddEstimate rather than FusedMultiplyAdd: SSE-only x64 CPUs (and runs with
/// DOTNET_EnableAVX2=0, which also disables FMA) have no fused instruction, and FusedMultiplyAdd would
/// then be computed per lane in software, an order of magnitude slower. MultiplyAddEstimate is one
/// vfmadd where FMA exists, fmla on arm64, and mulps + addps elsewhere; the results differ from the
/// fused ones by at most one rounding per step, well inside the GEMM error bound.
/// </remarks>
internal readonly unsafe partial struct Vector128Kernel : IGemmKernel
{
    public static SmallKernels SmallKernels => SmallKernels.DotsAndColumns;
    public static int MR => 6;
    public static int NR => 8;
    public static int KC => 256;
    public static int KCInPlace => 256;
    public static int MC => 144;
    public static int NC => 2048;
    /// <summary>
    /// Up to 24 rows (4 row tiles) B is read in place; from 32 rows its panels are packed by their first
    /// row tile, which overlaps the packing with that tile's FMAs (perf-results/tuning/gemm-vector128.md).
    /// </summary>
    public static int BInPlaceRows => 24;
    public static SimdLevel Level => SimdLevel.Vector128;
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        if (bStride == NR) Tile<ReadsPackedBPanel>(kc, a, b, bStride, null, c, ldc, alpha, beta);
        else Tile<ReadsBPanel>(kc, a, b, bStride, null, c, ldc, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernelPackingB(int kc, float* a, float* b, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta)
        => Tile<StoresBPanel>(kc, a, b, ldb, packedB, c, ldc, alpha, beta);

    /// <summary>Both micro-kernels, each compiled on its own so that the accumulators stay in registers.</summary>
    /// <remarks>
    /// The k loop is unrolled by 4 and a packed panel's row distance is a constant, as in <see
    /// cref="Vector256Kernel"/>. Measurements: perf-results/tuning/gemm-vector128.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TStore>(int kc, float* a, float* b, nint bStride, float* packedB, float* c, nint ldc, float alpha, float beta)
        where TStore : struct, IBPanelSource
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint stride = TStore.Packed ? NR : bStride;
        // Held outside the loop, with a pointer to the rows a packing kernel prefetches, as in Vector256,
        // whose JIT output recomputed 2·, 3·, 4· and 8·bStride in every iteration when B is read in place.
        nint stride2 = 2 * stride, stride3 = 3 * stride, stride4 = 4 * stride;
        float* bAhead = b + MicroKernelSupport.PackingPrefetchRows * stride;
        for (int steps = kc >> 2; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TStore>(a, b, 1, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TStore>(a, b, 2, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TStore>(a, b, 3, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 24;
            b += stride4;
            if (TStore.Stores)
            {
                bAhead += stride4;
                packedB += 32;
            }
        }
        for (int steps = kc & 3; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 6;
            b += stride;
            if (TStore.Stores)
            {
                bAhead += stride;
                packedB += 8;
            }
        }
        Vector128<float> va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c + 0 * ldc + 0);
            (c01 * va).Store(c + 0 * ldc + 4);
            (c10 * va).Store(c + 1 * ldc + 0);
            (c11 * va).Store(c + 1 * ldc + 4);
            (c20 * va).Store(c + 2 * ldc + 0);
            (c21 * va).Store(c + 2 * ldc + 4);
            (c30 * va).Store(c + 3 * ldc + 0);
            (c31 * va).Store(c + 3 * ldc + 4);
            (c40 * va).Store(c + 4 * ldc + 0);
            (c41 * va).Store(c + 4 * ldc + 4);
            (c50 * va).Store(c + 5 * ldc + 0);
            (c51 * va).Store(c + 5 * ldc + 4);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 0 * ldc + 0), vb, c00 * va).Store(c + 0 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 0 * ldc + 4), vb, c01 * va).Store(c + 0 * ldc + 4);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 1 * ldc + 0), vb, c10 * va).Store(c + 1 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 1 * ldc + 4), vb, c11 * va).Store(c + 1 * ldc + 4);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 2 * ldc + 0), vb, c20 * va).Store(c + 2 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 2 * ldc + 4), vb, c21 * va).Store(c + 2 * ldc + 4);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 3 * ldc + 0), vb, c30 * va).Store(c + 3 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 3 * ldc + 4), vb, c31 * va).Store(c + 3 * ldc + 4);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 4 * ldc + 0), vb, c40 * va).Store(c + 4 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 4 * ldc + 4), vb, c41 * va).Store(c + 4 * ldc + 4);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 5 * ldc + 0), vb, c50 * va).Store(c + 5 * ldc + 0);
            Vector128.MultiplyAddEstimate(Vector128.Load(c + 5 * ldc + 4), vb, c51 * va).Store(c + 5 * ldc + 4);
        }
    }

    /// <summary>
    /// k step number <paramref name="step"/> from a and b: B's row there (step·bStride on; bStride2 and
    /// bStride3 are 2· and 3·bStride) times the 6 A values. When TStore stores, the row is also copied to
    /// packedB, and the row as far on from bAhead is prefetched. Every accumulator gets one multiply-add, in
    /// the same order whatever the unrolling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TStore>(float* a, float* b, int step, nint bStride, nint bStride2, nint bStride3, float* bAhead, float* packedB,
        ref Vector128<float> c00, ref Vector128<float> c01, ref Vector128<float> c10, ref Vector128<float> c11, ref Vector128<float> c20, ref Vector128<float> c21,
        ref Vector128<float> c30, ref Vector128<float> c31, ref Vector128<float> c40, ref Vector128<float> c41, ref Vector128<float> c50, ref Vector128<float> c51)
        where TStore : struct, IBPanelSource
    {
        nint row = step switch { 0 => 0, 1 => bStride, 2 => bStride2, _ => bStride3 };
        Vector128<float> b0 = Vector128.Load(b + row + 0);
        Vector128<float> b1 = Vector128.Load(b + row + 4);
        if (TStore.Stores)
        {
            MicroKernelSupport.PrefetchRow(bAhead + row, 8);
            b0.Store(packedB + 8 * step + 0);
            b1.Store(packedB + 8 * step + 4);
        }
        Vector128<float> a0 = Vector128.Create(a[6 * step + 0]);
        c00 = Vector128.MultiplyAddEstimate(a0, b0, c00);
        c01 = Vector128.MultiplyAddEstimate(a0, b1, c01);
        Vector128<float> a1 = Vector128.Create(a[6 * step + 1]);
        c10 = Vector128.MultiplyAddEstimate(a1, b0, c10);
        c11 = Vector128.MultiplyAddEstimate(a1, b1, c11);
        Vector128<float> a2 = Vector128.Create(a[6 * step + 2]);
        c20 = Vector128.MultiplyAddEstimate(a2, b0, c20);
        c21 = Vector128.MultiplyAddEstimate(a2, b1, c21);
        Vector128<float> a3 = Vector128.Create(a[6 * step + 3]);
        c30 = Vector128.MultiplyAddEstimate(a3, b0, c30);
        c31 = Vector128.MultiplyAddEstimate(a3, b1, c31);
        Vector128<float> a4 = Vector128.Create(a[6 * step + 4]);
        c40 = Vector128.MultiplyAddEstimate(a4, b0, c40);
        c41 = Vector128.MultiplyAddEstimate(a4, b1, c41);
        Vector128<float> a5 = Vector128.Create(a[6 * step + 5]);
        c50 = Vector128.MultiplyAddEstimate(a5, b0, c50);
        c51 = Vector128.MultiplyAddEstimate(a5, b1, c51);
    }

    public static int EdgeStep => 4;

    /// <summary>The 6×4 edge: the only width below NR = 8 is one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeKernel(int tiles, int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta, int width)
    {
        Debug.Assert(width == 4);
        // Each tile advances a to the next A micro-panel (they are consecutive) and b down its panel.
        float* panel = b;
        for (; tiles > 0; tiles--, c += 6 * ldc, b = panel)
        {
            Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector128<float> b0 = Vector128.Load(b);
                c0 = Vector128.MultiplyAddEstimate(Vector128.Create(a[0]), b0, c0);
                c1 = Vector128.MultiplyAddEstimate(Vector128.Create(a[1]), b0, c1);
                c2 = Vector128.MultiplyAddEstimate(Vector128.Create(a[2]), b0, c2);
                c3 = Vector128.MultiplyAddEstimate(Vector128.Create(a[3]), b0, c3);
                c4 = Vector128.MultiplyAddEstimate(Vector128.Create(a[4]), b0, c4);
                c5 = Vector128.MultiplyAddEstimate(Vector128.Create(a[5]), b0, c5);
                a += 6;
                b += bStride;
            }
            Vector128<float> va = Vector128.Create(alpha);
            if (beta == 0f)
            {
                (c0 * va).Store(c + 0 * ldc);
                (c1 * va).Store(c + 1 * ldc);
                (c2 * va).Store(c + 2 * ldc);
                (c3 * va).Store(c + 3 * ldc);
                (c4 * va).Store(c + 4 * ldc);
                (c5 * va).Store(c + 5 * ldc);
            }
            else
            {
                Vector128<float> vb = Vector128.Create(beta);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 0 * ldc), vb, c0 * va).Store(c + 0 * ldc);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 1 * ldc), vb, c1 * va).Store(c + 1 * ldc);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 2 * ldc), vb, c2 * va).Store(c + 2 * ldc);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 3 * ldc), vb, c3 * va).Store(c + 3 * ldc);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 4 * ldc), vb, c4 * va).Store(c + 4 * ldc);
                Vector128.MultiplyAddEstimate(Vector128.Load(c + 5 * ldc), vb, c5 * va).Store(c + 5 * ldc);
            }
        }
    }

    public static int ColumnRows => 8;

    /// <summary>2 × 6 accumulators + two A vectors + one broadcast = 15 of the 16 xmm registers.</summary>
    public static int MaxColumns => 6;

    /// <remarks>
    /// <see cref="Vector256Kernel.ColumnKernel"/> at half the width: per k step two A loads, TColumns
    /// broadcasts from B's row and 2·TColumns multiply-adds. The branches on TColumns.Value are constants.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile) where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Debug.Assert(n is >= 1 and <= 6);
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> x0 = Vector128.Load(a);
            Vector128<float> x1 = Vector128.Load(a + 4);
            Vector128<float> y = Vector128.Create(b[0]);
            c00 = Vector128.MultiplyAddEstimate(x0, y, c00);
            c01 = Vector128.MultiplyAddEstimate(x1, y, c01);
            if (n > 1)
            {
                y = Vector128.Create(b[1]);
                c10 = Vector128.MultiplyAddEstimate(x0, y, c10);
                c11 = Vector128.MultiplyAddEstimate(x1, y, c11);
            }
            if (n > 2)
            {
                y = Vector128.Create(b[2]);
                c20 = Vector128.MultiplyAddEstimate(x0, y, c20);
                c21 = Vector128.MultiplyAddEstimate(x1, y, c21);
            }
            if (n > 3)
            {
                y = Vector128.Create(b[3]);
                c30 = Vector128.MultiplyAddEstimate(x0, y, c30);
                c31 = Vector128.MultiplyAddEstimate(x1, y, c31);
            }
            if (n > 4)
            {
                y = Vector128.Create(b[4]);
                c40 = Vector128.MultiplyAddEstimate(x0, y, c40);
                c41 = Vector128.MultiplyAddEstimate(x1, y, c41);
            }
            if (n > 5)
            {
                y = Vector128.Create(b[5]);
                c50 = Vector128.MultiplyAddEstimate(x0, y, c50);
                c51 = Vector128.MultiplyAddEstimate(x1, y, c51);
            }
            a += lda;
            b += ldb;
        }
        c00.Store(tile);
        c01.Store(tile + 4);
        if (n > 1) { c10.Store(tile + 8); c11.Store(tile + 12); }
        if (n > 2) { c20.Store(tile + 16); c21.Store(tile + 20); }
        if (n > 3) { c30.Store(tile + 24); c31.Store(tile + 28); }
        if (n > 4) { c40.Store(tile + 32); c41.Store(tile + 36); }
        if (n > 5) { c50.Store(tile + 40); c51.Store(tile + 44); }
    }

    public static int DotRows => 2;

    /// <summary>2 × 6 accumulators + two A vectors + one B vector = 15 of the 16 xmm registers.</summary>
    public static int MaxDotColumns => 6;

    public static int DotLanes => 4;

    /// <summary>
    /// The column path is faster on shallower sums, and from 384 on the paths are within noise of each
    /// other. Fewer than 8 rows take the dot path from k = 4 on, where it is much faster
    /// (perf-results/tuning/gemm-vector128.md).
    /// </summary>
    public static int DotMinDepth => 512;

    /// <summary>With <see cref="WideDotDepthPerRow"/>: see the remarks.</summary>
    /// <remarks>
    /// Twice the rows of <see cref="Vector256Kernel.WideDotMaxRows"/> and half the depth per row:
    /// the 6×8 blocked path runs further below the roof than the 4×24 one, so transposing B into
    /// its panels pays later. Measurements: perf-results/tuning/gemm-vector128.md.
    /// </remarks>
    public static int WideDotMaxRows => 32;

    public static int WideDotDepthPerRow => 4;

    /// <remarks>
    /// <see cref="Vector256Kernel.DotKernel"/> at half the width: per k step two A loads, TColumns B
    /// loads and 2·TColumns multiply-adds; the lanes are summed once per call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile, nint ldTile) where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Debug.Assert(n is >= 1 and <= 6 && k >= 4);
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        Vector128<float> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        float* a1 = a + lda;
        float* b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb;
        int full = k & ~3;
        for (int p = 0; p < full; p += 4)
            DotStep<TColumns>(a + p, a1 + p, b + p, b1 + p, b2 + p, b3 + p, b4 + p, b5 + p, Vector128<float>.AllBitsSet, masked: false,
                ref c00, ref c01, ref c02, ref c03, ref c04, ref c05, ref c10, ref c11, ref c12, ref c13, ref c14, ref c15);
        if (full < k)
        {
            // The last k % 4 products: the 4 elements that end at k, those already summed set to zero in
            // both operands (zero in one alone would turn an infinity in the other into NaN).
            Vector128<float> mask = Vector128.GreaterThanOrEqual(Vector128.Create(0, 1, 2, 3), Vector128.Create(4 - (k - full))).AsSingle();
            int p = k - 4;
            DotStep<TColumns>(a + p, a1 + p, b + p, b1 + p, b2 + p, b3 + p, b4 + p, b5 + p, mask, masked: true,
                ref c00, ref c01, ref c02, ref c03, ref c04, ref c05, ref c10, ref c11, ref c12, ref c13, ref c14, ref c15);
        }
        SumLanes(c00, c01, c02, c03).Store(tile);
        SumLanes(c10, c11, c12, c13).Store(tile + ldTile);
        if (n > 4)
        {
            // Columns 4 and 5 of both rows in one reduction: one 64-bit store per row.
            Vector128<double> pairs = SumLanes(c04, c05, c14, c15).AsDouble();
            *(double*)(tile + 4) = pairs.ToScalar();
            *(double*)(tile + ldTile + 4) = pairs.GetElement(1);
        }
    }

    /// <summary>
    /// One step of <see cref="DotKernel"/>: the 4 elements at a and a1 (rows 0 and 1) times those at b to b5
    /// (columns 0 to TColumns.Value − 1) into the accumulators, every operand ANDed with mask when masked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotStep<TColumns>(float* a, float* a1, float* b, float* b1, float* b2, float* b3, float* b4, float* b5, Vector128<float> mask, bool masked,
        ref Vector128<float> c00, ref Vector128<float> c01, ref Vector128<float> c02, ref Vector128<float> c03, ref Vector128<float> c04, ref Vector128<float> c05,
        ref Vector128<float> c10, ref Vector128<float> c11, ref Vector128<float> c12, ref Vector128<float> c13, ref Vector128<float> c14, ref Vector128<float> c15)
        where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Vector128<float> x0 = Masked(Vector128.Load(a), mask, masked);
        Vector128<float> x1 = Masked(Vector128.Load(a1), mask, masked);
        Vector128<float> y = Masked(Vector128.Load(b), mask, masked);
        c00 = Vector128.MultiplyAddEstimate(x0, y, c00);
        c10 = Vector128.MultiplyAddEstimate(x1, y, c10);
        if (n > 1)
        {
            y = Masked(Vector128.Load(b1), mask, masked);
            c01 = Vector128.MultiplyAddEstimate(x0, y, c01);
            c11 = Vector128.MultiplyAddEstimate(x1, y, c11);
        }
        if (n > 2)
        {
            y = Masked(Vector128.Load(b2), mask, masked);
            c02 = Vector128.MultiplyAddEstimate(x0, y, c02);
            c12 = Vector128.MultiplyAddEstimate(x1, y, c12);
        }
        if (n > 3)
        {
            y = Masked(Vector128.Load(b3), mask, masked);
            c03 = Vector128.MultiplyAddEstimate(x0, y, c03);
            c13 = Vector128.MultiplyAddEstimate(x1, y, c13);
        }
        if (n > 4)
        {
            y = Masked(Vector128.Load(b4), mask, masked);
            c04 = Vector128.MultiplyAddEstimate(x0, y, c04);
            c14 = Vector128.MultiplyAddEstimate(x1, y, c14);
        }
        if (n > 5)
        {
            y = Masked(Vector128.Load(b5), mask, masked);
            c05 = Vector128.MultiplyAddEstimate(x0, y, c05);
            c15 = Vector128.MultiplyAddEstimate(x1, y, c15);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Masked(Vector128<float> value, Vector128<float> mask, bool masked) => masked ? value & mask : value;

    /// <summary>
    /// The lane sums of four vectors, each (v0 + v2) + (v1 + v3): a transpose by unpacks with adds between
    /// where SSE is available, the same additions lane by lane otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SumLanes(Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3)
    {
        if (Sse.IsSupported)
        {
            // s01 = [v0₀+v0₂, v1₀+v1₂, v0₁+v0₃, v1₁+v1₃], likewise s23.
            Vector128<float> s01 = Sse.UnpackLow(v0, v1) + Sse.UnpackHigh(v0, v1);
            Vector128<float> s23 = Sse.UnpackLow(v2, v3) + Sse.UnpackHigh(v2, v3);
            return Sse.MoveLowToHigh(s01, s23) + Sse.MoveHighToLow(s23, s01);
        }
        return Vector128.Create(SumLanes(v0), SumLanes(v1), SumLanes(v2), SumLanes(v3));
    }

    private static float SumLanes(Vector128<float> v) => (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));
}
