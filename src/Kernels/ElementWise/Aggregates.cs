using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>Sum aggregation. Horizontal sums fold halves (512 → 256 → 128) then add lanes pairwise.</summary>
internal readonly struct AddAggregate : IAggregateOperator
{
    public static float Identity => 0f;
    public static float Combine(float x, float y) => x + y;
    public static Vector128<float> Combine(Vector128<float> x, Vector128<float> y) => x + y;
    public static Vector256<float> Combine(Vector256<float> x, Vector256<float> y) => x + y;
    public static Vector512<float> Combine(Vector512<float> x, Vector512<float> y) => x + y;
    public static float Horizontal(Vector128<float> x) => (x.GetElement(0) + x.GetElement(1)) + (x.GetElement(2) + x.GetElement(3));
    public static float Horizontal(Vector256<float> x) => Horizontal(x.GetLower() + x.GetUpper());
    public static float Horizontal(Vector512<float> x) => Horizontal(x.GetLower() + x.GetUpper());
}

/// <summary>Max aggregation that propagates NaN (IEEE 754-2019 maximum; −0 &lt; +0).</summary>
internal readonly struct MaxAggregate : IAggregateOperator
{
    public static float Identity => float.NegativeInfinity;
    public static float Combine(float x, float y) => float.Max(x, y);
    public static Vector128<float> Combine(Vector128<float> x, Vector128<float> y) => Vector128.Max(x, y);
    public static Vector256<float> Combine(Vector256<float> x, Vector256<float> y) => Vector256.Max(x, y);
    public static Vector512<float> Combine(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);
    public static float Horizontal(Vector128<float> x) => float.Max(float.Max(x.GetElement(0), x.GetElement(1)), float.Max(x.GetElement(2), x.GetElement(3)));
    public static float Horizontal(Vector256<float> x) => Horizontal(Vector128.Max(x.GetLower(), x.GetUpper()));
    public static float Horizontal(Vector512<float> x) => Horizontal(Vector256.Max(x.GetLower(), x.GetUpper()));
}
