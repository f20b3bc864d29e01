using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The dot paths: n ≤ 16 with rows of A read in place, and the wide dot path for a small batch times a transposed B.</summary>
internal static unsafe class DotGemm
{
    internal readonly struct DotBlocks<TKernel> : GemmSplit.IBlocks where TKernel : IGemmKernel
    {
        public static int BlockSize => DotBlockRows;
        public static void Run(ref GemmJob job, int first, int last) => DotRows<TKernel>(ref job, first, last);
    }

    internal readonly struct WideDotBlocks<TKernel> : GemmSplit.IBlocks where TKernel : IGemmKernel
    {
        public static int BlockSize => TKernel.MaxDotColumns;
        public static int Length(ref GemmJob job) => job.N;
        public static void Run(ref GemmJob job, int first, int last) => WideDotColumns<TKernel>(ref job, first, last);
    }

    /// <summary>Rows of C that the dot path computes into the tile before merging them into C and running the epilogue.</summary>
    internal const int DotBlockRows = 16;

    /// <summary>Row stride of the dot path's tile: 16 columns, plus room for the kernel's writes up to a multiple of 4 past the last group.</summary>
    internal const int DotTileColumns = GemmPaths.NarrowColumns + 8;

    /// <summary>
    /// The path for n ≤ 16 (Vector256, Vector128) chosen by <see cref="GemmPaths.Choose"/> (the forward pass of
    /// an output layer, X·W): each element of C is a dot product of a row of A, read in place (a transposed A,
    /// which comes here only with fewer than 16 rows, is transposed back first), with a row of op(B)ᵀ,
    /// which is B itself when B is stored transposed and otherwise a transposed copy made once per call
    /// (k·n floats, shared by the threads). Rows of C are computed DotRows at a time into a tile,
    /// merged into C (alpha, beta) and given the epilogue <see cref="DotBlockRows"/> rows at a time. Wider than MaxDotColumns, C is computed in even
    /// column groups, as on the column path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Dots<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        if (job.TransA)
        {
            // Fewer rows than one column block: A's m columns transposed into rows, m·k floats.
            float* rows = GemmWorkspace.Current.A((nint)job.M * job.K);
            Pack.Transpose(job.A, job.Lda, job.M, job.K, rows, job.K);
            job.A = rows;
            job.Lda = job.K;
            job.TransA = false;
        }
        if (!job.TransB)
        {
            job.SharedB = GemmWorkspace.Current.B((nint)job.K * job.N);
            Pack.Transpose(job.B, job.Ldb, job.N, job.K, job.SharedB, job.K);
        }
        GemmSplit.InBlocks<DotBlocks<TKernel>>(ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : IGemmKernel
    {
        int r = TKernel.DotRows, k = job.K, n = job.N;
        // m = 1 takes the matrix–vector path, so there are always r rows to compute together.
        Debug.Assert(job.M >= r && DotBlockRows % r == 0);
        float* b = job.TransB ? job.B : job.SharedB;
        nint ldb = job.TransB ? job.Ldb : k;
        // Tile row t holds C row i + t; r spare rows in front hold a recomputed pair that starts before i.
        float* tile = GemmWorkspace.Current.Tile + r * DotTileColumns;
        int groups = (n + TKernel.MaxDotColumns - 1) / TKernel.MaxDotColumns;
        for (int i = rowStart; i < rowEnd; i += DotBlockRows)
        {
            int rows = Math.Min(DotBlockRows, rowEnd - i);
            for (int s = i; s < i + rows; s += r)
            {
                // Last rows: recompute the r rows that end at rowEnd (m, as parts end on whole blocks). A
                // row's value does not depend on the rows computed with it, so this is exact.
                int start = Math.Min(s, rowEnd - r);
                float* a = job.A + start * job.Lda;
                float* target = tile + (start - i) * DotTileColumns;
                // Groups in order: a group's writes past its last column are overwritten by the next group.
                for (int g = 0, j = 0; g < groups; g++)
                {
                    int count = (n - j) / (groups - g);
                    DotGroup<TKernel>(count, k, a, job.Lda, b + j * ldb, ldb, target + j, DotTileColumns);
                    j += count;
                }
            }
            GemmEpilogue.MergeTile(ref job, tile, DotTileColumns, i, rows, 0, n);
            if (job.HasEpilogue)
                GemmEpilogue.Epilogue(ref job, i, rows, 0, n);
        }
    }

    /// <summary>The dot kernel compiled for <paramref name="count"/> columns.</summary>
    internal static void DotGroup<TKernel>(int count, int k, float* a, nint lda, float* b, nint ldb, float* tile, nint ldTile) where TKernel : IGemmKernel
    {
        switch (count)
        {
            case 1: TKernel.DotKernel<Columns1>(k, a, lda, b, ldb, tile, ldTile); break;
            case 2: TKernel.DotKernel<Columns2>(k, a, lda, b, ldb, tile, ldTile); break;
            case 3: TKernel.DotKernel<Columns3>(k, a, lda, b, ldb, tile, ldTile); break;
            case 4: TKernel.DotKernel<Columns4>(k, a, lda, b, ldb, tile, ldTile); break;
            case 5: TKernel.DotKernel<Columns5>(k, a, lda, b, ldb, tile, ldTile); break;
            default: Debug.Assert(count == 6); TKernel.DotKernel<Columns6>(k, a, lda, b, ldb, tile, ldTile); break;
        }
    }

    /// <summary>
    /// The path (Vector256, Vector128) chosen by <see cref="GemmPaths.Choose"/>: each element of C is the dot
    /// product of a row of A with a row of B, both read in place, nothing packed. Threads take even ranges
    /// of columns.
    /// </summary>
    internal static void WideDots<TKernel>(ref GemmJob job) where TKernel : IGemmKernel => GemmSplit.InBlocks<WideDotBlocks<TKernel>>(ref job);

    /// <summary>
    /// Columns [colStart, colEnd) of C for <see cref="WideDots"/>, computed into the thread's scratch and
    /// then merged into C (alpha, beta) and given the epilogue. Column groups are the outer loop, so a
    /// group's rows of B stay in L1 while every row pair of A meets them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WideDotColumns<TKernel>(ref GemmJob job, int colStart, int colEnd) where TKernel : IGemmKernel
    {
        int r = TKernel.DotRows, m = job.M, k = job.K, width = colEnd - colStart;
        if (width <= 0) return;
        Debug.Assert(m >= r);
        // The kernel stores whole groups of 4 columns: up to 3 floats past a group's last column, which
        // the next group overwrites and the last group's 4 spare floats absorb.
        nint ldTile = width + 4;
        float* tile = GemmWorkspace.Current.A(m * ldTile);
        float* b = job.B + colStart * job.Ldb;
        int groups = (width + TKernel.MaxDotColumns - 1) / TKernel.MaxDotColumns;
        for (int g = 0, j = 0; g < groups; g++)
        {
            int count = (width - j) / (groups - g);
            for (int s = 0; s < m; s += r)
            {
                // Last rows: recompute the r rows that end at m; a row's value does not depend on the rows computed with it.
                int start = Math.Min(s, m - r);
                DotGroup<TKernel>(count, k, job.A + start * job.Lda, job.Lda, b + j * job.Ldb, job.Ldb, tile + start * ldTile + j, ldTile);
            }
            j += count;
        }
        GemmEpilogue.MergeTile(ref job, tile, ldTile, 0, m, colStart, width);
        if (job.HasEpilogue)
            GemmEpilogue.Epilogue(ref job, 0, m, colStart, width);
    }
}
