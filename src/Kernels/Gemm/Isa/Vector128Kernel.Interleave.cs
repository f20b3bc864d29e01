using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

internal readonly unsafe partial struct Vector128Kernel
{
    /// <summary>
    /// Whether <see cref="InterleavePairs"/> runs as SSE unpacks. Where it does not, the column path's merge
    /// takes its element loop instead of the portable form, which is no faster there.
    /// </summary>
    public static bool InterleavesInRegisters => Sse.IsSupported;

    /// <summary>
    /// Two columns of four rows interleaved into row pairs: low = [left₀, right₀, left₁, right₁], high =
    /// [left₂, right₂, left₃, right₃]. It only moves values; the portable form gives the same result.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InterleavePairs(Vector128<float> left, Vector128<float> right, out Vector128<float> low, out Vector128<float> high)
    {
        if (Sse.IsSupported)
        {
            low = Sse.UnpackLow(left, right);
            high = Sse.UnpackHigh(left, right);
            return;
        }
        low = Vector128.Create(left.GetElement(0), right.GetElement(0), left.GetElement(1), right.GetElement(1));
        high = Vector128.Create(left.GetElement(2), right.GetElement(2), left.GetElement(3), right.GetElement(3));
    }
}
