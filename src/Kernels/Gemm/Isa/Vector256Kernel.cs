using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>
/// AVX2 + FMA: a 4×24 register tile, 12 ymm accumulators + 3 B vectors + 1 broadcast = all 16 ymm
/// of an AVX2 CPU. Per k step: 3 loads, 4 broadcasts (vbroadcastss from memory), 12 FMAs.
/// </summary>
/// <remarks>
/// 4×24 rather than the classic 6×16: 7 loads per 12 FMAs instead of 8, so fewer broadcasts take
/// FMA issue slots. KC = 384 streams a 36 KiB packed B micro-panel from L2 in order and halves the
/// C traffic of 192; B read in place keeps KCInPlace = 192, 18 KiB of strided rows in a 32 KiB L1.
/// MC = 144 keeps the packed A block (216 KiB) in L2, NC = 2040 the packed B block (3 MiB) in L3.
/// FusedMultiplyAdd maps to vfmadd231ps: every x64 CPU with AVX2 has FMA3, and where Vector256 runs
/// emulated it is computed per lane in software. Measurements:
/// perf-results/tuning/gemm-vector256.md.
/// </remarks>
internal readonly unsafe partial struct Vector256Kernel : IGemmKernel
{
    public static SmallKernels SmallKernels => SmallKernels.DotsAndColumns;
    public static int MR => 4;
    public static int NR => 24;
    public static int KC => 384;
    public static int KCInPlace => 192;
    public static int MC => 144;
    public static int NC => 2040;
    /// <summary>
    /// Up to 24 rows B is read in place; beyond, its 96-byte rows straddle cache lines once per row
    /// tile, and packing them in the first row tile pays (perf-results/tuning/gemm-vector256.md).
    /// </summary>
    public static int BInPlaceRows => 24;
    public static SimdLevel Level => SimdLevel.Vector256;
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        if (bStride == NR) Tile<ReadsPackedBPanel>(kc, a, b, bStride, null, c, ldc, alpha, beta);
        else Tile<ReadsBPanel>(kc, a, b, bStride, null, c, ldc, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernelPackingB(int kc, float* a, float* b, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta)
        => Tile<StoresBPanel>(kc, a, b, ldb, packedB, c, ldc, alpha, beta);

    /// <summary>
    /// Both micro-kernels. They are separate non-inlined methods because inlined into the macro loop,
    /// the 12 accumulators spill to the stack.
    /// </summary>
    /// <remarks>
    /// The k loop is unrolled by 4 with a constant packed-panel row distance, so 4 B rows share one
    /// counter, one branch and one update of each pointer. Each step addresses its rows by offsets
    /// from a and b, and the in-place row distances (2·, 3·, 4·bStride) and the packing kernel's
    /// prefetch pointer stay outside the loop: otherwise the JIT kept extra address registers or
    /// recomputed them in every iteration. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TStore>(int kc, float* a, float* b, nint bStride, float* packedB, float* c, nint ldc, float alpha, float beta)
        where TStore : struct, IBPanelSource
    {
        MicroKernelSupport.PrefetchTile(c, ldc, 4, 24);
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default, c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        nint stride = TStore.Packed ? NR : bStride;
        // Held outside the loop, with a pointer to the rows a packing kernel prefetches: the JIT
        // recomputed 2·, 3·, 4· and 8·bStride in every iteration when B is read in place.
        nint stride2 = 2 * stride, stride3 = 3 * stride, stride4 = 4 * stride;
        float* bAhead = b + MicroKernelSupport.PackingPrefetchRows * stride;
        for (int steps = kc >> 2; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Step<TStore>(a, b, 1, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Step<TStore>(a, b, 2, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Step<TStore>(a, b, 3, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            a += 16;
            b += stride4;
            if (TStore.Stores)
            {
                bAhead += stride4;
                packedB += 96;
            }
        }
        for (int steps = kc & 3; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            a += 4;
            b += stride;
            if (TStore.Stores)
            {
                bAhead += stride;
                packedB += 24;
            }
        }
        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c + 0 * ldc + 0);
            (c01 * va).Store(c + 0 * ldc + 8);
            (c02 * va).Store(c + 0 * ldc + 16);
            (c10 * va).Store(c + 1 * ldc + 0);
            (c11 * va).Store(c + 1 * ldc + 8);
            (c12 * va).Store(c + 1 * ldc + 16);
            (c20 * va).Store(c + 2 * ldc + 0);
            (c21 * va).Store(c + 2 * ldc + 8);
            (c22 * va).Store(c + 2 * ldc + 16);
            (c30 * va).Store(c + 3 * ldc + 0);
            (c31 * va).Store(c + 3 * ldc + 8);
            (c32 * va).Store(c + 3 * ldc + 16);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 0 * ldc + 0), vb, c00 * va).Store(c + 0 * ldc + 0);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 0 * ldc + 8), vb, c01 * va).Store(c + 0 * ldc + 8);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 0 * ldc + 16), vb, c02 * va).Store(c + 0 * ldc + 16);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 1 * ldc + 0), vb, c10 * va).Store(c + 1 * ldc + 0);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 1 * ldc + 8), vb, c11 * va).Store(c + 1 * ldc + 8);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 1 * ldc + 16), vb, c12 * va).Store(c + 1 * ldc + 16);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 2 * ldc + 0), vb, c20 * va).Store(c + 2 * ldc + 0);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 2 * ldc + 8), vb, c21 * va).Store(c + 2 * ldc + 8);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 2 * ldc + 16), vb, c22 * va).Store(c + 2 * ldc + 16);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 3 * ldc + 0), vb, c30 * va).Store(c + 3 * ldc + 0);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 3 * ldc + 8), vb, c31 * va).Store(c + 3 * ldc + 8);
            Vector256.FusedMultiplyAdd(Vector256.Load(c + 3 * ldc + 16), vb, c32 * va).Store(c + 3 * ldc + 16);
        }
    }

    /// <summary>
    /// k step number <paramref name="step"/> from a and b: B's row there (step·bStride on; bStride2 and
    /// bStride3 are 2· and 3·bStride) times the 4 A values. When TStore stores, the row is also copied to
    /// packedB, and the row as far on from bAhead is prefetched. Every accumulator gets one FMA, in
    /// the same order whatever the unrolling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TStore>(float* a, float* b, int step, nint bStride, nint bStride2, nint bStride3, float* bAhead, float* packedB,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c02, ref Vector256<float> c10, ref Vector256<float> c11, ref Vector256<float> c12,
        ref Vector256<float> c20, ref Vector256<float> c21, ref Vector256<float> c22, ref Vector256<float> c30, ref Vector256<float> c31, ref Vector256<float> c32)
        where TStore : struct, IBPanelSource
    {
        nint row = step switch { 0 => 0, 1 => bStride, 2 => bStride2, _ => bStride3 };
        Vector256<float> b0 = Vector256.Load(b + row + 0);
        Vector256<float> b1 = Vector256.Load(b + row + 8);
        Vector256<float> b2 = Vector256.Load(b + row + 16);
        if (TStore.Stores)
        {
            MicroKernelSupport.PrefetchRow(bAhead + row, 24);
            b0.Store(packedB + 24 * step + 0);
            b1.Store(packedB + 24 * step + 8);
            b2.Store(packedB + 24 * step + 16);
        }
        Vector256<float> a0 = Vector256.Create(a[4 * step + 0]);
        c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
        c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
        c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
        Vector256<float> a1 = Vector256.Create(a[4 * step + 1]);
        c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
        c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
        c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
        Vector256<float> a2 = Vector256.Create(a[4 * step + 2]);
        c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
        c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
        c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
        Vector256<float> a3 = Vector256.Create(a[4 * step + 3]);
        c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
        c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
        c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
    }

    public static int EdgeStep => 8;

    /// <summary>
    /// The 4×8 and 4×16 edges of the 4×24 tile. A 4×8 tile has only 4 accumulators, too few to hide the
    /// 4-cycle FMA latency on two FMA pipes, so tiles are taken two at a time (8×8, 8 accumulators):
    /// 128³ spends 6% of its FMAs there.
    /// </summary>
    /// <remarks>
    /// The edges keep one k step per iteration: unrolling them, or computing 16-wide edges as 6×16
    /// tiles, gave no consistent gain. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeKernel(int tiles, int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta, int width)
    {
        Debug.Assert(width is 8 or 16);
        for (; width == 16 && tiles > 0; tiles--, a += 4 * kc, c += 4 * ldc)
            EdgeSixteen(kc, a, b, bStride, c, ldc, alpha, beta);
        for (; width == 8 && tiles >= 2; tiles -= 2, a += 8 * kc, c += 8 * ldc)
            EdgeEight(kc, a, a + 4 * kc, b, bStride, c, ldc, alpha, beta);
        if (width == 8 && tiles == 1)
            EdgeEight(kc, a, null, b, bStride, c, ldc, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeSixteen(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            a += 4;
            b += bStride;
        }
        Store(c00, c + 0 * ldc + 0, va, vb, beta);
        Store(c01, c + 0 * ldc + 8, va, vb, beta);
        Store(c10, c + 1 * ldc + 0, va, vb, beta);
        Store(c11, c + 1 * ldc + 8, va, vb, beta);
        Store(c20, c + 2 * ldc + 0, va, vb, beta);
        Store(c21, c + 2 * ldc + 8, va, vb, beta);
        Store(c30, c + 3 * ldc + 0, va, vb, beta);
        Store(c31, c + 3 * ldc + 8, va, vb, beta);
    }

    /// <summary>
    /// One or two 4×8 tiles: rows 0–3 from the A micro-panel <paramref name="a"/> and, when
    /// <paramref name="next"/> is not null, rows 4–7 from that one. Every element gets the same FMA
    /// sequence either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeEight(int kc, float* a, float* next, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        if (next != null)
        {
            for (int p = 0; p < kc; p++)
            {
                Vector256<float> b0 = Vector256.Load(b);
                c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), b0, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[1]), b0, c1);
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[2]), b0, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[3]), b0, c3);
                c4 = Vector256.FusedMultiplyAdd(Vector256.Create(next[0]), b0, c4);
                c5 = Vector256.FusedMultiplyAdd(Vector256.Create(next[1]), b0, c5);
                c6 = Vector256.FusedMultiplyAdd(Vector256.Create(next[2]), b0, c6);
                c7 = Vector256.FusedMultiplyAdd(Vector256.Create(next[3]), b0, c7);
                a += 4;
                next += 4;
                b += bStride;
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                Vector256<float> b0 = Vector256.Load(b);
                c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), b0, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[1]), b0, c1);
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[2]), b0, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[3]), b0, c3);
                a += 4;
                b += bStride;
            }
        }
        Store(c0, c + 0 * ldc, va, vb, beta);
        Store(c1, c + 1 * ldc, va, vb, beta);
        Store(c2, c + 2 * ldc, va, vb, beta);
        Store(c3, c + 3 * ldc, va, vb, beta);
        if (next == null) return;
        Store(c4, c + 4 * ldc, va, vb, beta);
        Store(c5, c + 5 * ldc, va, vb, beta);
        Store(c6, c + 6 * ldc, va, vb, beta);
        Store(c7, c + 7 * ldc, va, vb, beta);
    }

    /// <summary>row ← alpha·sum, or alpha·sum + beta·row when beta is not 0 (the micro-kernel's operations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> sum, float* row, Vector256<float> va, Vector256<float> vb, float beta)
    {
        if (beta == 0f) (sum * va).Store(row);
        else Vector256.FusedMultiplyAdd(Vector256.Load(row), vb, sum * va).Store(row);
    }

    public static int ColumnRows => 16;

    /// <summary>2 × 6 accumulators + two A vectors + one broadcast = 15 of the 16 ymm registers.</summary>
    public static int MaxColumns => 6;

    /// <remarks>
    /// Per k step: two A loads, TColumns broadcasts from B's row and 2·TColumns FMAs. A broadcast
    /// from memory takes an FP pipe beside the FMA pipes, so with one A vector per broadcast the
    /// FMA pipes waited; with two they are the bottleneck. The branches on TColumns.Value are
    /// constants: the JIT keeps only the accumulators in use. Measurements:
    /// perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile) where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Debug.Assert(n is >= 1 and <= 6);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> x0 = Vector256.Load(a);
            Vector256<float> x1 = Vector256.Load(a + 8);
            Vector256<float> y = Vector256.Create(b[0]);
            c00 = Vector256.FusedMultiplyAdd(x0, y, c00);
            c01 = Vector256.FusedMultiplyAdd(x1, y, c01);
            if (n > 1)
            {
                y = Vector256.Create(b[1]);
                c10 = Vector256.FusedMultiplyAdd(x0, y, c10);
                c11 = Vector256.FusedMultiplyAdd(x1, y, c11);
            }
            if (n > 2)
            {
                y = Vector256.Create(b[2]);
                c20 = Vector256.FusedMultiplyAdd(x0, y, c20);
                c21 = Vector256.FusedMultiplyAdd(x1, y, c21);
            }
            if (n > 3)
            {
                y = Vector256.Create(b[3]);
                c30 = Vector256.FusedMultiplyAdd(x0, y, c30);
                c31 = Vector256.FusedMultiplyAdd(x1, y, c31);
            }
            if (n > 4)
            {
                y = Vector256.Create(b[4]);
                c40 = Vector256.FusedMultiplyAdd(x0, y, c40);
                c41 = Vector256.FusedMultiplyAdd(x1, y, c41);
            }
            if (n > 5)
            {
                y = Vector256.Create(b[5]);
                c50 = Vector256.FusedMultiplyAdd(x0, y, c50);
                c51 = Vector256.FusedMultiplyAdd(x1, y, c51);
            }
            a += lda;
            b += ldb;
        }
        c00.Store(tile);
        c01.Store(tile + 8);
        if (n > 1) { c10.Store(tile + 16); c11.Store(tile + 24); }
        if (n > 2) { c20.Store(tile + 32); c21.Store(tile + 40); }
        if (n > 3) { c30.Store(tile + 48); c31.Store(tile + 56); }
        if (n > 4) { c40.Store(tile + 64); c41.Store(tile + 72); }
        if (n > 5) { c50.Store(tile + 80); c51.Store(tile + 88); }
    }

    public static int DotRows => 2;

    /// <summary>2 × 6 accumulators + two A vectors + one B vector = 15 of the 16 ymm registers.</summary>
    public static int MaxDotColumns => 6;

    public static int DotLanes => 8;

    /// <summary>
    /// From this depth on the dot path is at least as fast as the column path
    /// (perf-results/tuning/gemm-vector256.md).
    /// </summary>
    public static int DotMinDepth => 256;

    /// <summary>With <see cref="WideDotDepthPerRow"/>: see the remarks.</summary>
    /// <remarks>
    /// Up to 16 rows the dot path beat the blocked path wherever the sum was at least 8 deep per
    /// row; more rows lost in general, and no rule kept the deep-sum gains of 17 to 32 rows without
    /// also taking shapes that lose. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    public static int WideDotMaxRows => 16;

    public static int WideDotDepthPerRow => 8;

    /// <remarks>
    /// Per k step: two A loads, TColumns B loads and 2·TColumns FMAs, no broadcasts, every lane in use
    /// whatever n is. The horizontal sums cost a few instructions per four elements once per call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile, nint ldTile) where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Debug.Assert(n is >= 1 and <= 6 && k >= 8);
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        float* a1 = a + lda;
        float* b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb;
        int full = k & ~7;
        for (int p = 0; p < full; p += 8)
            DotStep<TColumns>(a + p, a1 + p, b + p, b1 + p, b2 + p, b3 + p, b4 + p, b5 + p, Vector256<float>.AllBitsSet, masked: false,
                ref c00, ref c01, ref c02, ref c03, ref c04, ref c05, ref c10, ref c11, ref c12, ref c13, ref c14, ref c15);
        if (full < k)
        {
            // The last k % 8 products: the 8 elements that end at k, those already summed set to zero in
            // both operands (zero in one alone would turn an infinity in the other into NaN).
            Vector256<float> mask = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - (k - full))).AsSingle();
            int p = k - 8;
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
    /// One step of <see cref="DotKernel"/>: the 8 elements at a and a1 (rows 0 and 1) times those at b to b5
    /// (columns 0 to TColumns.Value − 1) into the accumulators, every operand ANDed with mask when masked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotStep<TColumns>(float* a, float* a1, float* b, float* b1, float* b2, float* b3, float* b4, float* b5, Vector256<float> mask, bool masked,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c02, ref Vector256<float> c03, ref Vector256<float> c04, ref Vector256<float> c05,
        ref Vector256<float> c10, ref Vector256<float> c11, ref Vector256<float> c12, ref Vector256<float> c13, ref Vector256<float> c14, ref Vector256<float> c15)
        where TColumns : IColumnCount
    {
        int n = TColumns.Value;
        Vector256<float> x0 = Masked(Vector256.Load(a), mask, masked);
        Vector256<float> x1 = Masked(Vector256.Load(a1), mask, masked);
        Vector256<float> y = Masked(Vector256.Load(b), mask, masked);
        c00 = Vector256.FusedMultiplyAdd(x0, y, c00);
        c10 = Vector256.FusedMultiplyAdd(x1, y, c10);
        if (n > 1)
        {
            y = Masked(Vector256.Load(b1), mask, masked);
            c01 = Vector256.FusedMultiplyAdd(x0, y, c01);
            c11 = Vector256.FusedMultiplyAdd(x1, y, c11);
        }
        if (n > 2)
        {
            y = Masked(Vector256.Load(b2), mask, masked);
            c02 = Vector256.FusedMultiplyAdd(x0, y, c02);
            c12 = Vector256.FusedMultiplyAdd(x1, y, c12);
        }
        if (n > 3)
        {
            y = Masked(Vector256.Load(b3), mask, masked);
            c03 = Vector256.FusedMultiplyAdd(x0, y, c03);
            c13 = Vector256.FusedMultiplyAdd(x1, y, c13);
        }
        if (n > 4)
        {
            y = Masked(Vector256.Load(b4), mask, masked);
            c04 = Vector256.FusedMultiplyAdd(x0, y, c04);
            c14 = Vector256.FusedMultiplyAdd(x1, y, c14);
        }
        if (n > 5)
        {
            y = Masked(Vector256.Load(b5), mask, masked);
            c05 = Vector256.FusedMultiplyAdd(x0, y, c05);
            c15 = Vector256.FusedMultiplyAdd(x1, y, c15);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Masked(Vector256<float> value, Vector256<float> mask, bool masked) => masked ? value & mask : value;

    /// <summary>
    /// The lane sums of four vectors, each ((v0 + v2) + (v1 + v3)) + ((v4 + v6) + (v5 + v7)): a transpose
    /// by unpacks and shuffles with adds between, where AVX is available, the same additions lane by lane
    /// otherwise. Unlike vhaddps (4 µops on Zen 3), the adds run on the FP add pipes, not the FMA pipes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SumLanes(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        if (Avx.IsSupported)
        {
            // s01 = [v0₀+v0₂, v1₀+v1₂, v0₁+v0₃, v1₁+v1₃ | the same for lanes 4–7], likewise s23.
            Vector256<float> s01 = Avx.UnpackLow(v0, v1) + Avx.UnpackHigh(v0, v1);
            Vector256<float> s23 = Avx.UnpackLow(v2, v3) + Avx.UnpackHigh(v2, v3);
            Vector256<float> sums = Avx.Shuffle(s01, s23, 0x44) + Avx.Shuffle(s01, s23, 0xEE);
            return sums.GetLower() + sums.GetUpper();
        }
        return Vector128.Create(SumLanes(v0), SumLanes(v1), SumLanes(v2), SumLanes(v3));
    }

    private static float SumLanes(Vector256<float> v) =>
        ((v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3))) + ((v.GetElement(4) + v.GetElement(6)) + (v.GetElement(5) + v.GetElement(7)));

    public static int EdgeColumns => 3;
    public static int EdgeColumnTiles => 8;

    /// <summary>
    /// A last panel of 1–3 columns, one column at a time: eight A micro-panels at once, each k step one
    /// 4-row vector per panel (MR = 4 floats, contiguous in the packed panel) times B's element broadcast,
    /// eight 128-bit accumulators. The 4×8 edge would compute 8 columns per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeColumnKernel(int tiles, int kc, float* a, float* b, nint bStride, int columns, float alpha, float* tile)
    {
        Debug.Assert(tiles is > 0 and <= 8 && columns is > 0 and <= 3);
        // Fewer than eight tiles: the missing ones repeat the last, and their sums are not read.
        nint panel = 4 * (nint)kc, last = (tiles - 1) * panel;
        float* a0 = a, a1 = a + Math.Min(panel, last), a2 = a + Math.Min(2 * panel, last), a3 = a + Math.Min(3 * panel, last);
        float* a4 = a + Math.Min(4 * panel, last), a5 = a + Math.Min(5 * panel, last), a6 = a + Math.Min(6 * panel, last), a7 = a + Math.Min(7 * panel, last);
        Vector128<float> va = Vector128.Create(alpha);
        for (int j = 0; j < columns; j++, tile += 32)
        {
            Vector128<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            float* column = b + j;
            for (nint p = 0, end = 4 * (nint)kc; p < end; p += 4, column += bStride)
            {
                Vector128<float> bj = Vector128.Create(*column);
                c0 = Vector128.FusedMultiplyAdd(Vector128.Load(a0 + p), bj, c0);
                c1 = Vector128.FusedMultiplyAdd(Vector128.Load(a1 + p), bj, c1);
                c2 = Vector128.FusedMultiplyAdd(Vector128.Load(a2 + p), bj, c2);
                c3 = Vector128.FusedMultiplyAdd(Vector128.Load(a3 + p), bj, c3);
                c4 = Vector128.FusedMultiplyAdd(Vector128.Load(a4 + p), bj, c4);
                c5 = Vector128.FusedMultiplyAdd(Vector128.Load(a5 + p), bj, c5);
                c6 = Vector128.FusedMultiplyAdd(Vector128.Load(a6 + p), bj, c6);
                c7 = Vector128.FusedMultiplyAdd(Vector128.Load(a7 + p), bj, c7);
            }
            (c0 * va).Store(tile + 0);
            (c1 * va).Store(tile + 4);
            (c2 * va).Store(tile + 8);
            (c3 * va).Store(tile + 12);
            (c4 * va).Store(tile + 16);
            (c5 * va).Store(tile + 20);
            (c6 * va).Store(tile + 24);
            (c7 * va).Store(tile + 28);
        }
    }
}
