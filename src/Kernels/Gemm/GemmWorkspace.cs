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
    private float* _sharedB;
    private nint _sharedBFloats;
    private int* _panelStates;
    private nint _panelStateCount;
    private long* _claims;
    private nint _claimCount;

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>MR×NR scratch tile that edge tiles are computed into before being merged into C.</summary>
    public float* Tile { get; } = (float*)NativeMemory.AlignedAlloc(TileFloats * sizeof(float), Alignment);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for packed A.</summary>
    public float* A(nint floats) => Ensure(ref _a, ref _aFloats, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for packed B.</summary>
    public float* B(nint floats) => Ensure(ref _b, ref _bFloats, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for the op(B) that a call's threads pack once between them.</summary>
    public float* SharedB(nint floats) => Ensure(ref _sharedB, ref _sharedBFloats, floats);

    /// <summary>At least <paramref name="count"/> ints for the states of the shared packed B's panels.</summary>
    public int* PanelStates(int count) => Ensure(ref _panelStates, ref _panelStateCount, count);

    /// <summary>At least <paramref name="count"/> longs for the row units that a call's threads claim.</summary>
    public long* Claims(int count) => Ensure(ref _claims, ref _claimCount, count);

    private static T* Ensure<T>(ref T* buffer, ref nint capacity, nint count) where T : unmanaged
    {
        if (count > capacity)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            capacity = 0;
            buffer = (T*)NativeMemory.AlignedAlloc((nuint)count * (nuint)sizeof(T), Alignment);
            capacity = count;
        }
        return buffer;
    }

    ~GemmWorkspace()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_sharedB);
        NativeMemory.AlignedFree(_panelStates);
        NativeMemory.AlignedFree(_claims);
        NativeMemory.AlignedFree(Tile);
    }
}
