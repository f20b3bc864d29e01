using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>Writing results into C: merging a computed tile with alpha and beta, the bias-and-activation epilogue, and the k = 0 path.</summary>
internal static unsafe class GemmEpilogue
{
    /// <summary>
    /// C[row0 .. row0 + rows, col0 .. col0 + n) ← alpha·tile + beta·C (C not read when beta is 0), from
    /// a row-major tile whose rows are ld floats apart and of which the first n columns are used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MergeTile(ref GemmJob job, float* tile, nint ld, int row0, int rows, int col0, int n)
    {
        for (int row = 0; row < rows; row++)
        {
            float* source = tile + row * ld;
            float* target = job.C + (row0 + row) * job.Ldc + col0;
            int j = 0;
            if (job.Beta == 0f)
            {
                for (; j + 8 <= n; j += 8)
                    (Vector256.Create(job.Alpha) * Vector256.Load(source + j)).Store(target + j);
                for (; j < n; j++) target[j] = job.Alpha * source[j];
            }
            else
            {
                for (; j + 8 <= n; j += 8)
                    (Vector256.Create(job.Alpha) * Vector256.Load(source + j) + Vector256.Create(job.Beta) * Vector256.Load(target + j)).Store(target + j);
                for (; j < n; j++) target[j] = job.Alpha * source[j] + job.Beta * target[j];
            }
        }
    }

    /// <summary>C ← σ(C + bias) on rows [row0, row0 + rows) and columns [col0, col0 + cols), row segment by row segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Epilogue(ref GemmJob job, int row0, int rows, int col0, int cols)
    {
        for (int i = row0; i < row0 + rows; i++)
        {
            float* row = job.C + i * job.Ldc + col0;
            var segment = new Span<float>(row, cols);
            if (job.Bias != null)
                Biases.AddToRow(segment, new ReadOnlySpan<float>(job.Bias + col0, cols), job.Level);
            if (job.ActivationFunction != ActivationFunction.None)
                Activations.ForwardInPlace(job.ActivationFunction, segment, job.Level);
        }
    }

    /// <summary>k = 0 or alpha = 0: C = beta·C (not read when beta is 0), then the epilogue if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScaleOnly(ref GemmJob job)
    {
        for (int i = 0; i < job.M; i++)
        {
            var row = new Span<float>(job.C + i * job.Ldc, job.N);
            if (job.Beta == 0f) row.Clear();
            else if (job.Beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= job.Beta;
        }
        if (job.HasEpilogue) Epilogue(ref job, 0, job.M, 0, job.N);
    }
}
