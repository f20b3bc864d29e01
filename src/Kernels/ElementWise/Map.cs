using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// The shared element-wise drivers: one loop per vector width, written once, specialized by the JIT
/// for each operator struct. Callers validate arguments; the drivers only assert.
/// </summary>
/// <remarks>
/// <para>Remainders: a length that is not a multiple of the width ends with one vector that overlaps
/// the previous one and ends exactly at the last element. Its inputs are loaded before the main loop,
/// so a destination that is exactly one of the inputs (in place) still sees original values and the
/// overlapped elements are rewritten with the same results. Lengths shorter than one vector fall to
/// the next narrower width, and finally to scalar code.</para>
/// <para>Reductions run four accumulators per width over blocks of four vectors, then single vectors,
/// then the overlapping last vector with its already-counted lanes replaced by the identity; the
/// accumulators combine as (a0 + a1) + (a2 + a3) and then horizontally. The order therefore depends only
/// on the length and the level, never on addresses or alignment.</para>
/// </remarks>
internal static partial class Map
{
    // ---------------------------------------------------------------- unary: d[i] = f(x[i])

    public static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> destination, TOp op, SimdLevel level)
        where TOp : struct, IUnaryOperator
    {
        Debug.Assert(destination.Length >= x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length;
        switch (level)
        {
            case SimdLevel.Vector512: Unary512(ref xs, ref ds, n, op); break;
            case SimdLevel.Vector256: Unary256(ref xs, ref ds, n, op); break;
            case SimdLevel.Vector128: Unary128(ref xs, ref ds, n, op); break;
            default: UnaryScalar(ref xs, ref ds, n, op); break;
        }
    }

    private static void UnaryScalar<TOp>(ref float x, ref float d, nuint n, TOp op) where TOp : struct, IUnaryOperator
    {
        for (nuint i = 0; i < n; i++)
            Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref x, i));
    }

    private static void Unary128<TOp>(ref float x, ref float d, nuint n, TOp op) where TOp : struct, IUnaryOperator
    {
        const int W = 4;
        if (n < W) { UnaryScalar(ref x, ref d, n, op); return; }
        Vector128<float> last = Vector128.LoadUnsafe(ref x, n - W);
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref x, i), b = Vector128.LoadUnsafe(ref x, i + W);
            Vector128<float> c = Vector128.LoadUnsafe(ref x, i + 2 * W), e = Vector128.LoadUnsafe(ref x, i + 3 * W);
            op.Invoke(a).StoreUnsafe(ref d, i); op.Invoke(b).StoreUnsafe(ref d, i + W);
            op.Invoke(c).StoreUnsafe(ref d, i + 2 * W); op.Invoke(e).StoreUnsafe(ref d, i + 3 * W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector128.LoadUnsafe(ref x, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(last).StoreUnsafe(ref d, n - W);
    }

    private static void Unary256<TOp>(ref float x, ref float d, nuint n, TOp op) where TOp : struct, IUnaryOperator
    {
        const int W = 8;
        if (n < W) { Unary128(ref x, ref d, n, op); return; }
        Vector256<float> last = Vector256.LoadUnsafe(ref x, n - W);
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref x, i), b = Vector256.LoadUnsafe(ref x, i + W);
            Vector256<float> c = Vector256.LoadUnsafe(ref x, i + 2 * W), e = Vector256.LoadUnsafe(ref x, i + 3 * W);
            op.Invoke(a).StoreUnsafe(ref d, i); op.Invoke(b).StoreUnsafe(ref d, i + W);
            op.Invoke(c).StoreUnsafe(ref d, i + 2 * W); op.Invoke(e).StoreUnsafe(ref d, i + 3 * W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector256.LoadUnsafe(ref x, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(last).StoreUnsafe(ref d, n - W);
    }

    private static void Unary512<TOp>(ref float x, ref float d, nuint n, TOp op) where TOp : struct, IUnaryOperator
    {
        const int W = 16;
        if (n < W) { Unary256(ref x, ref d, n, op); return; }
        Vector512<float> last = Vector512.LoadUnsafe(ref x, n - W);
        nuint i = 0;
        for (; i + 4 * W <= n; i += 4 * W)
        {
            Vector512<float> a = Vector512.LoadUnsafe(ref x, i), b = Vector512.LoadUnsafe(ref x, i + W);
            Vector512<float> c = Vector512.LoadUnsafe(ref x, i + 2 * W), e = Vector512.LoadUnsafe(ref x, i + 3 * W);
            op.Invoke(a).StoreUnsafe(ref d, i); op.Invoke(b).StoreUnsafe(ref d, i + W);
            op.Invoke(c).StoreUnsafe(ref d, i + 2 * W); op.Invoke(e).StoreUnsafe(ref d, i + 3 * W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector512.LoadUnsafe(ref x, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(last).StoreUnsafe(ref d, n - W);
    }

    // ---------------------------------------------------------------- binary: d[i] = f(x[i], y[i])

    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination, TOp op, SimdLevel level)
        where TOp : struct, IBinaryOperator
    {
        Debug.Assert(y.Length == x.Length && destination.Length >= x.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length;
        switch (level)
        {
            case SimdLevel.Vector512: Binary512(ref xs, ref ys, ref ds, n, op); break;
            case SimdLevel.Vector256: Binary256(ref xs, ref ys, ref ds, n, op); break;
            case SimdLevel.Vector128: Binary128(ref xs, ref ys, ref ds, n, op); break;
            default: BinaryScalar(ref xs, ref ys, ref ds, n, op); break;
        }
    }

    private static void BinaryScalar<TOp>(ref float x, ref float y, ref float d, nuint n, TOp op) where TOp : struct, IBinaryOperator
    {
        for (nuint i = 0; i < n; i++)
            Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }

    private static void Binary128<TOp>(ref float x, ref float y, ref float d, nuint n, TOp op) where TOp : struct, IBinaryOperator
    {
        const int W = 4;
        if (n < W) { BinaryScalar(ref x, ref y, ref d, n, op); return; }
        Vector128<float> lastX = Vector128.LoadUnsafe(ref x, n - W), lastY = Vector128.LoadUnsafe(ref y, n - W);
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector128<float> x0 = Vector128.LoadUnsafe(ref x, i), x1 = Vector128.LoadUnsafe(ref x, i + W);
            Vector128<float> y0 = Vector128.LoadUnsafe(ref y, i), y1 = Vector128.LoadUnsafe(ref y, i + W);
            op.Invoke(x0, y0).StoreUnsafe(ref d, i);
            op.Invoke(x1, y1).StoreUnsafe(ref d, i + W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(lastX, lastY).StoreUnsafe(ref d, n - W);
    }

    private static void Binary256<TOp>(ref float x, ref float y, ref float d, nuint n, TOp op) where TOp : struct, IBinaryOperator
    {
        const int W = 8;
        if (n < W) { Binary128(ref x, ref y, ref d, n, op); return; }
        Vector256<float> lastX = Vector256.LoadUnsafe(ref x, n - W), lastY = Vector256.LoadUnsafe(ref y, n - W);
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref x, i), x1 = Vector256.LoadUnsafe(ref x, i + W);
            Vector256<float> y0 = Vector256.LoadUnsafe(ref y, i), y1 = Vector256.LoadUnsafe(ref y, i + W);
            op.Invoke(x0, y0).StoreUnsafe(ref d, i);
            op.Invoke(x1, y1).StoreUnsafe(ref d, i + W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(lastX, lastY).StoreUnsafe(ref d, n - W);
    }

    private static void Binary512<TOp>(ref float x, ref float y, ref float d, nuint n, TOp op) where TOp : struct, IBinaryOperator
    {
        const int W = 16;
        if (n < W) { Binary256(ref x, ref y, ref d, n, op); return; }
        Vector512<float> lastX = Vector512.LoadUnsafe(ref x, n - W), lastY = Vector512.LoadUnsafe(ref y, n - W);
        nuint i = 0;
        for (; i + 2 * W <= n; i += 2 * W)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref x, i), x1 = Vector512.LoadUnsafe(ref x, i + W);
            Vector512<float> y0 = Vector512.LoadUnsafe(ref y, i), y1 = Vector512.LoadUnsafe(ref y, i + W);
            op.Invoke(x0, y0).StoreUnsafe(ref d, i);
            op.Invoke(x1, y1).StoreUnsafe(ref d, i + W);
        }
        for (; i + W <= n; i += W)
            op.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
        if (i != n)
            op.Invoke(lastX, lastY).StoreUnsafe(ref d, n - W);
    }
}
