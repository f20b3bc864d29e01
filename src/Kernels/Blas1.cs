namespace Simd.Kernels;

/// <summary>
/// Level-1 BLAS on float spans: y += α·x, scaling, element-wise arithmetic, dot products and sums of squares.
/// </summary>
/// <remarks>
/// <para>Element-wise kernels use separate IEEE multiply and add (no fused multiply-add), so every level
/// produces bitwise the same result as the scalar level, on every machine.</para>
/// <para>Reductions (<see cref="Dot"/>, <see cref="SumOfSquares"/>) split the input into consecutive blocks
/// of <see cref="BlockLength"/> elements. Each block is reduced in float in the fixed order of the shared
/// drivers (four vector accumulators per width, a masked overlapping last vector, then a horizontal sum);
/// block sums are added in double, in order, and the total is rounded to float once. The order depends
/// only on the length and the level, never on addresses, so a given input gives the same bits at a given
/// level. Blocking bounds float error growth to about (<see cref="BlockLength"/> / vector lanes)·ε·Σ|terms|
/// independent of the length. Overflow: terms or block sums beyond float range become ±∞; NaN in any
/// input gives NaN; ∞·0 in a dot product gives NaN; +∞ and −∞ terms together give NaN.</para>
/// </remarks>
public static class Blas1
{
    /// <summary>Elements per float-accumulated block in reductions; block sums are accumulated in double.</summary>
    public const int BlockLength = 4096;

    /// <summary>
    /// y[i] = y[i] + α·x[i] for i in [0, x.Length), with α·x[i] rounded before the add.
    /// y may be exactly x (y = y + α·y); partial overlap throws. NaN in x, y or α propagates.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length or partially overlap.</exception>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        Guard.SameLength(x, y, nameof(x), nameof(y));
        Guard.NoPartialOverlap(x, y, nameof(x), nameof(y));
        Map.Binary(x, y, y, new AxpyOperator(alpha), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = α·x[i] for i in [0, x.Length). destination may be exactly x; partial overlap throws.
    /// NaN propagates; α = 0 still gives NaN for NaN or infinite x.
    /// </summary>
    /// <exception cref="ArgumentException">destination is shorter than x or partially overlaps it.</exception>
    public static void Scale(float alpha, ReadOnlySpan<float> x, Span<float> destination)
    {
        Guard.DestinationLength(destination, x.Length, nameof(destination), nameof(x));
        Guard.NoPartialOverlap(x, destination, nameof(x), nameof(destination));
        Map.Unary(x, destination, new ScaleOperator(alpha), SimdLevels.Current);
    }

    /// <summary>x[i] = α·x[i] in place; see <see cref="Scale(float, ReadOnlySpan{float}, Span{float})"/>.</summary>
    public static void Scale(float alpha, Span<float> x) =>
        Map.Unary(x, x, new ScaleOperator(alpha), SimdLevels.Current);

    /// <summary>
    /// destination[i] = x[i] + y[i]. destination may be exactly x or y; partial overlap throws. NaN propagates.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length, destination is shorter, or it partially overlaps an input.</exception>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckBinary(x, y, destination);
        Map.Binary(x, y, destination, default(AddOperator), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = x[i] − y[i]. destination may be exactly x or y; partial overlap throws. NaN propagates.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length, destination is shorter, or it partially overlaps an input.</exception>
    public static void Subtract(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckBinary(x, y, destination);
        Map.Binary(x, y, destination, default(SubtractOperator), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = x[i]·y[i] (Hadamard product). destination may be exactly x or y; partial overlap
    /// throws. NaN propagates; ∞·0 is NaN.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length, destination is shorter, or it partially overlaps an input.</exception>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckBinary(x, y, destination);
        Map.Binary(x, y, destination, default(MultiplyOperator), SimdLevels.Current);
    }

    /// <summary>
    /// Σ_i x[i]·y[i], each product rounded to float, summed in the fixed blocked order described on
    /// <see cref="Blas1"/>. Empty spans give 0.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Guard.SameLength(x, y, nameof(x), nameof(y));
        return (float)DotDouble(x, y, SimdLevels.Current);
    }

    /// <summary>
    /// Σ_i x[i]², each square rounded to float (so |x[i]| ≳ 1.8e19 overflows to +∞), summed in the fixed
    /// blocked order described on <see cref="Blas1"/>. Empty spans give 0.
    /// </summary>
    public static float SumOfSquares(ReadOnlySpan<float> x) => (float)SumOfSquaresDouble(x, SimdLevels.Current);

    /// <summary>The blocked Σ x[i]² before its final rounding to float, for callers that combine several sums.</summary>
    internal static double SumOfSquaresDouble(ReadOnlySpan<float> x, SimdLevel level)
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += BlockLength)
            sum += Map.Reduce<SquareOperator, AddAggregate>(x.Slice(start, Math.Min(BlockLength, x.Length - start)), default, level);
        return sum;
    }

    /// <summary>The blocked Σ x[i]·y[i] before its final rounding to float.</summary>
    internal static double DotDouble(ReadOnlySpan<float> x, ReadOnlySpan<float> y, SimdLevel level)
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += BlockLength)
        {
            int length = Math.Min(BlockLength, x.Length - start);
            sum += Map.Reduce<MultiplyOperator, AddAggregate>(x.Slice(start, length), y.Slice(start, length), default, level);
        }
        return sum;
    }

    private static void CheckBinary(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        Guard.SameLength(x, y, nameof(x), nameof(y));
        Guard.DestinationLength(destination, x.Length, nameof(destination), nameof(x));
        Guard.NoPartialOverlap(x, destination, nameof(x), nameof(destination));
        Guard.NoPartialOverlap(y, destination, nameof(y), nameof(destination));
    }
}
