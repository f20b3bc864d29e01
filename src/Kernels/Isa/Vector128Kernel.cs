using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
internal readonly unsafe struct Vector128Kernel : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 8;
    public static int KC => 256;
    public static int KCInPlace => 256;
    public static int MC => 144;
    public static int NC => 2048;
    /// <summary>Zen 4, B in place against packed: 32×256×784 346 → 307 µs, 128×256×256 378 → 364 µs.</summary>
    public static int BInPlaceRows => 128;
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
    /// cref="Vector256Kernel"/>. Zen 3 at 128 bits (one thread, against the loop one row at a time,
    /// medians of 15 alternating rounds): 128³ ×1.04, 256³ ×1.02, 512³ ×1.08, 32×256×784 ×1.10,
    /// 128×784×256 (B transposed) ×1.05.
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
}
