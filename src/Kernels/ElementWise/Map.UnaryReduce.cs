using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// A map that also reduces what it writes: destination[i] = f(x[i]) and the aggregate of those values,
/// in one pass (softmax writes e^(z − max) and needs its sum).
/// </summary>
/// <remarks>
/// Order: two accumulators over pairs of vectors, then one more vector into the first, then the
/// overlapping last vector with its already-counted lanes replaced by the identity into the second;
/// combined as a0 + a1 and then horizontally. It depends only on the length and the level. This is
/// not the four-accumulator order of <see cref="Reduce{TOp, TAgg}(ReadOnlySpan{float}, TOp, SimdLevel)"/>:
/// a pass that also stores keeps fewer accumulators, and softmax's bits are defined by this order.
/// </remarks>
internal static partial class Map
{
    public static float UnaryReduce<TOp, TAgg>(ReadOnlySpan<float> x, Span<float> destination, TOp op, SimdLevel level)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        Debug.Assert(destination.Length >= x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length;
        return level switch
        {
            SimdLevel.Vector512 => UnaryReduce512<TOp, TAgg>(ref xs, ref ds, n, op),
            SimdLevel.Vector256 => UnaryReduce256<TOp, TAgg>(ref xs, ref ds, n, op),
            SimdLevel.Vector128 => UnaryReduce128<TOp, TAgg>(ref xs, ref ds, n, op),
            _ => UnaryReduceScalar<TOp, TAgg>(ref xs, ref ds, n, op),
        };
    }

    private static float UnaryReduceScalar<TOp, TAgg>(ref float x, ref float d, nuint n, TOp op)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        float acc = TAgg.Identity;
        for (nuint i = 0; i < n; i++)
        {
            float e = op.Invoke(Unsafe.Add(ref x, i));
            Unsafe.Add(ref d, i) = e;
            acc = TAgg.Combine(acc, e);
        }
        return acc;
    }

    private static float UnaryReduce128<TOp, TAgg>(ref float x, ref float d, nuint n, TOp op)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 4;
        if (n < W) return UnaryReduceScalar<TOp, TAgg>(ref x, ref d, n, op);
        Vector128<float> last = Vector128.LoadUnsafe(ref x, n - W);
        Vector128<float> a0 = Vector128.Create(TAgg.Identity), a1 = a0;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector128<float> e0 = op.Invoke(Vector128.LoadUnsafe(ref x, i));
            Vector128<float> e1 = op.Invoke(Vector128.LoadUnsafe(ref x, i + W));
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 = TAgg.Combine(a0, e0);
            a1 = TAgg.Combine(a1, e1);
        }
        if (i + W <= n)
        {
            Vector128<float> e = op.Invoke(Vector128.LoadUnsafe(ref x, i));
            e.StoreUnsafe(ref d, i);
            a0 = TAgg.Combine(a0, e);
            i += W;
        }
        if (i != n)
        {
            Vector128<float> e = op.Invoke(last);
            e.StoreUnsafe(ref d, n - W);
            Vector128<float> keep = Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector128.ConditionalSelect(keep, e, Vector128.Create(TAgg.Identity)));
        }
        return TAgg.Horizontal(TAgg.Combine(a0, a1));
    }

    private static float UnaryReduce256<TOp, TAgg>(ref float x, ref float d, nuint n, TOp op)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 8;
        if (n < W) return UnaryReduce128<TOp, TAgg>(ref x, ref d, n, op);
        Vector256<float> last = Vector256.LoadUnsafe(ref x, n - W);
        Vector256<float> a0 = Vector256.Create(TAgg.Identity), a1 = a0;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector256<float> e0 = op.Invoke(Vector256.LoadUnsafe(ref x, i));
            Vector256<float> e1 = op.Invoke(Vector256.LoadUnsafe(ref x, i + W));
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 = TAgg.Combine(a0, e0);
            a1 = TAgg.Combine(a1, e1);
        }
        if (i + W <= n)
        {
            Vector256<float> e = op.Invoke(Vector256.LoadUnsafe(ref x, i));
            e.StoreUnsafe(ref d, i);
            a0 = TAgg.Combine(a0, e);
            i += W;
        }
        if (i != n)
        {
            Vector256<float> e = op.Invoke(last);
            e.StoreUnsafe(ref d, n - W);
            Vector256<float> keep = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector256.ConditionalSelect(keep, e, Vector256.Create(TAgg.Identity)));
        }
        return TAgg.Horizontal(TAgg.Combine(a0, a1));
    }

    private static float UnaryReduce512<TOp, TAgg>(ref float x, ref float d, nuint n, TOp op)
        where TOp : struct, IUnaryOperator where TAgg : struct, IAggregateOperator
    {
        const int W = 16;
        if (n < W) return UnaryReduce256<TOp, TAgg>(ref x, ref d, n, op);
        Vector512<float> last = Vector512.LoadUnsafe(ref x, n - W);
        Vector512<float> a0 = Vector512.Create(TAgg.Identity), a1 = a0;
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector512<float> e0 = op.Invoke(Vector512.LoadUnsafe(ref x, i));
            Vector512<float> e1 = op.Invoke(Vector512.LoadUnsafe(ref x, i + W));
            e0.StoreUnsafe(ref d, i);
            e1.StoreUnsafe(ref d, i + W);
            a0 = TAgg.Combine(a0, e0);
            a1 = TAgg.Combine(a1, e1);
        }
        if (i + W <= n)
        {
            Vector512<float> e = op.Invoke(Vector512.LoadUnsafe(ref x, i));
            e.StoreUnsafe(ref d, i);
            a0 = TAgg.Combine(a0, e);
            i += W;
        }
        if (i != n)
        {
            Vector512<float> e = op.Invoke(last);
            e.StoreUnsafe(ref d, n - W);
            Vector512<float> keep = Vector512.GreaterThanOrEqual(Lane512, Vector512.Create((float)(i - (n - W))));
            a1 = TAgg.Combine(a1, Vector512.ConditionalSelect(keep, e, Vector512.Create(TAgg.Identity)));
        }
        return TAgg.Horizontal(TAgg.Combine(a0, a1));
    }
}
