using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// The squared-error loss L = ½‖a − y‖² of predictions a against targets y, both row-major
/// (rows × cols) = (batch, outputs), with its gradient ∂L/∂a.
/// </summary>
/// <remarks>
/// With <see cref="LossReduction.Mean"/>, L and the gradient are divided by rows (the batch size). For
/// comparison, PyTorch's <c>MSELoss(reduction='mean')</c> is Σ(a − y)² / (rows·cols), which is
/// 2 / cols times our <see cref="LossReduction.Mean"/> loss.
/// </remarks>
public static class MeanSquaredError
{
    /// <summary>
    /// Elements per chunk: a and y chunks (8 KiB together) plus the gradient chunk stay in L1 between the
    /// reduction and the gradient pass.
    /// </summary>
    public const int ChunkLength = 1024;

    /// <summary>
    /// Returns L = s·½·Σ_{r,c} (a[r·cols + c] − y[r·cols + c])² and writes
    /// gradient[i] = (a[i] − y[i])·s for every i, where s = 1 for <see cref="LossReduction.Sum"/> and
    /// s = 1 / rows for <see cref="LossReduction.Mean"/> (rounded to float for the gradient, exact in double for
    /// the loss). An empty batch gives L = 0.
    /// </summary>
    /// <remarks>
    /// One pass over memory: the arrays are processed in chunks of <see cref="ChunkLength"/> elements;
    /// each chunk's Σ(a − y)² is reduced in float in the drivers' fixed order (differences and squares rounded
    /// to float) and the chunk's gradient is written while its inputs are still in cache. Chunk sums are added
    /// in double, then scaled and rounded once. The order depends only on the length and the level. The
    /// gradient may be exactly <paramref name="predictions"/> or <paramref name="targets"/> (in place);
    /// partial overlap throws. NaN in a or y propagates to that gradient element and to L; a difference
    /// whose square overflows float makes L = +∞.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">rows or cols is negative, or reduction is undefined.</exception>
    /// <exception cref="ArgumentException">A span does not hold rows × cols elements, or gradient partially overlaps an input.</exception>
    public static float LossAndGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> gradient,
        int rows, int cols, LossReduction reduction)
    {
        double scale = CheckAndScale(predictions, targets, rows, cols, reduction);
        Guard.MatrixLength(gradient.Length, rows, cols, nameof(gradient));
        Guard.NoPartialOverlap(predictions, gradient, nameof(predictions), nameof(gradient));
        Guard.NoPartialOverlap(targets, gradient, nameof(targets), nameof(gradient));
        SimdLevel level = SimdLevels.Current;
        var difference = new ScaledDifferenceOperator((float)scale);
        double sum = 0;
        for (int start = 0; start < predictions.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, predictions.Length - start);
            ReadOnlySpan<float> a = predictions.Slice(start, length), y = targets.Slice(start, length);
            // Reduce before writing: in place, the gradient chunk overwrites a or y.
            sum += Map.Reduce<SquaredDifferenceOperator, AddAggregate>(a, y, default, level);
            Map.Binary(a, y, gradient.Slice(start, length), difference, level);
        }
        return (float)(0.5 * scale * sum);
    }

    /// <summary>
    /// The loss of <see cref="LossAndGradient"/> without writing a gradient, in the same order and with the
    /// same value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or cols is negative, or reduction is undefined.</exception>
    /// <exception cref="ArgumentException">A span does not hold rows × cols elements.</exception>
    public static float Loss(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int rows, int cols, LossReduction reduction)
    {
        double scale = CheckAndScale(predictions, targets, rows, cols, reduction);
        SimdLevel level = SimdLevels.Current;
        double sum = 0;
        for (int start = 0; start < predictions.Length; start += ChunkLength)
        {
            int length = Math.Min(ChunkLength, predictions.Length - start);
            sum += Map.Reduce<SquaredDifferenceOperator, AddAggregate>(predictions.Slice(start, length), targets.Slice(start, length), default, level);
        }
        return (float)(0.5 * scale * sum);
    }

    private static double CheckAndScale(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int rows, int cols, LossReduction reduction)
    {
        Guard.Shape(rows, cols);
        Guard.MatrixLength(predictions.Length, rows, cols, nameof(predictions));
        Guard.MatrixLength(targets.Length, rows, cols, nameof(targets));
        return reduction switch
        {
            LossReduction.Sum => 1.0,
            LossReduction.Mean => rows == 0 ? 0.0 : 1.0 / rows,
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction."),
        };
    }

    /// <summary>(a − y)², the difference rounded before squaring.</summary>
    private readonly struct SquaredDifferenceOperator : IBinaryOperator
    {
        public float Invoke(float a, float y) { float d = a - y; return d * d; }
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> y) { Vector128<float> d = a - y; return d * d; }
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> y) { Vector256<float> d = a - y; return d * d; }
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> y) { Vector512<float> d = a - y; return d * d; }
    }

    /// <summary>(a − y)·s.</summary>
    private readonly struct ScaledDifferenceOperator(float scale) : IBinaryOperator
    {
        private readonly float _scale = scale;
        public float Invoke(float a, float y) => (a - y) * _scale;
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> y) => (a - y) * Vector128.Create(_scale);
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> y) => (a - y) * Vector256.Create(_scale);
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> y) => (a - y) * Vector512.Create(_scale);
    }
}
