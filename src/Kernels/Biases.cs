using System.Diagnostics;

namespace Simd.Kernels;

/// <summary>
/// Bias of an affine layer on a row-major (rows × cols) = (batch, features) matrix: broadcast-add forward and
/// column-sum backward.
/// </summary>
public static class Biases
{
    /// <summary>
    /// destination[r·cols + c] = x[r·cols + c] + bias[c] for r in [0, rows), c in [0, cols).
    /// destination may be exactly x (in place); partial overlap with x, and any overlap with bias, throws.
    /// NaN propagates.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or cols is negative.</exception>
    /// <exception cref="ArgumentException">x or destination does not hold rows × cols elements, bias does not hold cols,
    /// or the spans overlap as described.</exception>
    public static void AddBias(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> destination, int rows, int cols)
    {
        Guard.Shape(rows, cols);
        Guard.MatrixLength(x.Length, rows, cols, nameof(x));
        Guard.ColumnVectorLength(bias.Length, cols, nameof(bias));
        Guard.MatrixLength(destination.Length, rows, cols, nameof(destination));
        Guard.NoPartialOverlap(x, destination, nameof(x), nameof(destination));
        Guard.Disjoint(bias, destination, nameof(bias), nameof(destination));
        SimdLevel level = SimdLevels.Current;
        for (int r = 0, start = 0; r < rows; r++, start += cols)
            Map.Binary(x.Slice(start, cols), bias, destination.Slice(start, cols), default(AddOperator), level);
    }

    /// <summary>
    /// row[c] = row[c] + bias[c] for c in [0, row.Length), unchecked, at <paramref name="level"/>: the
    /// per-row step of <see cref="AddBias(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int)"/>
    /// (same driver, same bits) for callers that have validated the shapes, such as the GEMM epilogue.
    /// </summary>
    internal static void AddToRow(Span<float> row, ReadOnlySpan<float> bias, SimdLevel level)
    {
        Debug.Assert(bias.Length == row.Length);
        Map.Binary(row, bias, row, default(AddOperator), level);
    }

    /// <summary>x[r·cols + c] += bias[c] in place; see <see cref="AddBias(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or cols is negative.</exception>
    /// <exception cref="ArgumentException">x does not hold rows × cols elements, bias does not hold cols, or they overlap.</exception>
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int rows, int cols) =>
        AddBias(x, bias, x, rows, cols);

    /// <summary>
    /// Column sums of δ: biasGradient[c] = b0[c] + Σ_{r=0}^{rows−1} delta[r·cols + c], where b0 is the old
    /// biasGradient when <paramref name="accumulate"/> is true (a layer backward adding into its gradient)
    /// and nothing otherwise (then the first row is copied and the rest added).
    /// </summary>
    /// <remarks>
    /// Order: each column is a float running sum over the rows in order r = 0, 1, …, rows − 1, each add
    /// rounded; vectors span columns only. The result is therefore the same bits at every level and every
    /// alignment. With rows = 0 and accumulate false the gradient is zeroed. biasGradient must not overlap
    /// delta. NaN in delta propagates to its column.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">rows or cols is negative.</exception>
    /// <exception cref="ArgumentException">delta does not hold rows × cols elements, biasGradient does not hold cols,
    /// or they overlap.</exception>
    public static void BiasGradient(ReadOnlySpan<float> delta, Span<float> biasGradient, int rows, int cols, bool accumulate)
    {
        Guard.Shape(rows, cols);
        Guard.MatrixLength(delta.Length, rows, cols, nameof(delta));
        Guard.ColumnVectorLength(biasGradient.Length, cols, nameof(biasGradient));
        Guard.Disjoint(delta, biasGradient, nameof(delta), nameof(biasGradient));
        int r = 0;
        if (!accumulate)
        {
            if (rows == 0)
            {
                biasGradient.Clear();
                return;
            }
            delta[..cols].CopyTo(biasGradient);
            r = 1;
        }
        SimdLevel level = SimdLevels.Current;
        for (int start = r * cols; r < rows; r++, start += cols)
            Map.Binary(biasGradient, delta.Slice(start, cols), biasGradient, default(AddOperator), level);
    }
}
