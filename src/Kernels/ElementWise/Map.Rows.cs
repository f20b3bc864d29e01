using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>Up to seven results of one column position of a row operator, for one width.</summary>
internal struct RowLanes<T> where T : struct
{
    public T A, B, C, D, E, F, G;

    // Forced inline: a driver that inlines a large operator (two of them in the pair step) exhausts the JIT's
    // inlining budget, and a constructor call left behind moves every lane through memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes(T a, T b, T c, T d, T e = default!, T f = default!, T g = default!)
    {
        A = a; B = b; C = c; D = d; E = e; F = f; G = g;
    }
}

/// <summary>
/// An element-wise operation over the columns of a row that reads and writes several arrays at the same
/// column (for example the gate blocks of one recurrent cell's row). <c>Compute</c> only reads;
/// <c>Store</c> only writes, and only at the column it is given, so each result depends on the inputs
/// at its own column alone.
/// </summary>
internal interface IRowOperator
{
    RowLanes<float> Compute(nint row, nint column);
    RowLanes<Vector128<float>> Compute128(nint row, nint column);
    RowLanes<Vector256<float>> Compute256(nint row, nint column);
    RowLanes<Vector512<float>> Compute512(nint row, nint column);
    void Store(nint row, nint column, in RowLanes<float> lanes);
    void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes);
    void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes);
    void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes);

    /// <summary>
    /// Compute512 and Store512 at <paramref name="column"/> and at <paramref name="column"/> + 16, with the same
    /// bits; an operator whose vector is one long dependency chain interleaves the two so that they overlap.
    /// </summary>
    void ComputeStorePair512(nint row, nint column);
}

internal static partial class Map
{
    // ---------------------------------------------------------------- rows: op over columns [0, n) of each row

    /// <summary>
    /// Runs <paramref name="op"/> over columns [0, <paramref name="columns"/>) of rows [0, <paramref name="rows"/>).
    /// The remainder follows the drivers' one strategy: the last, overlapping vector of a row is computed
    /// before the row's main loop and stored after it, so arrays updated in place still give each column
    /// the result of its original inputs.
    /// </summary>
    public static void Rows<TOp>(TOp op, int rows, int columns, SimdLevel level) where TOp : struct, IRowOperator
    {
        for (nint row = 0; row < rows; row++)
        {
            switch (level)
            {
                case SimdLevel.Vector512: Row512(ref op, row, columns); break;
                case SimdLevel.Vector256: Row256(ref op, row, columns); break;
                case SimdLevel.Vector128: Row128(ref op, row, columns); break;
                default: RowScalar(ref op, row, columns); break;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="first"/> and then <paramref name="second"/> over each row before moving to the next,
    /// for an operation split in two passes: the second reads what the first stored, while the row is still in L1.
    /// Each pass follows the remainder strategy above, so a column's results still depend only on its own inputs.
    /// </summary>
    public static void Rows<TFirst, TSecond>(TFirst first, TSecond second, int rows, int columns, SimdLevel level)
        where TFirst : struct, IRowOperator where TSecond : struct, IRowOperator
    {
        for (nint row = 0; row < rows; row++)
        {
            switch (level)
            {
                case SimdLevel.Vector512: Row512(ref first, row, columns); Row512(ref second, row, columns); break;
                case SimdLevel.Vector256: Row256(ref first, row, columns); Row256(ref second, row, columns); break;
                case SimdLevel.Vector128: Row128(ref first, row, columns); Row128(ref second, row, columns); break;
                default: RowScalar(ref first, row, columns); RowScalar(ref second, row, columns); break;
            }
        }
    }

    private static void RowScalar<TOp>(ref TOp op, nint row, nint n) where TOp : struct, IRowOperator
    {
        for (nint j = 0; j < n; j++)
            op.Store(row, j, op.Compute(row, j));
    }

    private static void Row128<TOp>(ref TOp op, nint row, nint n) where TOp : struct, IRowOperator
    {
        const int W = 4;
        if (n < W) { RowScalar(ref op, row, n); return; }
        bool overlap = n % W != 0;
        RowLanes<Vector128<float>> last = overlap ? op.Compute128(row, n - W) : default;
        for (nint j = 0; j + W <= n; j += W)
            op.Store128(row, j, op.Compute128(row, j));
        if (overlap)
            op.Store128(row, n - W, last);
    }

    private static void Row256<TOp>(ref TOp op, nint row, nint n) where TOp : struct, IRowOperator
    {
        const int W = 8;
        if (n < W) { Row128(ref op, row, n); return; }
        bool overlap = n % W != 0;
        RowLanes<Vector256<float>> last = overlap ? op.Compute256(row, n - W) : default;
        for (nint j = 0; j + W <= n; j += W)
            op.Store256(row, j, op.Compute256(row, j));
        if (overlap)
            op.Store256(row, n - W, last);
    }

    private static void Row512<TOp>(ref TOp op, nint row, nint n) where TOp : struct, IRowOperator
    {
        const int W = 16;
        if (n < W) { Row256(ref op, row, n); return; }
        bool overlap = n % W != 0;
        RowLanes<Vector512<float>> last = overlap ? op.Compute512(row, n - W) : default;
        nint j = 0;
        for (; j + 2 * W <= n; j += 2 * W)
            op.ComputeStorePair512(row, j);
        if (j + W <= n)
            op.Store512(row, j, op.Compute512(row, j));
        if (overlap)
            op.Store512(row, n - W, last);
    }
}
