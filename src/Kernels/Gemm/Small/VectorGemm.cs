using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The matrix–vector path (one row or one column of C) and the rank-1 path (k = 1).</summary>
internal static unsafe class VectorGemm
{
    /// <summary>
    /// One row or one column of C (batch 1, one output) as a matrix–vector product with
    /// <see cref="Gemv"/>: the vector operand is gathered into a contiguous buffer when strided, the
    /// matrix is read in place, and the result goes through a scratch vector into C. Large products
    /// split the outputs between threads (see <see cref="GemmSplit.VectorParts"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Vector(ref GemmJob job)
    {
        int k = job.K;
        GemmWorkspace workspace = GemmWorkspace.Current;
        bool row = job.M == 1;
        int length = row ? job.N : job.M;
        // The vector: op(A)'s row 0 for one row of C, op(B)'s column 0 for one column.
        float* vector = row ? job.A : job.B;
        nint vectorStride = row ? (job.TransA ? job.Lda : 1) : (job.TransB ? 1 : job.Ldb);
        // The matrix runs along y when it is B as stored (k×n) or A transposed (k×m).
        bool alongY = row ? !job.TransB : job.TransA;
        fixed (GemmJob* context = &job)
        {
            var vectorJob = new VectorJob
            {
                Job = context,
                X = Contiguous(vector, vectorStride, k, workspace.A(k)),
                Y = workspace.B(length),
                Matrix = row ? job.B : job.A,
                Ld = row ? job.Ldb : job.Lda,
                AlongY = alongY,
                Length = length,
            };
            int parts = GemmSplit.VectorParts((long)length * k, length, VectorChunk(alongY));
            if (parts <= 1) VectorRange(ref vectorJob, 0, length);
            else WorkerPool.Run(&VectorPart, &vectorJob, parts);
        }
    }

    /// <summary>Outputs per piece of a threaded matrix–vector product; see <see cref="VectorPart"/>.</summary>
    internal static int VectorChunk(bool alongY) => alongY ? 64 : 4;

    /// <summary>
    /// One thread's share: whole pieces of <see cref="VectorChunk"/> outputs, the last part to the end.
    /// Along y, parts of whole 64-column pieces compute every column with the vector width a serial call
    /// uses for it, and the last part ends in the same tail; a dot product's value does not depend on
    /// the rows around it. So the bits do not depend on the thread count.
    /// </summary>
    internal static void VectorPart(void* context, int part, int parts)
    {
        ref VectorJob vectorJob = ref Unsafe.AsRef<VectorJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(vectorJob.Job->Level);
        int chunk = VectorChunk(vectorJob.AlongY), pieces = vectorJob.Length / chunk;
        int first = (int)((long)pieces * part / parts) * chunk;
        int last = part == parts - 1 ? vectorJob.Length : (int)((long)pieces * (part + 1) / parts) * chunk;
        VectorRange(ref vectorJob, first, last);
    }

    /// <summary>Outputs [first, last) of the matrix–vector product, into C with alpha, beta and the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void VectorRange(ref VectorJob vectorJob, int first, int last)
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(vectorJob.Job);
        int k = job.K, count = last - first;
        float* y = vectorJob.Y + first;
        if (vectorJob.AlongY) Gemv.AxpyRows(job.Level, k, count, vectorJob.X, vectorJob.Matrix + first, vectorJob.Ld, y);
        else Gemv.DotRows(job.Level, k, count, vectorJob.X, vectorJob.Matrix + first * vectorJob.Ld, vectorJob.Ld, y);
        bool row = job.M == 1;
        nint cStride = row ? 1 : job.Ldc;
        float* c = job.C + first * cStride;
        for (int j = 0; j < count; j++)
        {
            float* target = c + j * cStride;
            *target = job.Beta == 0f ? job.Alpha * y[j] : job.Alpha * y[j] + job.Beta * *target;
        }
        if (!job.HasEpilogue) return;
        if (row) GemmEpilogue.Epilogue(ref job, 0, 1, first, count);
        else GemmEpilogue.Epilogue(ref job, first, count, 0, 1);
    }

    /// <summary>
    /// k = 1 (a weight gradient at batch 1): C = alpha·a·bᵀ + beta·C with a = op(A)'s column and b =
    /// op(B)'s row, through <see cref="RankOneKernel.Update"/>; nothing is packed, and C is written once. Large
    /// products split the rows of C between threads; each element is one product, so the bits do not
    /// depend on the split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RankOne(ref GemmJob job)
    {
        job.SharedB = Contiguous(job.B, job.TransB ? job.Ldb : 1, job.N, GemmWorkspace.Current.B(job.N));
        // Memory-bound: one thread per threshold of elements written, as for the matrix–vector products' reads.
        int parts = GemmSplit.VectorParts((long)job.M * job.N, job.M, 1);
        if (parts <= 1)
        {
            RankOneRows(ref job, 0, job.M);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&RankOnePart, context, parts);
    }

    internal static void RankOnePart(void* context, int part, int parts)
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        RankOneRows(ref job, (int)((long)job.M * part / parts), (int)((long)job.M * (part + 1) / parts));
    }

    internal static void RankOneRows(ref GemmJob job, int first, int last)
    {
        nint xStride = job.TransA ? 1 : job.Lda;
        RankOneKernel.Update(job.Level, last - first, job.N, job.A + first * xStride, xStride, job.SharedB, job.Alpha, job.Beta, job.C + first * job.Ldc, job.Ldc);
        if (job.HasEpilogue)
            GemmEpilogue.Epilogue(ref job, first, last - first, 0, job.N);
    }

    /// <summary>The count floats source[i·stride]: source itself when the stride is 1, else gathered into buffer.</summary>
    internal static float* Contiguous(float* source, nint stride, int count, float* buffer)
    {
        if (stride == 1) return source;
        for (int i = 0; i < count; i++) buffer[i] = source[i * stride];
        return buffer;
    }
}
