using System.Runtime.Intrinsics;

namespace Simd.Kernels;

// The arithmetic operators several public operations share (Blas1, Biases, Clipping, Regularization,
// OptimizerUpdates, SoftmaxCrossEntropy). Each is the plain IEEE operation, one rounding per operator
// symbol and no fused multiply-add, so every width gives the scalar member's bits.

/// <summary>x: the identity transform, for plain reductions.</summary>
internal readonly struct IdentityOperator : IUnaryOperator
{
    public float Invoke(float x) => x;
    public Vector128<float> Invoke(Vector128<float> x) => x;
    public Vector256<float> Invoke(Vector256<float> x) => x;
    public Vector512<float> Invoke(Vector512<float> x) => x;
}

/// <summary>α·x.</summary>
internal readonly struct ScaleOperator(float alpha) : IUnaryOperator
{
    private readonly float _alpha = alpha;
    public float Invoke(float x) => _alpha * x;
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Create(_alpha) * x;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(_alpha) * x;
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Create(_alpha) * x;
}

/// <summary>y + α·x, the product rounded before the add.</summary>
internal readonly struct AxpyOperator(float alpha) : IBinaryOperator
{
    private readonly float _alpha = alpha;
    public float Invoke(float x, float y) => y + _alpha * x;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => y + Vector128.Create(_alpha) * x;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => y + Vector256.Create(_alpha) * x;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => y + Vector512.Create(_alpha) * x;
}

/// <summary>x + y.</summary>
internal readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}

/// <summary>x − y.</summary>
internal readonly struct SubtractOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x - y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x - y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
}

/// <summary>x·y.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x * y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
}

/// <summary>x².</summary>
internal readonly struct SquareOperator : IUnaryOperator
{
    public float Invoke(float x) => x * x;
    public Vector128<float> Invoke(Vector128<float> x) => x * x;
    public Vector256<float> Invoke(Vector256<float> x) => x * x;
    public Vector512<float> Invoke(Vector512<float> x) => x * x;
}
