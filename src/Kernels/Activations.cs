using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>An element-wise activation function σ applied after an affine layer.</summary>
public enum ActivationFunction
{
    /// <summary>σ(z) = z.</summary>
    None = 0,
    /// <summary>σ(z) = max(z, 0); σ′(0) = 0.</summary>
    Relu,
    /// <summary>σ(z) = 1 / (1 + e^−z).</summary>
    Sigmoid,
    /// <summary>σ(z) = tanh z.</summary>
    Tanh,
}

/// <summary>
/// Activation functions: forward σ(x) and backward as the Hadamard product of the incoming gradient with
/// σ′ evaluated from what the forward pass saved.
/// </summary>
/// <remarks>
/// <para>Shapes: every span is a flat array of n = x.Length (forward) or gradient.Length (backward)
/// elements; destination must hold at least n elements and only its first n are written.</para>
/// <para>Aliasing: destination may be exactly an input (same start, in place); partial overlap with
/// any input throws <see cref="ArgumentException"/>.</para>
/// <para>Accuracy: Sigmoid and Tanh use <see cref="VectorMath"/> (relative error ≤ 1.5·2^-23 and ≤ 2·2^-23);
/// ReLU and the backward products are exact up to the final roundings of their formulas.</para>
/// </remarks>
public static class Activations
{
    /// <summary>
    /// destination[i] = σ(x[i]) for i in [0, x.Length). NaN propagates. <see cref="ActivationFunction.None"/>
    /// copies. destination may be exactly x (in place); partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">destination is shorter than x or partially overlaps it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined activation.</exception>
    public static void Forward(ActivationFunction activation, ReadOnlySpan<float> x, Span<float> destination)
    {
        switch (activation)
        {
            case ActivationFunction.None:
                CheckUnary(x, destination);
                if (!SameStart(x, destination)) x.CopyTo(destination);
                break;
            case ActivationFunction.Relu: Relu(x, destination); break;
            case ActivationFunction.Sigmoid: Sigmoid(x, destination); break;
            case ActivationFunction.Tanh: Tanh(x, destination); break;
            default: ThrowUnknown(activation); break;
        }
    }

    /// <summary>
    /// destination[i] = max(x[i], 0): +0 for x[i] ≤ 0 (including −0 and −Inf), NaN for NaN.
    /// destination may be exactly x; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">destination is shorter than x or partially overlaps it.</exception>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckUnary(x, destination);
        Map.Unary(x, destination, new ReluOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = 1 / (1 + e^−x[i]); σ(+Inf) = 1, σ(−Inf) = +0, NaN for NaN; results below 2^-127
    /// (x &lt; −88.72) are +0. Relative error ≤ 1.5·2^-23. destination may be exactly x; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">destination is shorter than x or partially overlaps it.</exception>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckUnary(x, destination);
        Map.Unary(x, destination, new SigmoidOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = tanh x[i]; exactly ±1 for |x| ≥ 10, tanh(±0) = ±0, NaN for NaN. Relative error
    /// ≤ 2·2^-23 everywhere, including near 0. destination may be exactly x; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">destination is shorter than x or partially overlaps it.</exception>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckUnary(x, destination);
        Map.Unary(x, destination, new TanhOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = gradient[i] · σ′ for the given activation, with σ′ computed from
    /// <paramref name="saved"/> as the named backward method documents: ReLU from the pre-activation or
    /// the output (<see cref="ReluBackward"/>), Sigmoid and Tanh from the output y = σ(z).
    /// <see cref="ActivationFunction.None"/> copies the gradient (saved is only length-checked).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, destination is too short, or destination partially overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined activation.</exception>
    public static void Backward(ActivationFunction activation, ReadOnlySpan<float> gradient, ReadOnlySpan<float> saved, Span<float> destination)
    {
        switch (activation)
        {
            case ActivationFunction.None:
                CheckBinary(gradient, saved, destination);
                if (!SameStart(gradient, destination)) gradient.CopyTo(destination);
                break;
            case ActivationFunction.Relu: ReluBackward(gradient, saved, destination); break;
            case ActivationFunction.Sigmoid: SigmoidBackward(gradient, saved, destination); break;
            case ActivationFunction.Tanh: TanhBackward(gradient, saved, destination); break;
            default: ThrowUnknown(activation); break;
        }
    }

    /// <summary>
    /// destination[i] = gradient[i] · H(saved[i]), an IEEE product with the step H(s) = 1 for s &gt; 0,
    /// 0 for s ≤ 0 (so ReLU′(0) = 0), NaN for NaN. saved may be the pre-activation z or the output
    /// max(z, 0): both are &gt; 0 exactly where z &gt; 0. Consequently: saved &gt; 0 gives gradient[i];
    /// saved ≤ 0 gives 0·gradient[i], which is ±0 for finite gradients and NaN for NaN or ±Inf gradients
    /// (a non-finite gradient is never silently dropped); saved NaN gives NaN. destination may be exactly
    /// gradient or saved; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, destination is too short, or destination partially overlaps an input.</exception>
    public static void ReluBackward(ReadOnlySpan<float> gradient, ReadOnlySpan<float> saved, Span<float> destination)
    {
        CheckBinary(gradient, saved, destination);
        Map.Binary(gradient, saved, destination, new ReluBackwardOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = gradient[i] · (y[i] · (1 − y[i])) with y = σ(z) the saved sigmoid output. NaN in
    /// either input propagates. destination may be exactly gradient or y; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, destination is too short, or destination partially overlaps an input.</exception>
    public static void SigmoidBackward(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckBinary(gradient, y, destination, nameof(y));
        Map.Binary(gradient, y, destination, new SigmoidBackwardOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// destination[i] = gradient[i] · ((1 − y[i]) · (1 + y[i])), that is g·(1 − y²) with y = tanh z the saved
    /// output; the factored form stays accurate as |y| → 1. NaN in either input propagates. destination
    /// may be exactly gradient or y; partial overlap throws.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, destination is too short, or destination partially overlaps an input.</exception>
    public static void TanhBackward(ReadOnlySpan<float> gradient, ReadOnlySpan<float> y, Span<float> destination)
    {
        CheckBinary(gradient, y, destination, nameof(y));
        Map.Binary(gradient, y, destination, new TanhBackwardOperator(), SimdLevels.Current);
    }

    /// <summary>
    /// x[i] = σ(x[i]) in place at <paramref name="level"/>, unchecked: what <see cref="Forward"/> does
    /// for destination = x (same operators, same bits), for callers that have validated their arguments,
    /// such as the GEMM epilogue applying σ row by row. <see cref="ActivationFunction.None"/> leaves x unchanged.
    /// </summary>
    internal static void ForwardInPlace(ActivationFunction activation, Span<float> x, SimdLevel level)
    {
        Debug.Assert(Enum.IsDefined(activation));
        switch (activation)
        {
            case ActivationFunction.Relu: Map.Unary(x, x, new ReluOperator(), level); break;
            case ActivationFunction.Sigmoid: Map.Unary(x, x, new SigmoidOperator(), level); break;
            case ActivationFunction.Tanh: Map.Unary(x, x, new TanhOperator(), level); break;
        }
    }

    private static void CheckUnary(ReadOnlySpan<float> x, Span<float> destination)
    {
        Guard.DestinationLength(destination, x.Length, nameof(destination), nameof(x));
        Guard.NoPartialOverlap(x, destination, nameof(x), nameof(destination));
    }

    private static void CheckBinary(ReadOnlySpan<float> gradient, ReadOnlySpan<float> saved, Span<float> destination, string savedName = "saved")
    {
        Guard.SameLength(gradient, saved, nameof(gradient), savedName);
        Guard.DestinationLength(destination, gradient.Length, nameof(destination), nameof(gradient));
        Guard.NoPartialOverlap(gradient, destination, nameof(gradient), nameof(destination));
        Guard.NoPartialOverlap(saved, destination, savedName, nameof(destination));
    }

    private static bool SameStart(ReadOnlySpan<float> a, Span<float> b) =>
        Unsafe.AreSame(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b));

    private static void ThrowUnknown(ActivationFunction activation) =>
        throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Unknown activation {activation}.");
}

/// <summary>max(x, 0) with NaN propagating and max(−0, 0) = +0 (IEEE 754-2019 maximum).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public float Invoke(float x) => float.Max(x, 0f);
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Max(x, Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

/// <summary>1 / (1 + e^−x) through <see cref="VectorMath.Sigmoid(float)"/>.</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public float Invoke(float x) => VectorMath.Sigmoid(x);
    public Vector128<float> Invoke(Vector128<float> x) => VectorMath.Sigmoid(x);
    public Vector256<float> Invoke(Vector256<float> x) => VectorMath.Sigmoid(x);
    public Vector512<float> Invoke(Vector512<float> x) => VectorMath.Sigmoid(x);
}

/// <summary>tanh x through <see cref="VectorMath.Tanh(float)"/>.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    public float Invoke(float x) => VectorMath.Tanh(x);
    public Vector128<float> Invoke(Vector128<float> x) => VectorMath.Tanh(x);
    public Vector256<float> Invoke(Vector256<float> x) => VectorMath.Tanh(x);
    public Vector512<float> Invoke(Vector512<float> x) => VectorMath.Tanh(x);
}

/// <summary>
/// g · H(s): g where s &gt; 0, NaN (s's own) where s is NaN, else g·0 (±0, or NaN for non-finite g).
/// </summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public float Invoke(float g, float s) => s > 0f ? g : (float.IsNaN(s) ? s : g * 0f);
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> s) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(s, Vector128<float>.Zero), g,
            Vector128.ConditionalSelect(Vector128.Equals(s, s), g * Vector128<float>.Zero, s));
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> s) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(s, Vector256<float>.Zero), g,
            Vector256.ConditionalSelect(Vector256.Equals(s, s), g * Vector256<float>.Zero, s));
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> s) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(s, Vector512<float>.Zero), g,
            Vector512.ConditionalSelect(Vector512.Equals(s, s), g * Vector512<float>.Zero, s));
}

/// <summary>g · (y · (1 − y)).</summary>
internal readonly struct SigmoidBackwardOperator : IBinaryOperator
{
    public float Invoke(float g, float y) => g * (y * (1f - y));
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> y) => g * (y * (Vector128<float>.One - y));
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> y) => g * (y * (Vector256<float>.One - y));
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> y) => g * (y * (Vector512<float>.One - y));
}

/// <summary>g · ((1 − y) · (1 + y)): 1 − y is exact for y in [0.5, 1], so no cancellation near |y| = 1.</summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public float Invoke(float g, float y) => g * ((1f - y) * (1f + y));
    public Vector128<float> Invoke(Vector128<float> g, Vector128<float> y) => g * ((Vector128<float>.One - y) * (Vector128<float>.One + y));
    public Vector256<float> Invoke(Vector256<float> g, Vector256<float> y) => g * ((Vector256<float>.One - y) * (Vector256<float>.One + y));
    public Vector512<float> Invoke(Vector512<float> g, Vector512<float> y) => g * ((Vector512<float>.One - y) * (Vector512<float>.One + y));
}
