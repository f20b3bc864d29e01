using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>Thread splits shared by the GEMM paths: how many parts a product is cut into, and which rows or columns each part gets.</summary>
internal static unsafe class GemmSplit
{
    /// <summary>
    /// Threads for a matrix–vector or rank-1 product of the given work (multiply–adds or elements) over
    /// length outputs cut in pieces of chunk: one per <see cref="GemmTuning.VectorParallelThreshold"/>,
    /// at most one per piece.
    /// </summary>
    internal static int VectorParts(long work, int length, int chunk)
        => (int)Math.Min(Math.Min(Gemm.MaxDegreeOfParallelism, length / chunk), Math.Max(1, work / GemmTuning.VectorParallelThreshold));

    /// <summary>
    /// A path's work on the rows [first, last) of C, or on its columns when <see cref="Length"/> is n,
    /// computed in blocks of BlockSize; a thread's part is whole blocks, the last part ending at Length.
    /// </summary>
    internal interface IBlocks
    {
        static abstract int BlockSize { get; }
        /// <summary>How far the blocks run: m along the rows (the default), n along the columns.</summary>
        static virtual int Length(ref GemmJob job) => job.M;
        static abstract void Run(ref GemmJob job, int first, int last);
    }

    /// <summary>TBlocks over all of C: on <see cref="BlockParts"/> threads, or on the caller's alone when that is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InBlocks<TBlocks>(ref GemmJob job) where TBlocks : IBlocks
    {
        int length = TBlocks.Length(ref job);
        int parts = BlockParts(ref job, length, TBlocks.BlockSize);
        if (parts <= 1)
        {
            TBlocks.Run(ref job, 0, length);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&BlocksPart<TBlocks>, context, parts);
    }

    internal static void BlocksPart<TBlocks>(void* context, int part, int parts) where TBlocks : IBlocks
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        var (first, last) = PartRows(TBlocks.Length(ref job), TBlocks.BlockSize, part, parts);
        TBlocks.Run(ref job, first, last);
    }

    /// <summary>
    /// Threads for a product computed in blocks of blockSize rows (or columns) out of length: one per
    /// <see cref="GemmTuning.ParallelThreshold"/> of m·n·k, at most one per block.
    /// </summary>
    internal static int BlockParts(ref GemmJob job, int length, int blockSize)
    {
        int blocks = (length + blockSize - 1) / blockSize;
        long work = (long)job.M * job.N * job.K;
        return (int)Math.Min(Math.Min(Gemm.MaxDegreeOfParallelism, blocks), Math.Max(1, work / GemmTuning.ParallelThreshold));
    }

    /// <summary>
    /// The rows [first, last) of part <paramref name="part"/>: whole blocks of blockRows, the last part to m.
    /// A column split passes n and NR: the same split along the columns; claimed units pass m and MR for a
    /// unit's rows, and their count and 1 for a part's units.
    /// </summary>
    internal static (int First, int Last) PartRows(int m, int blockRows, int part, int parts)
    {
        int blocks = (m + blockRows - 1) / blockRows;
        int first = (int)((long)blocks * part / parts), last = (int)((long)blocks * (part + 1) / parts);
        return (first * blockRows, Math.Min(m, last * blockRows));
    }
}
