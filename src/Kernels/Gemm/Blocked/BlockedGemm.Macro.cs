using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The macro-kernel: the two inner loops (jr → ir) over the tiles of one block of C.</summary>
internal static unsafe partial class BlockedGemm
{
    /// <summary>
    /// The two inner loops: every MR×NR tile of an mc×nc block of C. B panels come from packedB
    /// (kc×NR each, in order). When bRows is not null and bTransposed, bRows is op(B)'s block stored
    /// transposed (its column q at bRows + q·ldb), and each panel is packed into its place in packedB
    /// just before its first tile. Otherwise, when bRows is not null, full panels are read from bRows
    /// (rows ldb apart): with packB, the first tile of each (mc ≥ MR) packs it into its place in packedB
    /// for the tiles below, which a last partial panel already holds; without, every tile reads it in
    /// place, and a last partial panel is at the start of packedB. When edgeRows is not null, a last
    /// partial panel is read from there instead (op(B)'s block, rows ldb apart; <see cref="ReadsEdgeInPlace"/>).
    /// A last partial panel of at most <see cref="IGemmKernel.FoldColumns"/> columns is computed by the full row
    /// tiles of the panel before it (<see cref="IGemmKernel.MicroKernelFolding"/>) where it is packed or read in place
    /// before them, and otherwise, like one of at most <see cref="IGemmKernel.EdgeColumns"/> columns, goes through <see cref="EdgeColumns"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Macro<TKernel>(int mc, int nc, int kc, float* packedA, float* packedB, float* bRows, nint ldb, bool packB, bool bTransposed,
        float* c, nint ldc, float alpha, float beta, float* tile, float* edgeRows) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // A transposed B's last panel is packed only when its own turn comes, too late to fold.
        int fullColumns = nc - nc % nr, foldColumns = nc - fullColumns;
        float* fold = null;
        nint foldStride = nr;
        if (foldColumns > 0 && foldColumns <= TKernel.FoldColumns && fullColumns > 0 && mc >= mr && !(bTransposed && bRows != null))
        {
            if (edgeRows != null)
            {
                fold = edgeRows + fullColumns;
                foldStride = ldb;
            }
            else fold = bRows == null || packB ? packedB + (nint)fullColumns * kc : packedB;
        }
        // The full row tiles [foldStart, foldEnd) of the last full panel compute the folded columns.
        int foldStart = 0, foldEnd = 0;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* b;
            nint bStride = nr;
            int ir = 0;
            if (cols < nr && edgeRows != null)
            {
                b = edgeRows + jr;
                bStride = ldb;
            }
            else if (bRows == null) b = packedB + (nint)jr * kc;
            else if (bTransposed)
            {
                b = packedB + (nint)jr * kc;
                Pack.B<TKernel>(true, bRows + jr * ldb, ldb, 0, 0, kc, cols, b);
            }
            else if (packB)
            {
                b = packedB + (nint)jr * kc;
                if (cols == nr)
                {
                    Debug.Assert(mc >= mr);
                    TKernel.MicroKernelPackingB(kc, packedA, bRows + jr, ldb, b, c + jr, ldc, alpha, beta);
                    ir = mr;
                }
            }
            else if (cols == nr)
            {
                b = bRows + jr;
                bStride = ldb;
            }
            else b = packedB;
            if (cols < nr && fold != null)
            {
                // The tiles that did not fold: a packing first tile and a last tile of fewer than MR rows.
                if (foldStart > 0) EdgeColumns<TKernel>(foldStart, kc, packedA, fold, foldStride, cols, c + jr, ldc, alpha, beta, tile);
                if (foldEnd < mc) EdgeColumns<TKernel>(mc - foldEnd, kc, packedA + (nint)foldEnd * kc, fold, foldStride, cols, c + foldEnd * ldc + jr, ldc, alpha, beta, tile);
                continue;
            }
            if (cols < nr && cols <= TKernel.EdgeColumns)
            {
                EdgeColumns<TKernel>(mc, kc, packedA, b, bStride, cols, c + jr, ldc, alpha, beta, tile);
                continue;
            }
            bool folds = fold != null && jr + nr == fullColumns;
            if (folds) (foldStart, foldEnd) = (ir, mc / mr * mr);
            if (cols < nr && cols % TKernel.EdgeStep == 0 && mc >= mr)
            {
                // Last panel, whole vectors wide: only its real columns are computed, straight into C,
                // every full row tile in one call.
                TKernel.EdgeKernel(mc / mr, kc, packedA, b, bStride, c + jr, ldc, alpha, beta, cols);
                ir = mc / mr * mr;
            }
            for (; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* a = packedA + (nint)ir * kc;
                float* target = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    if (folds) TKernel.MicroKernelFolding(kc, a, b, bStride, fold, foldStride, foldColumns, target, ldc, alpha, beta);
                    else TKernel.MicroKernel(kc, a, b, bStride, target, ldc, alpha, beta);
                }
                else
                {
                    // Edge tile: compute it into scratch (only the vectors that hold real columns), then
                    // merge the valid part.
                    int width = (cols + TKernel.EdgeStep - 1) / TKernel.EdgeStep * TKernel.EdgeStep;
                    if (width == nr) TKernel.MicroKernel(kc, a, b, bStride, tile, nr, alpha, 0f);
                    else TKernel.EdgeKernel(1, kc, a, b, bStride, tile, nr, alpha, 0f, width);
                    for (int i = 0; i < rows; i++)
                    {
                        float* source = tile + i * nr;
                        float* row = target + i * ldc;
                        if (beta == 0f)
                            for (int j = 0; j < cols; j++) row[j] = source[j];
                        else
                            for (int j = 0; j < cols; j++) row[j] = source[j] + beta * row[j];
                    }
                }
            }
        }
    }

    /// <summary>
    /// A last panel of at most <see cref="IGemmKernel.EdgeColumns"/> columns, every row tile of the block
    /// through <see cref="IGemmKernel.EdgeColumnKernel"/> into the scratch tile, merged into C as an edge
    /// tile is: c = t when beta is 0, else t + beta·c, t the tile's alpha-scaled sum.
    /// </summary>
    private static void EdgeColumns<TKernel>(int mc, int kc, float* packedA, float* b, nint bStride, int cols,
        float* c, nint ldc, float alpha, float beta, float* tile) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, group = TKernel.EdgeColumnTiles;
        nint columnStride = (nint)group * mr;
        for (int ir = 0; ir < mc; ir += group * mr)
        {
            int tiles = Math.Min(group, (mc - ir + mr - 1) / mr);
            TKernel.EdgeColumnKernel(tiles, kc, packedA + (nint)ir * kc, b, bStride, cols, alpha, tile);
            int rows = Math.Min(tiles * mr, mc - ir);
            for (int i = 0; i < rows; i++)
            {
                float* source = tile + i;
                float* row = c + (ir + i) * ldc;
                if (beta == 0f)
                    for (int j = 0; j < cols; j++) row[j] = source[j * columnStride];
                else
                    for (int j = 0; j < cols; j++) row[j] = source[j * columnStride] + beta * row[j];
            }
        }
    }
}
