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
    /// A transposed A is read four panels at a time where MR is 4 or 8 (whole cache lines of each of its rows),
    /// otherwise panel by panel: reading it row by row, a piece for every panel, made many short write
    /// streams that cost more than the read streams saved. A non-transposed A is packed in a separate pass:
    /// packing it in the tiles of the first B panel, or prefetching it, did not pay, because the
    /// cost is reading A from L3, which those tiles pay as well. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void A<TKernel>(bool transposed, float* a, nint lda, int row0, int col0, int mc, int kc, float* destination)
        where TKernel : IGemmKernel
    {
        int mr = TKernel.MR;
        int ir = 0;
        if (transposed && mr is 4 or 8)
        {
            // Four panels at a time: 4·MR contiguous floats of each row of the stored A, whole cache lines.
            for (; ir + 4 * mr <= mc; ir += 4 * mr)
            {
                float* source = a + (nint)col0 * lda + row0 + ir, target = destination + (nint)ir * kc;
                if (mr == 8) PackTransposedPanels8(source, lda, kc, target);
                else PackTransposedPanels4(source, lda, kc, target);
            }
        }
        for (; ir < mc; ir += mr)
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
    /// panel q (at destination + q·8·kc) gets source[p·ld + 8q + i] at p·8 + i for q &lt; 4, i &lt; 8, p &lt; kc: four
    /// consecutive 8-row panels of a transposed A in one pass over its rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackTransposedPanels8(float* source, nint ld, int kc, float* destination)
    {
        nint panel = 8 * (nint)kc;
        float* d0 = destination, d1 = destination + panel, d2 = destination + 2 * panel, d3 = destination + 3 * panel;
        for (nint p = 0, end = 8 * (nint)kc; p < end; p += 8, source += ld)
        {
            Vector256.Load(source).Store(d0 + p);
            Vector256.Load(source + 8).Store(d1 + p);
            Vector256.Load(source + 16).Store(d2 + p);
            Vector256.Load(source + 24).Store(d3 + p);
        }
    }

    /// <summary>
    /// panel q (at destination + q·4·kc) gets source[p·ld + 4q + i] at p·4 + i for q &lt; 4, i &lt; 4, p &lt; kc: four
    /// consecutive 4-row panels of a transposed A in one pass over its rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackTransposedPanels4(float* source, nint ld, int kc, float* destination)
    {
        nint panel = 4 * (nint)kc;
        float* d0 = destination, d1 = destination + panel, d2 = destination + 2 * panel, d3 = destination + 3 * panel;
        for (nint p = 0, end = 4 * (nint)kc; p < end; p += 4, source += ld)
        {
            Vector128.Load(source).Store(d0 + p);
            Vector128.Load(source + 4).Store(d1 + p);
            Vector128.Load(source + 8).Store(d2 + p);
            Vector128.Load(source + 12).Store(d3 + p);
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
    /// Panels a multiple of 4 KiB apart put one row of every panel into the same L1 set, which
    /// evicted each line between the writes of its rows; writing 4 rows of a panel at a time avoids
    /// that. Where the panels do not alias, groups do not pay. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
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
                // The last panel of a width that is not a multiple of NR: whole 4-float pieces as vectors,
                // since element by element this loop was a large share of small products.
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
    /// The element-by-element loop was a large share of small products. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
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
