using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>The narrow path for n ≤ 16 at levels with a narrow kernel (Vector512).</summary>
internal static unsafe class NarrowGemm
{
    /// <summary>
    /// The Vector512 path for n ≤ 16 (output layers): B is copied once into a k×16 zero-padded block, A is
    /// read in place, and each call of the narrow kernel computes NarrowRows full rows of C over all of k.
    /// Vector256 and Vector128 take <see cref="DotGemm.Dots"/> or <see cref="ColumnGemm.Columns"/> instead; Vector512 has not
    /// been measured with them (it needs AVX-512 hardware).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Narrow<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        job.SharedB = NarrowB(ref job);
        GemmSplit.InBlocks<NarrowBlocks<TKernel>>(ref job);
    }

    internal readonly struct NarrowBlocks<TKernel> : GemmSplit.IBlocks where TKernel : IGemmKernel
    {
        public static int BlockSize => TKernel.NarrowRows;
        public static void Run(ref GemmJob job, int first, int last) => NarrowRows<TKernel>(ref job, first, last);
    }

    /// <summary>op(B) (k×n, n ≤ 16) copied once into a k×16 block, columns n to 15 zero: packed[p·16 + j] = op(B)(p, j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float* NarrowB(ref GemmJob job)
    {
        int k = job.K, n = job.N;
        float* packed = GemmWorkspace.Current.B((nint)k * GemmPaths.NarrowColumns);
        if (job.TransB)
        {
            new Span<float>(packed, k * GemmPaths.NarrowColumns).Clear();
            for (int j = 0; j < n; j++)
            {
                float* source = job.B + j * job.Ldb;
                for (int p = 0; p < k; p++) packed[p * GemmPaths.NarrowColumns + j] = source[p];
            }
        }
        else
        {
            // Whole 16-float rows are copied and masked to n columns while a full row can be read
            // without passing the end of B's extent, (k − 1)·ldb + n floats: p·ldb + 16 ≤ (k − 1)·ldb + n.
            Vector256<int> index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            Vector256<float> low = Vector256.LessThan(index, Vector256.Create(n)).AsSingle();
            Vector256<float> high = Vector256.LessThan(index + Vector256.Create(8), Vector256.Create(n)).AsSingle();
            int p = 0;
            nint ldb = job.Ldb;
            int vectorRows = k - (int)((GemmPaths.NarrowColumns - n + ldb - 1) / ldb);
            for (; p < vectorRows; p++)
            {
                float* source = job.B + p * ldb;
                float* target = packed + (nint)p * GemmPaths.NarrowColumns;
                (Vector256.Load(source) & low).Store(target);
                (Vector256.Load(source + 8) & high).Store(target + 8);
            }
            for (; p < k; p++)
            {
                float* source = job.B + p * job.Ldb;
                float* target = packed + (nint)p * GemmPaths.NarrowColumns;
                for (int j = 0; j < n; j++) target[j] = source[j];
                for (int j = n; j < GemmPaths.NarrowColumns; j++) target[j] = 0f;
            }
        }
        return packed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void NarrowRows<TKernel>(ref GemmJob job, int rowStart, int rowEnd) where TKernel : IGemmKernel
    {
        int r = TKernel.NarrowRows, k = job.K, n = job.N;
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* tile = workspace.Tile;
        nint rowStride = job.TransA ? 1 : job.Lda, colStride = job.TransA ? job.Lda : 1;
        for (int i = rowStart; i < rowEnd; i += r)
        {
            int rows = Math.Min(r, rowEnd - i);
            int skip = 0;
            if (rows < r && rowEnd >= r)
            {
                // Last rows: recompute the tile that ends at rowEnd and keep only its new rows. Each row's
                // value does not depend on the tile it is computed in, so this is exact and cheaper than a copy.
                skip = r - rows;
                TKernel.NarrowKernel(k, job.A + (rowEnd - r) * rowStride, rowStride, colStride, job.SharedB, tile);
            }
            else if (rows == r)
            {
                TKernel.NarrowKernel(k, job.A + i * rowStride, rowStride, colStride, job.SharedB, tile);
            }
            else
            {
                float* a = job.A + i * rowStride;
                // Last rows: a zero-padded dense copy, so the kernel never reads past A.
                float* copy = workspace.A((nint)r * k);
                for (int row = 0; row < r; row++)
                    for (int p = 0; p < k; p++)
                        copy[row * k + p] = row < rows ? a[row * rowStride + p * colStride] : 0f;
                TKernel.NarrowKernel(k, copy, k, 1, job.SharedB, tile);
            }
            GemmEpilogue.MergeTile(ref job, tile + skip * GemmPaths.NarrowColumns, GemmPaths.NarrowColumns, i, rows, 0, n);
            if (job.HasEpilogue)
                GemmEpilogue.Epilogue(ref job, i, rows, 0, n);
        }
    }
}
