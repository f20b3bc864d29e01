using System.Runtime.InteropServices;

namespace Simd.Gate;

/// <summary>
/// One key case of the performance gate: a fixed kernel call or training step at the detected level on
/// one thread. <c>simd-perf ab</c> builds this program twice (the baseline commit and the tree under
/// test), starts both, and times the same case in each in alternating rounds.
/// </summary>
public abstract class GateCase
{
    /// <summary>Stable name, matched between the two builds.</summary>
    public string Name => GetType().Name;

    /// <summary>
    /// Allocates the inputs, runs the case once on fresh inputs, checks the result against the
    /// double-precision reference (throws <see cref="InvalidOperationException"/> on a mismatch) and
    /// returns a hash of that first result's bits, so the gate can say whether the two builds agree bit for bit.
    /// </summary>
    public abstract ulong Setup();

    /// <summary>The timed operation (after <see cref="Setup"/>); allocates nothing.</summary>
    public abstract void Run();

    private Buffers? _memory;

    /// <summary>Moves the case's arrays to freshly allocated memory (see <see cref="Buffers.Relocate"/>); a case without native buffers does nothing.</summary>
    public void Relocate() => _memory?.Relocate();

    /// <summary>
    /// The case's native buffers, room for <paramref name="totalFloats"/> floats, which <see cref="Relocate"/>
    /// then moves; called from <see cref="Setup"/> (a second call frees the first block).
    /// </summary>
    protected Buffers Memory(long totalFloats)
    {
        _memory?.Dispose();
        return _memory = new Buffers(totalFloats);
    }

    /// <summary>FNV-1a over the bits of <paramref name="values"/>.</summary>
    protected static ulong Hash(ReadOnlySpan<float> values, ulong hash = 14695981039346656037UL)
    {
        foreach (byte b in MemoryMarshal.AsBytes(values)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>Deterministic uniform values in [lo, hi) written into <paramref name="destination"/>.</summary>
    protected static void Fill(Span<float> destination, int seed, float lo = -1f, float hi = 1f)
    {
        var random = new Random(seed);
        for (int i = 0; i < destination.Length; i++) destination[i] = lo + (hi - lo) * random.NextSingle();
    }

    /// <summary>
    /// Throws unless every element of <paramref name="actual"/> is within absolute + relative·|expected|
    /// of <paramref name="expected"/>: the gate never times a wrong kernel.
    /// </summary>
    protected void Validate(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute)
    {
        if (expected.Length != actual.Length)
            throw new InvalidOperationException($"{Name}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            if (!(Math.Abs(actual[i] - e) <= absolute + relative * Math.Abs(e)))
                throw new InvalidOperationException($"{Name}: element {i} is {actual[i]}, expected {e}");
        }
    }
}

/// <summary>
/// Marks a case that the gate runs only when asked for all cases (<c>simd-perf ab --all</c>): it widens the
/// comparison (every GEMM path, for a redesign) at the cost of time CI does not spend.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ExtendedAttribute : Attribute;

/// <summary>
/// The buffers of a case, carved from one page-aligned native block at fixed offsets, so that both
/// builds see the same alignment and the same distances between arrays. <see cref="Relocate"/> moves the
/// block to fresh memory: which physical pages a block gets decides its L2 set conflicts, and a process
/// that kept one unlucky block for all its rounds would read a few tens of percent slower throughout.
/// </summary>
public sealed unsafe class Buffers : IDisposable
{
    private const int Page = 4096, Stagger = 320;
    private readonly nuint _capacity;
    private byte* _block;
    private long _used;
    private int _count;

    /// <summary>Reserves room for <paramref name="totalFloats"/> floats spread over up to 16 arrays.</summary>
    public Buffers(long totalFloats)
    {
        _capacity = (nuint)(totalFloats * sizeof(float) + 16L * (Page + Stagger));
        _block = (byte*)NativeMemory.AlignedAlloc(_capacity, Page);
        NativeMemory.Clear(_block, _capacity);
    }

    /// <summary>
    /// The next array of <paramref name="length"/> floats: page-aligned, then moved by 320 bytes per array
    /// already handed out, so that streams read together fall into different L1 sets.
    /// </summary>
    public Array Take(int length)
    {
        long start = (_used + Page - 1) / Page * Page + _count * Stagger;
        if (start + (long)length * sizeof(float) > (long)_capacity) throw new InvalidOperationException("case buffers exhausted");
        _used = start + (long)length * sizeof(float);
        _count++;
        return new Array(this, start, length);
    }

    /// <summary>Copies the block into a newly allocated one (taken before the old one is freed) and frees the old one.</summary>
    public void Relocate()
    {
        byte* fresh = (byte*)NativeMemory.AlignedAlloc(_capacity, Page);
        Buffer.MemoryCopy(_block, fresh, _capacity, _capacity);
        NativeMemory.AlignedFree(_block);
        _block = fresh;
    }

    /// <summary>Frees the block.</summary>
    public void Dispose()
    {
        NativeMemory.AlignedFree(_block);
        _block = null;
    }

    /// <summary>A float array in the block, valid across <see cref="Relocate"/>.</summary>
    public readonly struct Array(Buffers owner, long offset, int length)
    {
        /// <summary>The array as a span, at the block's current place.</summary>
        public Span<float> Span => new(owner._block + offset, length);
    }
}
