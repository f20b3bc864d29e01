using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// Packing for <see cref="Gemm"/>: copies a block of op(A) into MR-row micro-panels and a block of
/// op(B) into NR-column micro-panels, in the order the micro-kernel reads them. Packing absorbs the
/// transposes and leading dimensions and zero-pads the last panel, so the micro-kernel sees only
/// contiguous, full panels.
/// </summary>
internal static unsafe class Pack
{
    /// <summary>
    /// 4 KiB in floats: addresses this far apart, or any multiple of it, fall into the same L1 set on x64
    /// cores with 64 sets of 64-byte lines (Zen 3 and Zen 4: 32 KiB, 8 ways), so rows of a matrix that
    /// far apart compete for one set's 8 lines, and also crowd a few L2 sets.
    /// </summary>
    public const int L1SetPeriodFloats = 1024;

    /// <summary>
    /// Packs op(A)[row0 .. row0 + mc, col0 .. col0 + kc) into ⌈mc/MR⌉ panels of kc×MR floats: panel r
    /// starts at destination + r·MR·kc and holds element (row0 + r·MR + i, col0 + p) at p·MR + i; rows
    /// at or beyond mc are zero. op(A)(r, p) is a[r·lda + p], or a[p·lda + r] when transposed.
    /// </summary>
    /// <remarks>
    /// A transposed A is read panel by panel (MR floats from each of kc rows). Reading it row by row
    /// instead, one stream with an MR-float piece to every panel, as <see cref="B"/> reads a
    /// non-transposed B, measured ×0.92–1.02 (Zen 3, 15 rounds: 256³ TN ×0.93, 1024³ ×0.96–1.00, the
    /// batch-32 and batch-128 weight gradients ×0.98–1.02): the many short write streams cost more than
    /// the read streams save.
    /// A non-transposed A is packed in this separate pass, not by the tiles of a block's first B panel
    /// while they compute (as a non-transposed B is). Tried on Zen 3 (Vector256, 11 alternating rounds
    /// with a repeat control): those tiles broadcast A from its rows and store each value into the packed
    /// panel (clean JIT output, 4 stores more per k step), ×0.95–1.01 on 256³–1024³, 128×256×784,
    /// 128×256×256 and 32×256×784, and with A's rows prefetched 64 or 128 floats ahead ×0.88–1.03.
    /// Skipping A's packing altogether (wrong results, an upper bound) gained only ×1.00–1.09: the cost is
    /// reading A from L3, which the tiles pay as much as this pass. Prefetching the rows 4, 8 or 12 rows
    /// ahead in this pass measured ×0.91–1.07 over three runs, no consistent sign. The first prototypes
    /// read their switch from the environment, which alone can read a few percent slow against the
    /// committed code; the 8-row prefetch as a constant measured ×0.91–1.02.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void A<TKernel>(bool transposed, float* a, nint lda, int row0, int col0, int mc, int kc, float* destination)
        where TKernel : IGemmKernel
    {
        int mr = TKernel.MR;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = destination + (nint)ir * kc;
            if (transposed)
            {
                float* source = a + (nint)col0 * lda + row0 + ir;
                if (rows == mr)
                {
                    for (int p = 0; p < kc; p++, source += lda)
                        Unsafe.CopyBlockUnaligned(panel + p * mr, source, (uint)(TKernel.MR * sizeof(float)));
                }
                else
                {
                    for (int p = 0; p < kc; p++, source += lda)
                    {
                        float* target = panel + p * mr;
                        for (int i = 0; i < rows; i++) target[i] = source[i];
                        for (int i = rows; i < mr; i++) target[i] = 0f;
                    }
                }
            }
            else
            {
                // Reading MR rows at once keeps the writes sequential; MR read streams suit the prefetchers.
                float* source = a + (nint)(row0 + ir) * lda + col0;
                if (rows == mr && mr is 4 or 8)
                {
                    PackRows(source, lda, kc, panel, mr);
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    float* target = panel + p * mr;
                    float* column = source + p;
                    for (int i = 0; i < rows; i++) target[i] = column[i * lda];
                    for (int i = rows; i < mr; i++) target[i] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[row0 .. row0 + kc, col0 .. col0 + nc) into ⌈nc/NR⌉ panels of kc×NR floats: panel j
    /// starts at destination + j·NR·kc and holds element (row0 + p, col0 + j·NR + q) at p·NR + q;
    /// columns at or beyond nc are zero. op(B)(p, q) is b[p·ldb + q], or b[q·ldb + p] when transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void B<TKernel>(bool transposed, float* b, nint ldb, int row0, int col0, int kc, int nc, float* destination)
        where TKernel : IGemmKernel
    {
        int nr = TKernel.NR;
        if (!transposed)
        {
            PackRowOrder<TKernel>(b + (nint)row0 * ldb + col0, ldb, kc, nc, destination);
            return;
        }
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = destination + (nint)jr * kc;
            Transpose(b + (nint)(col0 + jr) * ldb + row0, ldb, kc, cols, panel, nr);
            for (int q = cols; q < nr; q++)
            {
                float* target = panel + q;
                for (int p = 0; p < kc; p++) target[p * nr] = 0f;
            }
        }
        Debug.Assert(nc > 0);
    }

    /// <summary>
    /// The non-transposed case of <see cref="B"/>: row p of the block goes to row p of every panel, so the
    /// source is read as whole rows in order, one at a time, or 4 at a time (4 streams) when the panels
    /// are a multiple of <see cref="L1SetPeriodFloats"/> apart.
    /// </summary>
    /// <remarks>
    /// With panels 4 KiB apart or a multiple (kc·NR a multiple of 1024: 128-bit panels 256 deep, 256-bit
    /// panels 256 or 384 deep), one row of every panel falls into the same L1 set, and each line was
    /// evicted between the writes of its rows. Writing 4 rows of a panel at a time (Zen 3, 1 thread, 11–15
    /// alternating rounds, against one row at a time): 128 bits 8×1024×1024 ×1.74, 12×1024×1024 ×1.73,
    /// 8×1024×512 ×1.67 (B packed rather than read in place); 256 bits 16×1024×512 ×1.11–1.16,
    /// 32×2048×768 ×1.11–1.14, 64×1024×512 ×1.04, 64×2048×512 ×1.05, 512³ ×1.00. Where the panels do not
    /// alias, groups measured ×0.96–0.98 (8 and 12×1024×1024 at 256 bits) and are not used.
    /// Packing only a last partial panel (16 columns of n = 256, rows ldb apart) took 3.7–4.8% of the
    /// perf samples of a 32×256×784 product (Vector256, three profiles), and its EdgeKernel 3.9–5.2%, for
    /// 6% of the FMAs. Prefetching such short rows 8 or 16 rows ahead measured ×0.99–1.04 (Zen 3, 21–25
    /// alternating rounds, two runs; 32, 64 and 128×256×784, 32×256×256, 64³, 128³, 256³) beside
    /// repeat controls of ×0.98–1.02. Not adopted.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowOrder<TKernel>(float* source, nint ld, int kc, int nc, float* destination) where TKernel : IGemmKernel
    {
        int nr = TKernel.NR;
        int fullPanels = nc / nr, cols = nc - fullPanels * nr;
        nint panelStride = (nint)nr * kc;
        float* tail = destination + fullPanels * panelStride;
        int vectorColumns = cols & ~3;
        int rows = panelStride % L1SetPeriodFloats == 0 ? 4 : 1;
        Debug.Assert(kc % rows == 0, "NR ≤ 64 floats, so panels 4 KiB apart are at least 16 rows deep");
        for (int p = 0; p < kc; p += rows)
        {
            float* group = source + p * ld;
            float* target = destination + p * nr;
            for (int j = 0; j < fullPanels; j++, target += panelStride)
                for (int r = 0; r < rows; r++)
                    Unsafe.CopyBlockUnaligned(target + r * nr, group + r * ld + j * nr, (uint)(TKernel.NR * sizeof(float)));
            if (cols == 0) continue;
            for (int r = 0; r < rows; r++)
            {
                // The last panel of a width that is not a multiple of NR: whole 4-float pieces as vectors
                // (element by element this loop was 11% of a 64³ product).
                float* from = group + r * ld + fullPanels * nr, to = tail + (p + r) * nr;
                int q = 0;
                for (; q < vectorColumns; q += 4) Vector128.Load(from + q).Store(to + q);
                for (; q < cols; q++) to[q] = from[q];
                for (; q < nr; q++) to[q] = 0f;
            }
        }
    }

    /// <summary>
    /// panel[p·mr + i] = source[i·ld + p] for i &lt; mr (4 or 8), p &lt; kc: one pass with mr read streams,
    /// 8-column blocks transposed in registers where the hardware has AVX (<see cref="Vector256Kernel.TransposesInRegisters"/>).
    /// </summary>
    /// <remarks>
    /// Measured on Zen 4 before the register transposes: the element-by-element loop was 19% of a 64³
    /// product's time and 4% of a 512³ one's.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(float* source, nint ld, int kc, float* panel, int mr)
    {
        if (Vector256Kernel.TransposesInRegisters && mr == 8)
        {
            Vector256Kernel.TransposeBlocks(source, ld, kc, panel, 8, 8);
            return;
        }
        int p = 0;
        if (Vector256Kernel.TransposesInRegisters)
        {
            p = kc & ~7;
            Vector256Kernel.TransposeFourRows(source, ld, p, panel);
        }
        float* r0 = source, r1 = source + ld, r2 = source + 2 * ld, r3 = source + 3 * ld;
        if (mr == 4)
        {
            for (; p < kc; p++)
            {
                float* target = panel + p * 4;
                target[0] = r0[p]; target[1] = r1[p]; target[2] = r2[p]; target[3] = r3[p];
            }
            return;
        }
        float* r4 = source + 4 * ld, r5 = source + 5 * ld, r6 = source + 6 * ld, r7 = source + 7 * ld;
        for (; p < kc; p++)
        {
            float* target = panel + p * 8;
            target[0] = r0[p]; target[1] = r1[p]; target[2] = r2[p]; target[3] = r3[p];
            target[4] = r4[p]; target[5] = r5[p]; target[6] = r6[p]; target[7] = r7[p];
        }
    }

    /// <summary>
    /// target[p·ldTarget + q] = source[q·ld + p] for q &lt; columns and p &lt; count: a transpose, in 8×8
    /// register blocks where the hardware has AVX (<see cref="Vector256Kernel.TransposesInRegisters"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* source, nint ld, int count, int columns, float* target, int ldTarget)
    {
        int q0 = 0;
        if (Vector256Kernel.TransposesInRegisters)
        {
            q0 = columns & ~7;
            Vector256Kernel.TransposeBlocks(source, ld, count, target, q0, ldTarget);
        }
        for (int q = q0; q < columns; q++)
        {
            float* from = source + q * ld;
            for (int p = 0; p < count; p++) target[p * ldTarget + q] = from[p];
        }
    }
}
