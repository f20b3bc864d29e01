using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>In-place updates of two or three state arrays; see <see cref="Map"/> for the remainder rule.</summary>
internal static partial class Map
{
    public static void Update2<TOp>(Span<float> s0, Span<float> s1, ReadOnlySpan<float> g, TOp op, SimdLevel level)
        where TOp : struct, IUpdate2Operator
    {
        Debug.Assert(s0.Length == g.Length && s1.Length == g.Length);
        ref float a = ref MemoryMarshal.GetReference(s0);
        ref float b = ref MemoryMarshal.GetReference(s1);
        ref float gs = ref MemoryMarshal.GetReference(g);
        nuint n = (nuint)g.Length;
        switch (level)
        {
            case SimdLevel.Vector512: Update2_512(ref a, ref b, ref gs, n, op); break;
            case SimdLevel.Vector256: Update2_256(ref a, ref b, ref gs, n, op); break;
            case SimdLevel.Vector128: Update2_128(ref a, ref b, ref gs, n, op); break;
            default: Update2Scalar(ref a, ref b, ref gs, n, op); break;
        }
    }

    private static void Update2Scalar<TOp>(ref float a, ref float b, ref float g, nuint n, TOp op) where TOp : struct, IUpdate2Operator
    {
        for (nuint i = 0; i < n; i++)
            op.Invoke(ref Unsafe.Add(ref a, i), ref Unsafe.Add(ref b, i), Unsafe.Add(ref g, i));
    }

    private static void Update2_128<TOp>(ref float a, ref float b, ref float g, nuint n, TOp op) where TOp : struct, IUpdate2Operator
    {
        const int W = 4;
        if (n < W) { Update2Scalar(ref a, ref b, ref g, n, op); return; }
        Vector128<float> lastA = Vector128.LoadUnsafe(ref a, n - W), lastB = Vector128.LoadUnsafe(ref b, n - W), lastG = Vector128.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector128<float> va = Vector128.LoadUnsafe(ref a, i), vb = Vector128.LoadUnsafe(ref b, i);
            op.Invoke(ref va, ref vb, Vector128.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W);
        }
    }

    private static void Update2_256<TOp>(ref float a, ref float b, ref float g, nuint n, TOp op) where TOp : struct, IUpdate2Operator
    {
        const int W = 8;
        if (n < W) { Update2_128(ref a, ref b, ref g, n, op); return; }
        Vector256<float> lastA = Vector256.LoadUnsafe(ref a, n - W), lastB = Vector256.LoadUnsafe(ref b, n - W), lastG = Vector256.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector256<float> va = Vector256.LoadUnsafe(ref a, i), vb = Vector256.LoadUnsafe(ref b, i);
            op.Invoke(ref va, ref vb, Vector256.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W);
        }
    }

    private static void Update2_512<TOp>(ref float a, ref float b, ref float g, nuint n, TOp op) where TOp : struct, IUpdate2Operator
    {
        const int W = 16;
        if (n < W) { Update2_256(ref a, ref b, ref g, n, op); return; }
        Vector512<float> lastA = Vector512.LoadUnsafe(ref a, n - W), lastB = Vector512.LoadUnsafe(ref b, n - W), lastG = Vector512.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector512<float> va = Vector512.LoadUnsafe(ref a, i), vb = Vector512.LoadUnsafe(ref b, i);
            op.Invoke(ref va, ref vb, Vector512.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W);
        }
    }

    public static void Update3<TOp>(Span<float> s0, Span<float> s1, Span<float> s2, ReadOnlySpan<float> g, TOp op, SimdLevel level)
        where TOp : struct, IUpdate3Operator
    {
        Debug.Assert(s0.Length == g.Length && s1.Length == g.Length && s2.Length == g.Length);
        ref float a = ref MemoryMarshal.GetReference(s0);
        ref float b = ref MemoryMarshal.GetReference(s1);
        ref float c = ref MemoryMarshal.GetReference(s2);
        ref float gs = ref MemoryMarshal.GetReference(g);
        nuint n = (nuint)g.Length;
        switch (level)
        {
            case SimdLevel.Vector512: Update3_512(ref a, ref b, ref c, ref gs, n, op); break;
            case SimdLevel.Vector256: Update3_256(ref a, ref b, ref c, ref gs, n, op); break;
            case SimdLevel.Vector128: Update3_128(ref a, ref b, ref c, ref gs, n, op); break;
            default: Update3Scalar(ref a, ref b, ref c, ref gs, n, op); break;
        }
    }

    private static void Update3Scalar<TOp>(ref float a, ref float b, ref float c, ref float g, nuint n, TOp op) where TOp : struct, IUpdate3Operator
    {
        for (nuint i = 0; i < n; i++)
            op.Invoke(ref Unsafe.Add(ref a, i), ref Unsafe.Add(ref b, i), ref Unsafe.Add(ref c, i), Unsafe.Add(ref g, i));
    }

    private static void Update3_128<TOp>(ref float a, ref float b, ref float c, ref float g, nuint n, TOp op) where TOp : struct, IUpdate3Operator
    {
        const int W = 4;
        if (n < W) { Update3Scalar(ref a, ref b, ref c, ref g, n, op); return; }
        Vector128<float> lastA = Vector128.LoadUnsafe(ref a, n - W), lastB = Vector128.LoadUnsafe(ref b, n - W);
        Vector128<float> lastC = Vector128.LoadUnsafe(ref c, n - W), lastG = Vector128.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector128<float> va = Vector128.LoadUnsafe(ref a, i), vb = Vector128.LoadUnsafe(ref b, i), vc = Vector128.LoadUnsafe(ref c, i);
            op.Invoke(ref va, ref vb, ref vc, Vector128.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i); vc.StoreUnsafe(ref c, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, ref lastC, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W); lastC.StoreUnsafe(ref c, n - W);
        }
    }

    private static void Update3_256<TOp>(ref float a, ref float b, ref float c, ref float g, nuint n, TOp op) where TOp : struct, IUpdate3Operator
    {
        const int W = 8;
        if (n < W) { Update3_128(ref a, ref b, ref c, ref g, n, op); return; }
        Vector256<float> lastA = Vector256.LoadUnsafe(ref a, n - W), lastB = Vector256.LoadUnsafe(ref b, n - W);
        Vector256<float> lastC = Vector256.LoadUnsafe(ref c, n - W), lastG = Vector256.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector256<float> va = Vector256.LoadUnsafe(ref a, i), vb = Vector256.LoadUnsafe(ref b, i), vc = Vector256.LoadUnsafe(ref c, i);
            op.Invoke(ref va, ref vb, ref vc, Vector256.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i); vc.StoreUnsafe(ref c, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, ref lastC, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W); lastC.StoreUnsafe(ref c, n - W);
        }
    }

    private static void Update3_512<TOp>(ref float a, ref float b, ref float c, ref float g, nuint n, TOp op) where TOp : struct, IUpdate3Operator
    {
        const int W = 16;
        if (n < W) { Update3_256(ref a, ref b, ref c, ref g, n, op); return; }
        Vector512<float> lastA = Vector512.LoadUnsafe(ref a, n - W), lastB = Vector512.LoadUnsafe(ref b, n - W);
        Vector512<float> lastC = Vector512.LoadUnsafe(ref c, n - W), lastG = Vector512.LoadUnsafe(ref g, n - W);
        nuint i = 0;
        for (; i + W <= n; i += W)
        {
            Vector512<float> va = Vector512.LoadUnsafe(ref a, i), vb = Vector512.LoadUnsafe(ref b, i), vc = Vector512.LoadUnsafe(ref c, i);
            op.Invoke(ref va, ref vb, ref vc, Vector512.LoadUnsafe(ref g, i));
            va.StoreUnsafe(ref a, i); vb.StoreUnsafe(ref b, i); vc.StoreUnsafe(ref c, i);
        }
        if (i != n)
        {
            op.Invoke(ref lastA, ref lastB, ref lastC, lastG);
            lastA.StoreUnsafe(ref a, n - W); lastB.StoreUnsafe(ref b, n - W); lastC.StoreUnsafe(ref c, n - W);
        }
    }
}
