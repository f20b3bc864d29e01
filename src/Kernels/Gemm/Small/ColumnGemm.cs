using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>The column path for n ≤ 16: vectors run down the rows of C.</summary>
internal static unsafe class ColumnGemm
{
    internal readonly struct ColumnBlocks<TKernel> : GemmSplit.IBlocks where TKernel : IGemmKernel
    {
        public static int BlockSize => TKernel.ColumnRows;
        public static void Run(ref GemmJob job, int first, int last) => ColumnRows<TKernel>(ref job, first, last);
    }

    /// <summary>
    /// The path for n ≤ 16 (Vector256, Vector128) that <see cref="GemmPaths.Choose"/> leaves (A transposed, as in
    /// the weight gradient xᵀ·δ, or a shallow sum): vectors run down ColumnRows rows of C, one accumulator per column
    /// (see <see cref="IGemmKernel"/>). B is read in place, or from a k×16 copy when it is
    /// transposed; A in place when it is transposed, else each row block is transposed into a k×ColumnRows
    /// panel first. Wider than MaxColumns, C is computed in even column groups.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Columns<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        if (job.TransB) job.SharedB = NarrowGemm.NarrowB(ref job);
        GemmSplit.InBlocks<ColumnBlocks<TKernel>>(ref job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : IGemmKernel
    {
        int r = TKernel.ColumnRows, k = job.K, n = job.N;
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* columns = workspace.Tile;
        float* b = job.TransB ? job.SharedB : job.B;
        nint ldb = job.TransB ? GemmPaths.NarrowColumns : job.Ldb;
        // Column groups as even as the register tile allows: 10 = 5 + 5, 16 = 5 + 5 + 6.
        int groups = (n + TKernel.MaxColumns - 1) / TKernel.MaxColumns;
        for (int i = rowStart; i < rowEnd; i += r)
        {
            int rows = Math.Min(r, rowEnd - i);
            // Last rows: recompute the block that ends at rowEnd and keep only its new rows. A row's value
            // does not depend on the block it is computed in, so this is exact and cheaper than a copy.
            int start = rows < r && rowEnd >= r ? rowEnd - r : i;
            int skip = i - start;
            float* a;
            nint lda;
            if (rows == r || rowEnd >= r)
            {
                if (job.TransA)
                {
                    a = job.A + start;
                    lda = job.Lda;
                }
                else
                {
                    a = workspace.A((nint)k * r);
                    Pack.Transpose(job.A + start * job.Lda, job.Lda, k, r, a, r);
                    lda = r;
                }
            }
            else
            {
                // Fewer rows in all than one block (k below one vector; see GemmPaths.Choose): a zero-padded transposed copy.
                a = workspace.A((nint)k * r);
                nint rowStride = job.TransA ? 1 : job.Lda, colStride = job.TransA ? job.Lda : 1;
                for (int p = 0; p < k; p++)
                    for (int row = 0; row < r; row++)
                        a[p * r + row] = row < rows ? job.A[(i + row) * rowStride + p * colStride] : 0f;
                lda = r;
            }
            for (int g = 0, j = 0; g < groups; g++)
            {
                int count = (n - j) / (groups - g);
                ColumnGroup<TKernel>(count, k, a, lda, b + j, ldb, columns + j * r);
                j += count;
            }
            MergeColumns(ref job, columns + skip, r, i, rows);
            if (job.HasEpilogue)
                GemmEpilogue.Epilogue(ref job, i, rows, 0, n);
        }
    }

    /// <summary>
    /// C[row0 + i, j] ← alpha·tile[j·ld + i] + beta·C[row0 + i, j] for i &lt; rows, j &lt; n (C not read when
    /// beta is 0): the column kernels' tile, transposed in 8×8 register blocks straight into C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MergeColumns(ref GemmJob job, float* tile, nint ld, int row0, int rows)
    {
        int n = job.N;
        nint ldc = job.Ldc;
        float alpha = job.Alpha, beta = job.Beta;
        float* c = job.C + row0 * ldc;
        int blockColumns = 0, blockRows = 0;
        if (Vector256Kernel.TransposesInRegisters)
        {
            blockColumns = n & ~7;
            blockRows = rows & ~7;
            Vector256<float> va = Vector256.Create(alpha), vb = Vector256.Create(beta);
            for (int j = 0; j < blockColumns; j += 8)
            {
                for (int i = 0; i < blockRows; i += 8)
                {
                    Vector256Kernel.LoadTransposed8x8(tile + j * ld + i, ld, out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3,
                        out Vector256<float> r4, out Vector256<float> r5, out Vector256<float> r6, out Vector256<float> r7);
                    float* target = c + i * ldc + j;
                    if (beta == 0f)
                    {
                        (va * r0).Store(target);
                        (va * r1).Store(target + ldc);
                        (va * r2).Store(target + 2 * ldc);
                        (va * r3).Store(target + 3 * ldc);
                        (va * r4).Store(target + 4 * ldc);
                        (va * r5).Store(target + 5 * ldc);
                        (va * r6).Store(target + 6 * ldc);
                        (va * r7).Store(target + 7 * ldc);
                    }
                    else
                    {
                        (va * r0 + vb * Vector256.Load(target)).Store(target);
                        (va * r1 + vb * Vector256.Load(target + ldc)).Store(target + ldc);
                        (va * r2 + vb * Vector256.Load(target + 2 * ldc)).Store(target + 2 * ldc);
                        (va * r3 + vb * Vector256.Load(target + 3 * ldc)).Store(target + 3 * ldc);
                        (va * r4 + vb * Vector256.Load(target + 4 * ldc)).Store(target + 4 * ldc);
                        (va * r5 + vb * Vector256.Load(target + 5 * ldc)).Store(target + 5 * ldc);
                        (va * r6 + vb * Vector256.Load(target + 6 * ldc)).Store(target + 6 * ldc);
                        (va * r7 + vb * Vector256.Load(target + 7 * ldc)).Store(target + 7 * ldc);
                    }
                }
            }
        }
        // The columns right of the 8×8 blocks in pairs, four rows at a time: two tile columns interleaved
        // into four 2-float row segments, one 64-bit store each, much cheaper than element by element
        // (perf-results/tuning/gemm-small.md).
        int pairColumns = blockColumns, pairRows = 0;
        if (Vector128Kernel.InterleavesInRegisters)
        {
            pairColumns = blockColumns + ((n - blockColumns) & ~1);
            pairRows = rows & ~3;
            Vector128<float> va = Vector128.Create(alpha), vb = Vector128.Create(beta);
            for (int j = blockColumns; j < pairColumns; j += 2)
            {
                for (int i = 0; i < pairRows; i += 4)
                {
                    float* source = tile + j * ld + i;
                    Vector128<float> left = Vector128.Load(source), right = Vector128.Load(source + ld);
                    Vector128Kernel.InterleavePairs(left, right, out Vector128<float> rows01, out Vector128<float> rows23);
                    float* target = c + i * ldc + j;
                    if (beta == 0f)
                    {
                        rows01 *= va;
                        rows23 *= va;
                    }
                    else
                    {
                        rows01 = va * rows01 + vb * Pairs(target, target + ldc);
                        rows23 = va * rows23 + vb * Pairs(target + 2 * ldc, target + 3 * ldc);
                    }
                    *(double*)target = rows01.AsDouble().ToScalar();
                    *(double*)(target + ldc) = rows01.AsDouble().GetElement(1);
                    *(double*)(target + 2 * ldc) = rows23.AsDouble().ToScalar();
                    *(double*)(target + 3 * ldc) = rows23.AsDouble().GetElement(1);
                }
            }
        }
        // What the blocks and pairs left, element by element: the block columns below the last multiple
        // of 8 rows, the pair columns below the last multiple of 4 (blockRows ≤ pairRows), and an odd last
        // column. Loops over the rows only where something is left: an empty pass over 16 rows was a third
        // of the merge of n = 10.
        for (int i = blockRows; i < rows; i++)
            MergeElements(c + i * ldc, tile + i, ld, 0, i < pairRows ? blockColumns : pairColumns, alpha, beta);
        if (pairColumns < n)
            for (int i = 0; i < rows; i++)
                MergeElements(c + i * ldc, tile + i, ld, pairColumns, n, alpha, beta);
    }

    /// <summary>row[j] ← alpha·column[j·ld] + beta·row[j] for from ≤ j &lt; to (row not read when beta is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MergeElements(float* row, float* column, nint ld, int from, int to, float alpha, float beta)
    {
        for (int j = from; j < to; j++)
            row[j] = beta == 0f ? alpha * column[j * ld] : alpha * column[j * ld] + beta * row[j];
    }

    /// <summary>The two floats at <paramref name="first"/> and the two at <paramref name="second"/> as one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Pairs(float* first, float* second) =>
        Vector128.Create(*(double*)first, *(double*)second).AsSingle();

    /// <summary>The column kernel compiled for <paramref name="count"/> columns.</summary>
    internal static void ColumnGroup<TKernel>(int count, int k, float* a, nint lda, float* b, nint ldb, float* tile) where TKernel : IGemmKernel
    {
        switch (count)
        {
            case 1: TKernel.ColumnKernel<Columns1>(k, a, lda, b, ldb, tile); break;
            case 2: TKernel.ColumnKernel<Columns2>(k, a, lda, b, ldb, tile); break;
            case 3: TKernel.ColumnKernel<Columns3>(k, a, lda, b, ldb, tile); break;
            case 4: TKernel.ColumnKernel<Columns4>(k, a, lda, b, ldb, tile); break;
            case 5: TKernel.ColumnKernel<Columns5>(k, a, lda, b, ldb, tile); break;
            default: Debug.Assert(count == 6); TKernel.ColumnKernel<Columns6>(k, a, lda, b, ldb, tile); break;
        }
    }
}
