using System.Runtime.InteropServices;

namespace Simd.Kernels;

/// <summary>
/// One thread's GEMM packing buffers: 64-byte aligned native memory, created on the thread's first
/// GEMM and grown only when a larger block is needed, so steady-state calls allocate nothing. The
/// finalizer frees the memory once the thread has ended and the workspace is collected.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    private const nuint Alignment = 64;
    /// <summary>Floats in the edge tile: enough for the largest MR×NR of any kernel.</summary>
    public const int TileFloats = 1024;

    [ThreadStatic] private static GemmWorkspace? t_current;

    private float* _a;
    private nint _aFloats;
    private float* _b;
    private nint _bFloats;

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>MR×NR scratch tile that edge tiles are computed into before being merged into C.</summary>
    public float* Tile { get; } = (float*)NativeMemory.AlignedAlloc(TileFloats * sizeof(float), Alignment);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for packed A.</summary>
    public float* A(nint floats) => Ensure(ref _a, ref _aFloats, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for packed B.</summary>
    public float* B(nint floats) => Ensure(ref _b, ref _bFloats, floats);

    private static float* Ensure(ref float* buffer, ref nint capacity, nint floats)
    {
        if (floats > capacity)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            capacity = 0;
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), Alignment);
            capacity = floats;
        }
        return buffer;
    }

    ~GemmWorkspace()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(Tile);
    }
}
