using System.Runtime.InteropServices;

namespace Simd.Kernels;


/// <summary>Everything one GEMM call's threads share; lives on the caller's stack for the call.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct GemmJob
{
    public float* A, B, C, Bias;
    /// <summary>B prepared once for all threads: the narrow path's zero-padded copy, or the rank-1 path's contiguous row.</summary>
    public float* SharedB;
    public nint Lda, Ldb, Ldc;
    public int M, N, K;
    public float Alpha, Beta;
    public bool TransA, TransB;
    public ActivationFunction ActivationFunction;
    public bool HasEpilogue;
    public SimdLevel Level;
    public int Kc, Mc, Nc;
    /// <summary>
    /// The depth of every k block but the last: k split into equal blocks of at most Kc (784 = 4 × 196,
    /// not 3 × 256 + 16; <see cref="BlockedGemm.BalancedStep"/>), so no short final block pays the C traffic
    /// for little work. Depends only on the shape, so every thread blocks k the same way.
    /// </summary>
    public int KcStep;
    public int Parts;
    public bool SplitRows;
    /// <summary>
    /// When not null, the threads' shared packed op(B): all of it, k rows by PanelsPerRow NR-column
    /// panels, packed block by block as the threads first need them; PanelStates has one state per
    /// panel of each k block.
    /// </summary>
    public float* PackedB;
    public int* PanelStates;
    public int PanelsPerRow;
    /// <summary>
    /// When a row split claims its work (<see cref="BlockedGemm.ClaimedPart{TKernel}"/>): C's rows cut into Units
    /// units of whole row tiles; Claims holds, for every k block of every column block and every part,
    /// the units of that part still unclaimed (first in the low 32 bits, end in the high), and
    /// UnitPhases, for every unit, how many of those blocks are done on it.
    /// </summary>
    public int Units;
    public long* Claims;
    public long* UnitPhases;
}

/// <summary>A matrix–vector product's operands, shared by its threads; lives on the caller's stack.</summary>
internal unsafe struct VectorJob
{
    /// <summary>The GEMM call: shapes, C, alpha, beta, epilogue, level.</summary>
    public GemmJob* Job;
    /// <summary>The contiguous vector (k floats) and the caller's scratch for the length outputs.</summary>
    public float* X, Y;
    /// <summary>The matrix, read in place, with its leading dimension.</summary>
    public float* Matrix;
    public nint Ld;
    /// <summary>Whether the matrix's rows run along the outputs (<see cref="Gemv.AxpyRows"/>) or along the sum (<see cref="Gemv.DotRows"/>).</summary>
    public bool AlongY;
    public int Length;
}
