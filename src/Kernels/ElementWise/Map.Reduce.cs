using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>Reductions of f(x[i]) and of f(x[i], y[i]); see <see cref="Map"/> for the fixed order.</summary>
internal static partial class Map
{
    public static float Reduce<TOp, TAgg>(ReadOnlySpan<float> x, TOp op, SimdLevel level)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length;
        return level switch
        {
            SimdLevel.Vector512 => Reduce512<TOp, TAgg>(ref xs, n, op),
            SimdLevel.Vector256 => Reduce256<TOp, TAgg>(ref xs, n, op),
            SimdLevel.Vector128 => Reduce128<TOp, TAgg>(ref xs, n, op),
            _ => ReduceScalar<TOp, TAgg>(ref xs, n, op),
        };
    }

    private static float ReduceScalar<TOp, TAgg>(ref float x, nuint n, TOp op) where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        float acc = TAgg.Identity;
        for (nuint i = 0; i < n; i++)
            acc = TAgg.Combine(acc, op.Invoke(Unsafe.Add(ref x, i)));
        return acc;
    }

    private static float Reduce128<TOp, TAgg>(ref float x, nuint n, TOp op) where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 4;
        if (n < W) return ReduceScalar<TOp, TAgg>(ref x, n, op);
        Vector128<float> identity = Vector128.Create(TAgg.Identity);
        Vector128<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector128.LoadUnsafe(ref x, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector128.LoadUnsafe(ref x, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector128.LoadUnsafe(ref x, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector128.LoadUnsafe(ref x, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector128.LoadUnsafe(ref x, i)));
        if (i != n)
        {
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector128.ConditionalSelect(keep, op.Invoke(Vector128.LoadUnsafe(ref x, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    private static float Reduce256<TOp, TAgg>(ref float x, nuint n, TOp op) where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 8;
        if (n < W) return Reduce128<TOp, TAgg>(ref x, n, op);
        Vector256<float> identity = Vector256.Create(TAgg.Identity);
        Vector256<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector256.LoadUnsafe(ref x, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector256.LoadUnsafe(ref x, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector256.LoadUnsafe(ref x, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector256.LoadUnsafe(ref x, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector256.LoadUnsafe(ref x, i)));
        if (i != n)
        {
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector256.ConditionalSelect(keep, op.Invoke(Vector256.LoadUnsafe(ref x, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    private static float Reduce512<TOp, TAgg>(ref float x, nuint n, TOp op) where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 16;
        if (n < W) return Reduce256<TOp, TAgg>(ref x, n, op);
        Vector512<float> identity = Vector512.Create(TAgg.Identity);
        Vector512<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector512.LoadUnsafe(ref x, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector512.LoadUnsafe(ref x, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector512.LoadUnsafe(ref x, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector512.LoadUnsafe(ref x, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector512.LoadUnsafe(ref x, i)));
        if (i != n)
        {
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Lane512, Vector512.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector512.ConditionalSelect(keep, op.Invoke(Vector512.LoadUnsafe(ref x, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    public static float Reduce<TOp, TAgg>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, TOp op, SimdLevel level)
        where TOp : struct, IBinaryOperator where TAgg : struct, IAggregateOperator
    {
        Debug.Assert(x.Length == y.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length;
        return level switch
        {
            SimdLevel.Vector512 => Reduce512<TOp, TAgg>(ref xs, ref ys, n, op),
            SimdLevel.Vector256 => Reduce256<TOp, TAgg>(ref xs, ref ys, n, op),
            SimdLevel.Vector128 => Reduce128<TOp, TAgg>(ref xs, ref ys, n, op),
            _ => ReduceScalar<TOp, TAgg>(ref xs, ref ys, n, op),
        };
    }

    private static float ReduceScalar<TOp, TAgg>(ref float x, ref float y, nuint n, TOp op) where TOp : struct, IBinaryOperator where TAgg : struct, IAggregateOperator
    {
        float acc = TAgg.Identity;
        for (nuint i = 0; i < n; i++)
            acc = TAgg.Combine(acc, op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i)));
        return acc;
    }

    private static float Reduce128<TOp, TAgg>(ref float x, ref float y, nuint n, TOp op) where TOp : struct, IBinaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 4;
        if (n < W) return ReduceScalar<TOp, TAgg>(ref x, ref y, n, op);
        Vector128<float> identity = Vector128.Create(TAgg.Identity);
        Vector128<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector128.LoadUnsafe(ref x, i + W), Vector128.LoadUnsafe(ref y, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector128.LoadUnsafe(ref x, i + 2 * W), Vector128.LoadUnsafe(ref y, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector128.LoadUnsafe(ref x, i + 3 * W), Vector128.LoadUnsafe(ref y, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)));
        if (i != n)
        {
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector128.ConditionalSelect(keep, op.Invoke(Vector128.LoadUnsafe(ref x, n - W), Vector128.LoadUnsafe(ref y, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    private static float Reduce256<TOp, TAgg>(ref float x, ref float y, nuint n, TOp op) where TOp : struct, IBinaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 8;
        if (n < W) return Reduce128<TOp, TAgg>(ref x, ref y, n, op);
        Vector256<float> identity = Vector256.Create(TAgg.Identity);
        Vector256<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector256.LoadUnsafe(ref x, i + W), Vector256.LoadUnsafe(ref y, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector256.LoadUnsafe(ref x, i + 2 * W), Vector256.LoadUnsafe(ref y, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector256.LoadUnsafe(ref x, i + 3 * W), Vector256.LoadUnsafe(ref y, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)));
        if (i != n)
        {
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector256.ConditionalSelect(keep, op.Invoke(Vector256.LoadUnsafe(ref x, n - W), Vector256.LoadUnsafe(ref y, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    private static float Reduce512<TOp, TAgg>(ref float x, ref float y, nuint n, TOp op) where TOp : struct, IBinaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 16;
        if (n < W) return Reduce256<TOp, TAgg>(ref x, ref y, n, op);
        Vector512<float> identity = Vector512.Create(TAgg.Identity);
        Vector512<float> a0 = identity, a1 = identity, a2 = identity, a3 = identity;
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            a0 = TAgg.Combine(a0, op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)));
            a1 = TAgg.Combine(a1, op.Invoke(Vector512.LoadUnsafe(ref x, i + W), Vector512.LoadUnsafe(ref y, i + W)));
            a2 = TAgg.Combine(a2, op.Invoke(Vector512.LoadUnsafe(ref x, i + 2 * W), Vector512.LoadUnsafe(ref y, i + 2 * W)));
            a3 = TAgg.Combine(a3, op.Invoke(Vector512.LoadUnsafe(ref x, i + 3 * W), Vector512.LoadUnsafe(ref y, i + 3 * W)));
        }
        for (; i + W <= n; i += W)
            a0 = TAgg.Combine(a0, op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)));
        if (i != n)
        {
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Lane512, Vector512.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector512.ConditionalSelect(keep, op.Invoke(Vector512.LoadUnsafe(ref x, n - W), Vector512.LoadUnsafe(ref y, n - W)), identity));
        }
        return TAgg.Horizontal(TAgg.Combine(TAgg.Combine(a0, a1), TAgg.Combine(a2, a3)));
    }

    /// <summary>Lane indices 0..15 as floats, for masking the overlapping last vector of a reduction.</summary>
    // Inlined on purpose: when every block length is a multiple of 16 the masked tail never runs, Dynamic
    // PGO leaves this getter as a call there, and the call forces all four zmm accumulators to spill to the
    // stack on every loop iteration (perf-results/tuning/element-wise.md).
    private static Vector512<float> Lane512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);
    }
}
