using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// AVX-512: an 8×32 register tile, 16 zmm accumulators + 2 B vectors + 1 broadcast = 19 of 32 zmm.
/// </summary>
/// <remarks>
/// 8×32: tiles from 6×32 to 14×32 measured alike on double-pumped 512-bit FMAs, and 8 rows match
/// training batches, so M edges rarely need the scratch tile and skinny products waste least. KC =
/// 384 streams a 48 KiB B micro-panel from L2 in order and halves the C traffic of 192; also for B
/// read in place, whose 128-byte rows are whole cache lines. MC = 144, NC = 2048. FusedMultiplyAdd
/// maps to vfmadd231ps zmm; where Vector512 runs emulated it is computed per lane in software.
/// Measurements: perf-results/tuning/gemm-vector512.md.
/// </remarks>
internal readonly unsafe struct Vector512Kernel : IGemmKernel
{
    public static SmallKernels SmallKernels => SmallKernels.Narrow;
    public static int MR => 8;
    public static int NR => 32;
    public static int KC => 384;
    public static int KCInPlace => 384;
    public static int MC => 144;
    public static int NC => 2048;
    /// <summary>
    /// B's 128-byte rows are whole cache lines, so reading them in place pays up to 256 rows
    /// (perf-results/tuning/gemm-vector512.md).
    /// </summary>
    public static int BInPlaceRows => 256;
    public static SimdLevel Level => SimdLevel.Vector512;
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        if (bStride == NR) Tile<ReadsPackedBPanel, FoldsNoColumn>(kc, a, b, bStride, null, null, 0, c, ldc, alpha, beta);
        else Tile<ReadsBPanel, FoldsNoColumn>(kc, a, b, bStride, null, null, 0, c, ldc, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernelPackingB(int kc, float* a, float* b, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta)
        => Tile<StoresBPanel, FoldsNoColumn>(kc, a, b, ldb, packedB, null, 0, c, ldc, alpha, beta);

    public static int FoldColumns => 2;

    /// <summary>
    /// <see cref="MicroKernel"/> with one or two more columns from the last panel: each k step also loads the
    /// eight A values of the step as one 256-bit vector (they are contiguous in the packed panel) and
    /// multiplies it by the edge's elements broadcast, one accumulator per column down the tile's rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void MicroKernelFolding(int kc, float* a, float* b, nint bStride, float* edge, nint edgeStride, int columns, float* c, nint ldc, float alpha, float beta)
    {
        Debug.Assert(columns is 1 or 2);
        if (bStride == NR)
        {
            if (columns == 1) Tile<ReadsPackedBPanel, FoldsOneColumn>(kc, a, b, bStride, null, edge, edgeStride, c, ldc, alpha, beta);
            else Tile<ReadsPackedBPanel, FoldsTwoColumns>(kc, a, b, bStride, null, edge, edgeStride, c, ldc, alpha, beta);
        }
        else if (columns == 1) Tile<ReadsBPanel, FoldsOneColumn>(kc, a, b, bStride, null, edge, edgeStride, c, ldc, alpha, beta);
        else Tile<ReadsBPanel, FoldsTwoColumns>(kc, a, b, bStride, null, edge, edgeStride, c, ldc, alpha, beta);
    }

    /// <summary>
    /// The micro-kernels, each compiled on its own so that the accumulators stay in registers; with TFold
    /// columns, also those columns of edge (rows edgeStride apart) into C's columns NR, NR + 1, each element
    /// computed and merged as <see cref="EdgeColumnKernel"/> and the scratch-tile merge compute it.
    /// </summary>
    /// <remarks>
    /// The k loop is unrolled by 4 and a packed panel's row distance is a constant, as in <see
    /// cref="Vector256Kernel"/>: per k step it removes about 3 of the 30 instructions.
    /// Measurements: perf-results/tuning/gemm-vector512.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TStore, TFold>(int kc, float* a, float* b, nint bStride, float* packedB, float* edge, nint edgeStride, float* c, nint ldc, float alpha, float beta)
        where TStore : struct, IBPanelSource where TFold : struct, IColumnCount
    {
        MicroKernelSupport.PrefetchTile(c, ldc, 8, 32 + TFold.Value);
        Vector256<float> e0 = default, e1 = default;
        nint edgeStride2 = 2 * edgeStride, edgeStride3 = 3 * edgeStride, edgeStride4 = 4 * edgeStride;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        nint stride = TStore.Packed ? NR : bStride;
        // Held outside the loop, with a pointer to the rows a packing kernel prefetches, as in Vector256,
        // whose JIT output recomputed 2·, 3·, 4· and 8·bStride in every iteration when B is read in place.
        nint stride2 = 2 * stride, stride3 = 3 * stride, stride4 = 4 * stride;
        float* bAhead = b + MicroKernelSupport.PackingPrefetchRows * stride;
        for (int steps = kc >> 2; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            FoldStep<TFold>(a, 0, edge, edgeStride, ref e0, ref e1);
            Step<TStore>(a, b, 1, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            FoldStep<TFold>(a, 1, edge + edgeStride, edgeStride, ref e0, ref e1);
            Step<TStore>(a, b, 2, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            FoldStep<TFold>(a, 2, edge + edgeStride2, edgeStride, ref e0, ref e1);
            Step<TStore>(a, b, 3, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            FoldStep<TFold>(a, 3, edge + edgeStride3, edgeStride, ref e0, ref e1);
            a += 32;
            b += stride4;
            if (TFold.Value > 0) edge += edgeStride4;
            if (TStore.Stores)
            {
                bAhead += stride4;
                packedB += 128;
            }
        }
        for (int steps = kc & 3; steps != 0; steps--)
        {
            Step<TStore>(a, b, 0, stride, stride2, stride3, bAhead, packedB, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            FoldStep<TFold>(a, 0, edge, edgeStride, ref e0, ref e1);
            a += 8;
            b += stride;
            if (TFold.Value > 0) edge += edgeStride;
            if (TStore.Stores)
            {
                bAhead += stride;
                packedB += 32;
            }
        }
        if (TFold.Value > 0) MergeFolded<TFold>(e0, e1, c + 32, ldc, alpha, beta);
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c + 0 * ldc + 0);
            (c01 * va).Store(c + 0 * ldc + 16);
            (c10 * va).Store(c + 1 * ldc + 0);
            (c11 * va).Store(c + 1 * ldc + 16);
            (c20 * va).Store(c + 2 * ldc + 0);
            (c21 * va).Store(c + 2 * ldc + 16);
            (c30 * va).Store(c + 3 * ldc + 0);
            (c31 * va).Store(c + 3 * ldc + 16);
            (c40 * va).Store(c + 4 * ldc + 0);
            (c41 * va).Store(c + 4 * ldc + 16);
            (c50 * va).Store(c + 5 * ldc + 0);
            (c51 * va).Store(c + 5 * ldc + 16);
            (c60 * va).Store(c + 6 * ldc + 0);
            (c61 * va).Store(c + 6 * ldc + 16);
            (c70 * va).Store(c + 7 * ldc + 0);
            (c71 * va).Store(c + 7 * ldc + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 0 * ldc + 0), vb, c00 * va).Store(c + 0 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 0 * ldc + 16), vb, c01 * va).Store(c + 0 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 1 * ldc + 0), vb, c10 * va).Store(c + 1 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 1 * ldc + 16), vb, c11 * va).Store(c + 1 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 2 * ldc + 0), vb, c20 * va).Store(c + 2 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 2 * ldc + 16), vb, c21 * va).Store(c + 2 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 3 * ldc + 0), vb, c30 * va).Store(c + 3 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 3 * ldc + 16), vb, c31 * va).Store(c + 3 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 4 * ldc + 0), vb, c40 * va).Store(c + 4 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 4 * ldc + 16), vb, c41 * va).Store(c + 4 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 5 * ldc + 0), vb, c50 * va).Store(c + 5 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 5 * ldc + 16), vb, c51 * va).Store(c + 5 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 6 * ldc + 0), vb, c60 * va).Store(c + 6 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 6 * ldc + 16), vb, c61 * va).Store(c + 6 * ldc + 16);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 7 * ldc + 0), vb, c70 * va).Store(c + 7 * ldc + 0);
            Vector512.FusedMultiplyAdd(Vector512.Load(c + 7 * ldc + 16), vb, c71 * va).Store(c + 7 * ldc + 16);
        }
    }

    /// <summary>
    /// k step number <paramref name="step"/> from a and b: B's row there (step·bStride on; bStride2 and
    /// bStride3 are 2· and 3·bStride) times the 8 A values. When TStore stores, the row is also copied to
    /// packedB, and the row as far on from bAhead is prefetched. Every accumulator gets one FMA, in
    /// the same order whatever the unrolling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TStore>(float* a, float* b, int step, nint bStride, nint bStride2, nint bStride3, float* bAhead, float* packedB,
        ref Vector512<float> c00, ref Vector512<float> c01,
        ref Vector512<float> c10, ref Vector512<float> c11,
        ref Vector512<float> c20, ref Vector512<float> c21,
        ref Vector512<float> c30, ref Vector512<float> c31,
        ref Vector512<float> c40, ref Vector512<float> c41,
        ref Vector512<float> c50, ref Vector512<float> c51,
        ref Vector512<float> c60, ref Vector512<float> c61,
        ref Vector512<float> c70, ref Vector512<float> c71)
        where TStore : struct, IBPanelSource
    {
        nint row = step switch { 0 => 0, 1 => bStride, 2 => bStride2, _ => bStride3 };
        Vector512<float> b0 = Vector512.Load(b + row + 0);
        Vector512<float> b1 = Vector512.Load(b + row + 16);
        if (TStore.Stores)
        {
            MicroKernelSupport.PrefetchRow(bAhead + row, 32);
            b0.Store(packedB + 32 * step + 0);
            b1.Store(packedB + 32 * step + 16);
        }
        Vector512<float> a0 = Vector512.Create(a[8 * step + 0]);
        c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
        c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
        Vector512<float> a1 = Vector512.Create(a[8 * step + 1]);
        c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
        c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
        Vector512<float> a2 = Vector512.Create(a[8 * step + 2]);
        c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
        c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
        Vector512<float> a3 = Vector512.Create(a[8 * step + 3]);
        c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
        c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
        Vector512<float> a4 = Vector512.Create(a[8 * step + 4]);
        c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
        c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
        Vector512<float> a5 = Vector512.Create(a[8 * step + 5]);
        c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
        c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
        Vector512<float> a6 = Vector512.Create(a[8 * step + 6]);
        c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
        c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
        Vector512<float> a7 = Vector512.Create(a[8 * step + 7]);
        c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
        c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
    }

    /// <summary>
    /// The folded columns' k step number <paramref name="step"/>: the eight A values of the step as one vector
    /// times edge[0] (and edge[1]) broadcast, one fused multiply-add per accumulator, as <see cref="EdgeColumnPass"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldStep<TFold>(float* a, int step, float* edge, nint edgeStride, ref Vector256<float> e0, ref Vector256<float> e1)
        where TFold : struct, IColumnCount
    {
        if (TFold.Value == 0) return;
        Vector256<float> x = Vector256.Load(a + 8 * step);
        e0 = Vector256.FusedMultiplyAdd(x, Vector256.Create(edge[0]), e0);
        if (TFold.Value == 2) e1 = Vector256.FusedMultiplyAdd(x, Vector256.Create(edge[1]), e1);
    }

    /// <summary>
    /// Merges the folded columns' sums (rows down the vector) into C's columns c[i·ldc], c[i·ldc + 1] as the
    /// scratch tile of an edge is merged: t = alpha·sum, then c = t when beta is 0, else t + beta·c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeFolded<TFold>(Vector256<float> e0, Vector256<float> e1, float* c, nint ldc, float alpha, float beta)
        where TFold : struct, IColumnCount
    {
        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> t0 = e0 * va, t1 = e1 * va;
        for (int i = 0; i < 8; i++)
        {
            float* row = c + i * ldc;
            if (beta == 0f)
            {
                row[0] = t0.GetElement(i);
                if (TFold.Value == 2) row[1] = t1.GetElement(i);
            }
            else
            {
                row[0] = t0.GetElement(i) + beta * row[0];
                if (TFold.Value == 2) row[1] = t1.GetElement(i) + beta * row[1];
            }
        }
    }

    public static int EdgeStep => 16;

    /// <summary>The 8×16 edge: the only width below NR = 32 is one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeKernel(int tiles, int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta, int width)
    {
        Debug.Assert(width == 16);
        // Each tile advances a to the next A micro-panel (they are consecutive) and b down its panel.
        float* panel = b;
        for (; tiles > 0; tiles--, c += 8 * ldc, b = panel)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(b);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
                a += 8;
                b += bStride;
            }
            Vector512<float> va = Vector512.Create(alpha);
            if (beta == 0f)
            {
                (c0 * va).Store(c + 0 * ldc);
                (c1 * va).Store(c + 1 * ldc);
                (c2 * va).Store(c + 2 * ldc);
                (c3 * va).Store(c + 3 * ldc);
                (c4 * va).Store(c + 4 * ldc);
                (c5 * va).Store(c + 5 * ldc);
                (c6 * va).Store(c + 6 * ldc);
                (c7 * va).Store(c + 7 * ldc);
            }
            else
            {
                Vector512<float> vb = Vector512.Create(beta);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 0 * ldc), vb, c0 * va).Store(c + 0 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 1 * ldc), vb, c1 * va).Store(c + 1 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 2 * ldc), vb, c2 * va).Store(c + 2 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 3 * ldc), vb, c3 * va).Store(c + 3 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 4 * ldc), vb, c4 * va).Store(c + 4 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 5 * ldc), vb, c5 * va).Store(c + 5 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 6 * ldc), vb, c6 * va).Store(c + 6 * ldc);
                Vector512.FusedMultiplyAdd(Vector512.Load(c + 7 * ldc), vb, c7 * va).Store(c + 7 * ldc);
            }
        }
    }

    public static int EdgeColumns => 6;
    public static int EdgeColumnTiles => 8;

    /// <summary>
    /// A last panel of 1–6 columns, two columns at a time: eight A micro-panels at once, each k step one
    /// 8-row vector per panel (MR = 8 floats, contiguous in the packed panel) times B's two elements
    /// broadcast, sixteen 256-bit accumulators. The 8×16 edge would compute 16 columns per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeColumnKernel(int tiles, int kc, float* a, float* b, nint bStride, int columns, float alpha, float* tile)
    {
        Debug.Assert(tiles is > 0 and <= 8 && columns is > 0 and <= 6);
        // Fewer than eight tiles: the missing ones repeat the last, and their sums are not read.
        nint panel = 8 * (nint)kc, last = (tiles - 1) * panel;
        float* a1 = a + Math.Min(panel, last), a2 = a + Math.Min(2 * panel, last), a3 = a + Math.Min(3 * panel, last);
        float* a4 = a + Math.Min(4 * panel, last), a5 = a + Math.Min(5 * panel, last), a6 = a + Math.Min(6 * panel, last), a7 = a + Math.Min(7 * panel, last);
        int j = 0;
        for (; j + 2 <= columns; j += 2, tile += 128)
            EdgeColumnPass(true, kc, a, a1, a2, a3, a4, a5, a6, a7, b + j, bStride, alpha, tile);
        if (j < columns)
            EdgeColumnPass(false, kc, a, a1, a2, a3, a4, a5, a6, a7, b + j, bStride, alpha, tile);
    }

    /// <summary>
    /// One column (b) or, when <paramref name="two"/>, two (b, b + 1) of <see cref="EdgeColumnKernel"/>
    /// for the eight A micro-panels a0–a7; the second column's sums go 64 floats after the first's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EdgeColumnPass(bool two, int kc, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, float* a6, float* a7,
        float* b, nint bStride, float alpha, float* tile)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        for (nint p = 0, end = 8 * (nint)kc; p < end; p += 8, b += bStride)
        {
            Vector256<float> x0 = Vector256.Load(a0 + p), x1 = Vector256.Load(a1 + p), x2 = Vector256.Load(a2 + p), x3 = Vector256.Load(a3 + p);
            Vector256<float> x4 = Vector256.Load(a4 + p), x5 = Vector256.Load(a5 + p), x6 = Vector256.Load(a6 + p), x7 = Vector256.Load(a7 + p);
            Vector256<float> first = Vector256.Create(b[0]);
            c0 = Vector256.FusedMultiplyAdd(x0, first, c0);
            c1 = Vector256.FusedMultiplyAdd(x1, first, c1);
            c2 = Vector256.FusedMultiplyAdd(x2, first, c2);
            c3 = Vector256.FusedMultiplyAdd(x3, first, c3);
            c4 = Vector256.FusedMultiplyAdd(x4, first, c4);
            c5 = Vector256.FusedMultiplyAdd(x5, first, c5);
            c6 = Vector256.FusedMultiplyAdd(x6, first, c6);
            c7 = Vector256.FusedMultiplyAdd(x7, first, c7);
            if (two)
            {
                Vector256<float> second = Vector256.Create(b[1]);
                d0 = Vector256.FusedMultiplyAdd(x0, second, d0);
                d1 = Vector256.FusedMultiplyAdd(x1, second, d1);
                d2 = Vector256.FusedMultiplyAdd(x2, second, d2);
                d3 = Vector256.FusedMultiplyAdd(x3, second, d3);
                d4 = Vector256.FusedMultiplyAdd(x4, second, d4);
                d5 = Vector256.FusedMultiplyAdd(x5, second, d5);
                d6 = Vector256.FusedMultiplyAdd(x6, second, d6);
                d7 = Vector256.FusedMultiplyAdd(x7, second, d7);
            }
        }
        Vector256<float> va = Vector256.Create(alpha);
        (c0 * va).Store(tile + 0);
        (c1 * va).Store(tile + 8);
        (c2 * va).Store(tile + 16);
        (c3 * va).Store(tile + 24);
        (c4 * va).Store(tile + 32);
        (c5 * va).Store(tile + 40);
        (c6 * va).Store(tile + 48);
        (c7 * va).Store(tile + 56);
        if (two)
        {
            (d0 * va).Store(tile + 64);
            (d1 * va).Store(tile + 72);
            (d2 * va).Store(tile + 80);
            (d3 * va).Store(tile + 88);
            (d4 * va).Store(tile + 96);
            (d5 * va).Store(tile + 104);
            (d6 * va).Store(tile + 112);
            (d7 * va).Store(tile + 120);
        }
    }

    public static int NarrowRows => 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NarrowKernel(int k, float* a, nint rowStride, nint colStride, float* b, float* tile)
    {
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default, c60 = default, c70 = default;
        float* a0 = a + 0 * rowStride;
        float* a1 = a + 1 * rowStride;
        float* a2 = a + 2 * rowStride;
        float* a3 = a + 3 * rowStride;
        float* a4 = a + 4 * rowStride;
        float* a5 = a + 5 * rowStride;
        float* a6 = a + 6 * rowStride;
        float* a7 = a + 7 * rowStride;
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> x0 = Vector512.Create(*a0);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            Vector512<float> x1 = Vector512.Create(*a1);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10);
            Vector512<float> x2 = Vector512.Create(*a2);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20);
            Vector512<float> x3 = Vector512.Create(*a3);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30);
            Vector512<float> x4 = Vector512.Create(*a4);
            c40 = Vector512.FusedMultiplyAdd(x4, b0, c40);
            Vector512<float> x5 = Vector512.Create(*a5);
            c50 = Vector512.FusedMultiplyAdd(x5, b0, c50);
            Vector512<float> x6 = Vector512.Create(*a6);
            c60 = Vector512.FusedMultiplyAdd(x6, b0, c60);
            Vector512<float> x7 = Vector512.Create(*a7);
            c70 = Vector512.FusedMultiplyAdd(x7, b0, c70);
            a0 += colStride;
            a1 += colStride;
            a2 += colStride;
            a3 += colStride;
            a4 += colStride;
            a5 += colStride;
            a6 += colStride;
            a7 += colStride;
            b += 16;
        }
        c00.Store(tile + 0);
        c10.Store(tile + 16);
        c20.Store(tile + 32);
        c30.Store(tile + 48);
        c40.Store(tile + 64);
        c50.Store(tile + 80);
        c60.Store(tile + 96);
        c70.Store(tile + 112);
    }
}
