using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>An element-wise operation f(x) with one member per vector width.</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);
    Vector128<float> Invoke(Vector128<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>An element-wise operation f(x, y) with one member per vector width.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>
/// An in-place update of two state arrays (s0, s1) from one read-only input g, element by element:
/// (s0, s1) ← f(s0, s1, g). Optimizers use it (momentum: weights and velocity).
/// </summary>
internal interface IUpdate2Operator
{
    void Invoke(ref float s0, ref float s1, float g);
    void Invoke(ref Vector128<float> s0, ref Vector128<float> s1, Vector128<float> g);
    void Invoke(ref Vector256<float> s0, ref Vector256<float> s1, Vector256<float> g);
    void Invoke(ref Vector512<float> s0, ref Vector512<float> s1, Vector512<float> g);
}

/// <summary>
/// An in-place update of three state arrays (s0, s1, s2) from one read-only input g:
/// (s0, s1, s2) ← f(s0, s1, s2, g). Adam uses it (weights, first and second moments).
/// </summary>
internal interface IUpdate3Operator
{
    void Invoke(ref float s0, ref float s1, ref float s2, float g);
    void Invoke(ref Vector128<float> s0, ref Vector128<float> s1, ref Vector128<float> s2, Vector128<float> g);
    void Invoke(ref Vector256<float> s0, ref Vector256<float> s1, ref Vector256<float> s2, Vector256<float> g);
    void Invoke(ref Vector512<float> s0, ref Vector512<float> s1, ref Vector512<float> s2, Vector512<float> g);
}

/// <summary>
/// An associative combination for reductions (sum, max) with its identity, per vector width.
/// <c>Combine</c> of a vector reduces it to one lane in an order fixed per width.
/// </summary>
internal interface IAggregateOperator
{
    static abstract float Identity { get; }
    static abstract float Combine(float x, float y);
    static abstract Vector128<float> Combine(Vector128<float> x, Vector128<float> y);
    static abstract Vector256<float> Combine(Vector256<float> x, Vector256<float> y);
    static abstract Vector512<float> Combine(Vector512<float> x, Vector512<float> y);
    static abstract float Horizontal(Vector128<float> x);
    static abstract float Horizontal(Vector256<float> x);
    static abstract float Horizontal(Vector512<float> x);
}
