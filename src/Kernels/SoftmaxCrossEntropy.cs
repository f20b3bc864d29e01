using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// Row-wise softmax and the fused softmax + cross-entropy loss with its gradient, for a row-major
/// (batch × classes) logits matrix and one integer label per row.
/// </summary>
/// <remarks>
/// <para>Per row i with logits z = logits[i·classes .. (i+1)·classes), m = max_j z_j, e_j = e^(z_j − m),
/// s = Σ_j e_j, label y = labels[i]: p_j = e_j / s, loss_i = ln s − (z_y − m) (= −ln p_y computed
/// without forming p_y), ∂loss_i/∂z_j = p_j − [j = y].</para>
/// <para>Numerics: subtracting the row max makes every exponent ≤ 0 and the largest term exactly 1,
/// so logits of any finite magnitude (±1e30, one huge logit, rows of equal values) give a finite loss
/// and gradient. exp is <see cref="VectorMath.Exp(float)"/> (≤ 1·2^-23 relative; terms below 2^-126
/// are flushed to 0, which changes s by less than classes·2^-126). The float subtraction z_j − m
/// rounds, and e^(z_j − m) turns that into a relative error of up to |z_j − m|·2^-24 (2.4e-6 for a gap
/// of 40; it only matters for tiny probabilities). The row max and the row sum are
/// vectorized across classes with an order fixed by classes and the level only, so results are
/// bitwise reproducible for a given level.</para>
/// <para>Special values: a row containing NaN or +Inf, or made only of −Inf, gets a NaN loss and an
/// all-NaN gradient and probability row; the mean and sum then are NaN too, other rows are unaffected.
/// A label whose logit is −Inf (with a finite row max) gives loss +Inf and a finite gradient.</para>
/// <para>Aliasing: the destination may be exactly logits (in place); partial overlap throws.</para>
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Fused forward and backward: returns the mean loss (1/batch)·Σ_i loss_i (0 when batch is 0) and
    /// writes gradient[i·classes + j] = (p_ij − [j = labels[i]])·<paramref name="gradientScale"/>
    /// (pass 1/batch for the gradient of the mean). See the class remarks for the exact math.
    /// </summary>
    /// <param name="logits">(batch × classes) row-major, exactly batch·classes elements.</param>
    /// <param name="labels">batch labels, each in [0, classes).</param>
    /// <param name="batch">Number of rows, ≥ 0.</param>
    /// <param name="classes">Number of columns, ≥ 1.</param>
    /// <param name="gradient">At least batch·classes elements; may be exactly logits.</param>
    /// <param name="gradientScale">Factor applied to every gradient element.</param>
    /// <exception cref="ArgumentOutOfRangeException">batch &lt; 0, classes &lt; 1, or a label outside [0, classes) (the message names the row).</exception>
    /// <exception cref="ArgumentException">A length does not match batch·classes or batch, or gradient partially overlaps logits.</exception>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, Span<float> gradient, float gradientScale) =>
        ForwardBackward(logits, labels, batch, classes, gradient, gradientScale, out _);

    /// <summary>
    /// As <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, Span{float}, float)"/>,
    /// also returning the summed loss Σ_i loss_i (accumulated in double over rows in order, then rounded).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">batch &lt; 0, classes &lt; 1, or a label outside [0, classes) (the message names the row).</exception>
    /// <exception cref="ArgumentException">A length does not match batch·classes or batch, or gradient partially overlaps logits.</exception>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, Span<float> gradient, float gradientScale, out float lossSum)
    {
        CheckShape(logits, batch, classes);
        CheckLabels(labels, batch, classes);
        CheckDestination(logits, gradient, batch, classes, nameof(gradient));
        SimdLevel level = SimdLevels.Current;
        if (classes is >= 8 and <= 16 && level is SimdLevel.Vector256 or SimdLevel.Vector512)
        {
            double shortSum = ShortRows256(ref MemoryMarshal.GetReference(logits), labels, classes, ref MemoryMarshal.GetReference(gradient), gradientScale);
            lossSum = (float)shortSum;
            return batch == 0 ? 0f : (float)(shortSum / batch);
        }
        double sum = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            Span<float> destination = gradient.Slice(i * classes, classes);
            int label = labels[i];
            float labelLogit = row[label];
            float max = Map.Reduce<IdentityOperator, MaxAggregate>(row, default, level);
            float expSum = ExpRow(row, destination, max, level);
            Map.Unary(destination, destination, new ScaleOperator(gradientScale / expSum), level);
            destination[label] -= gradientScale;
            sum += MathF.Log(expSum) + (max - labelLogit);
        }
        lossSum = (float)sum;
        return batch == 0 ? 0f : (float)(sum / batch);
    }

    /// <summary>
    /// The mean loss (1/batch)·Σ_i loss_i alone (0 when batch is 0), without a gradient; same math and
    /// special-value rules as <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, Span{float}, float)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">batch &lt; 0, classes &lt; 1, or a label outside [0, classes) (the message names the row).</exception>
    /// <exception cref="ArgumentException">logits or labels does not match the shape.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
    {
        CheckShape(logits, batch, classes);
        CheckLabels(labels, batch, classes);
        SimdLevel level = SimdLevels.Current;
        double sum = 0;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            float max = Map.Reduce<IdentityOperator, MaxAggregate>(row, default, level);
            float expSum = Map.Reduce<ExpShiftOperator, AddAggregate>(row, new ExpShiftOperator(max), level);
            sum += MathF.Log(expSum) + (max - row[labels[i]]);
        }
        return batch == 0 ? 0f : (float)(sum / batch);
    }

    /// <summary>
    /// Row-wise softmax for inference: probabilities[i·classes + j] = e^(z_j − m) / Σ_k e^(z_k − m) per
    /// row, computed as e_j·(1/s) (relative error ≤ 4·2^-23 + |z_j − m|·2^-24, see the class remarks). NaN rules as in the class remarks.
    /// probabilities may be exactly logits; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">batch &lt; 0 or classes &lt; 1.</exception>
    /// <exception cref="ArgumentException">logits does not hold batch·classes elements, probabilities is shorter, or it partially overlaps logits.</exception>
    public static void Softmax(ReadOnlySpan<float> logits, int batch, int classes, Span<float> probabilities)
    {
        CheckShape(logits, batch, classes);
        CheckDestination(logits, probabilities, batch, classes, nameof(probabilities));
        SimdLevel level = SimdLevels.Current;
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * classes, classes);
            Span<float> destination = probabilities.Slice(i * classes, classes);
            float max = Map.Reduce<IdentityOperator, MaxAggregate>(row, default, level);
            float expSum = ExpRow(row, destination, max, level);
            Map.Unary(destination, destination, new ScaleOperator(1f / expSum), level);
        }
    }

    /// <summary>
    /// <see cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, Span{float}, float, out float)"/>
    /// for 8 ≤ classes ≤ 16 (an MNIST output layer has 10) at the 256- and 512-bit levels, returning Σ loss_i
    /// (accumulated in double over rows in order).
    /// Such a row is two overlapping 8-lane vectors (its first and its last 8 logits), so max, exp, sum,
    /// scale and store are one pass in registers; on rows this short the general path's separate passes
    /// cost more than the arithmetic. The sum adds the first vector and the lanes of the second that the
    /// first does not cover; overlapping lanes are stored twice with identical values. Same math and
    /// special-value rules as the general path; the label's logit is read before the row is written,
    /// so gradient may be exactly logits.
    /// </summary>
    private static double ShortRows256(ref float logits, ReadOnlySpan<int> labels, int classes, ref float gradient, float scale)
    {
        nuint n = (nuint)classes, tail = n - 8;
        Vector256<float> fresh = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(16 - classes)));
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            nuint row = (nuint)i * n;
            int label = labels[i];
            float labelLogit = Unsafe.Add(ref logits, row + (nuint)label);
            Vector256<float> first = Vector256.LoadUnsafe(ref logits, row);
            Vector256<float> last = Vector256.LoadUnsafe(ref logits, row + tail);
            float max = MaxAggregate.Horizontal(Vector256.Max(first, last));
            if (!float.IsFinite(max))
            {
                Vector256.Create(float.NaN).StoreUnsafe(ref gradient, row + tail);
                Vector256.Create(float.NaN).StoreUnsafe(ref gradient, row);
                sum += float.NaN;
                continue;
            }
            Vector256<float> m = Vector256.Create(max);
            Vector256<float> e0 = VectorMath.ExpNonPositive(first - m);
            Vector256<float> e1 = VectorMath.ExpNonPositive(last - m);
            float expSum = AddAggregate.Horizontal(e0 + Vector256.ConditionalSelect(fresh, e1, Vector256<float>.Zero));
            Vector256<float> factor = Vector256.Create(scale / expSum);
            (e1 * factor).StoreUnsafe(ref gradient, row + tail);
            (e0 * factor).StoreUnsafe(ref gradient, row);
            Unsafe.Add(ref gradient, row + (nuint)label) -= scale;
            sum += MathF.Log(expSum) + (max - labelLogit);
        }
        return sum;
    }

    /// <summary>
    /// destination = e^(row − max) and returns its sum, in one pass. A row whose max is not finite (NaN,
    /// +Inf, or all −Inf) is all NaN. Otherwise every exponent is ≤ 0 or −Inf, which is what
    /// <see cref="VectorMath.ExpNonPositive(float)"/> needs. The sum uses two accumulators over pairs of
    /// vectors, then one vector, then the overlapping last vector with already-counted lanes masked,
    /// combined as a0 + a1 then horizontally: an order fixed by the length and the level. One copy per
    /// width rather than a Map driver with an operator: the driver form measured 7% slower on 512 × 100
    /// at 512 bits (perf-results/tuning/element-wise.md).
    /// </summary>
    private static float ExpRow(ReadOnlySpan<float> row, Span<float> destination, float max, SimdLevel level)
    {
        if (!float.IsFinite(max))
        {
            destination.Fill(float.NaN);
            return float.NaN;
        }
        ref float x = ref MemoryMarshal.GetReference(row);
        ref float d = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)row.Length;
        return level switch
        {
            SimdLevel.Vector512 => ExpSum512(ref x, ref d, n, max),
            SimdLevel.Vector256 => ExpSum256(ref x, ref d, n, max),
            SimdLevel.Vector128 => ExpSum128(ref x, ref d, n, max),
            _ => ExpSumScalar(ref x, ref d, n, max),
        };
    }

    private static float ExpSumScalar(ref float x, ref float d, nuint n, float max)
    {
        float sum = 0f;
        for (nuint i = 0; i < n; i++)
        {
            float e = VectorMath.ExpNonPositive(Unsafe.Add(ref x, i) - max);
            Unsafe.Add(ref d, i) = e;
            sum += e;
        }
        return sum;
    }

    private static float ExpSum128(ref float x, ref float d, nuint n, float max)
    {
        const int W = 4;
        if (n < W) return ExpSumScalar(ref x, ref d, n, max);
        Vector128<float> m = Vector128.Create(max);
        Vector128<float> last = Vector128.LoadUnsafe(ref x, n - W);
        Vector128<float> a0 = Vector128<float>.Zero, a1 = Vector128<float>.Zero;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector128<float> e0 = VectorMath.ExpNonPositive(Vector128.LoadUnsafe(ref x, i) - m);
            Vector128<float> e1 = VectorMath.ExpNonPositive(Vector128.LoadUnsafe(ref x, i + W) - m);
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 += e0;
            a1 += e1;
        }
        if (i + W <= n)
        {
            Vector128<float> e = VectorMath.ExpNonPositive(Vector128.LoadUnsafe(ref x, i) - m);
            e.StoreUnsafe(ref d, i);
            a0 += e;
            i += W;
        }
        if (i != n)
        {
            Vector128<float> e = VectorMath.ExpNonPositive(last - m);
            e.StoreUnsafe(ref d, n - W);
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(i - (n - W))));
            a1 += Vector128.ConditionalSelect(keep, e, Vector128<float>.Zero);
        }
        return AddAggregate.Horizontal(a0 + a1);
    }

    private static float ExpSum256(ref float x, ref float d, nuint n, float max)
    {
        const int W = 8;
        if (n < W) return ExpSum128(ref x, ref d, n, max);
        Vector256<float> m = Vector256.Create(max);
        Vector256<float> last = Vector256.LoadUnsafe(ref x, n - W);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector256<float> e0 = VectorMath.ExpNonPositive(Vector256.LoadUnsafe(ref x, i) - m);
            Vector256<float> e1 = VectorMath.ExpNonPositive(Vector256.LoadUnsafe(ref x, i + W) - m);
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 += e0;
            a1 += e1;
        }
        if (i + W <= n)
        {
            Vector256<float> e = VectorMath.ExpNonPositive(Vector256.LoadUnsafe(ref x, i) - m);
            e.StoreUnsafe(ref d, i);
            a0 += e;
            i += W;
        }
        if (i != n)
        {
            Vector256<float> e = VectorMath.ExpNonPositive(last - m);
            e.StoreUnsafe(ref d, n - W);
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(i - (n - W))));
            a1 += Vector256.ConditionalSelect(keep, e, Vector256<float>.Zero);
        }
        return AddAggregate.Horizontal(a0 + a1);
    }

    private static float ExpSum512(ref float x, ref float d, nuint n, float max)
    {
        const int W = 16;
        if (n < W) return ExpSum256(ref x, ref d, n, max);
        Vector512<float> m = Vector512.Create(max);
        Vector512<float> last = Vector512.LoadUnsafe(ref x, n - W);
        Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector512<float> e0 = VectorMath.ExpNonPositive(Vector512.LoadUnsafe(ref x, i) - m);
            Vector512<float> e1 = VectorMath.ExpNonPositive(Vector512.LoadUnsafe(ref x, i + W) - m);
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 += e0;
            a1 += e1;
        }
        if (i + W <= n)
        {
            Vector512<float> e = VectorMath.ExpNonPositive(Vector512.LoadUnsafe(ref x, i) - m);
            e.StoreUnsafe(ref d, i);
            a0 += e;
            i += W;
        }
        if (i != n)
        {
            Vector512<float> e = VectorMath.ExpNonPositive(last - m);
            e.StoreUnsafe(ref d, n - W);
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f), Vector512.Create((float)(i - (n - W))));
            a1 += Vector512.ConditionalSelect(keep, e, Vector512<float>.Zero);
        }
        return AddAggregate.Horizontal(a0 + a1);
    }

    private static void CheckShape(ReadOnlySpan<float> logits, int batch, int classes)
    {
        Guard.NonNegative(batch, nameof(batch));
        if (classes < 1)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be at least 1, but is {classes}.");
        long needed = (long)batch * classes;
        if (logits.Length != needed)
            ThrowShape(nameof(logits), logits.Length, batch, classes, needed, "");
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int batch, int classes)
    {
        if (labels.Length != batch)
            throw new ArgumentException($"labels has {labels.Length} elements but batch is {batch}; there must be one label per row.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                ThrowLabel(i, labels[i], classes);
        }
    }

    private static void CheckDestination(ReadOnlySpan<float> logits, Span<float> destination, int batch, int classes, string name)
    {
        long needed = (long)batch * classes;
        if (destination.Length < needed)
            ThrowShape(name, destination.Length, batch, classes, needed, "at least ");
        Guard.NoPartialOverlap(logits, destination, nameof(logits), name);
    }

    [DoesNotReturn]
    private static void ThrowShape(string name, int length, int batch, int classes, long needed, string atLeast) =>
        throw new ArgumentException($"{name} has {length} elements but batch {batch} × classes {classes} needs {atLeast}{needed}.", name);

    [DoesNotReturn]
    private static void ThrowLabel(int row, int label, int classes) =>
        throw new ArgumentOutOfRangeException("labels", label, $"labels[{row}] is {label} but must be in [0, {classes}) for classes {classes} (row {row}).");
}

/// <summary>e^(x − shift) per element; shift is the row max.</summary>
internal readonly struct ExpShiftOperator(float shift) : IUnaryOperator
{
    private readonly float _shift = shift;
    public float Invoke(float x) => VectorMath.Exp(x - _shift);
    public Vector128<float> Invoke(Vector128<float> x) => VectorMath.Exp(x - Vector128.Create(_shift));
    public Vector256<float> Invoke(Vector256<float> x) => VectorMath.Exp(x - Vector256.Create(_shift));
    public Vector512<float> Invoke(Vector512<float> x) => VectorMath.Exp(x - Vector512.Create(_shift));
}
