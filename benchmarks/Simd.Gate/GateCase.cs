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
/// The buffers of a case, carved from one page-aligned native block at fixed offsets. Both builds then
/// see the same alignment and the same distances between arrays, so a case cannot read faster in one
/// process only because its arrays happened to land 4 KiB apart (L1 set aliasing) in the other.
/// </summary>
public sealed unsafe class Buffers : IDisposable
{
    private const int Page = 4096, Stagger = 320;
    private readonly byte* _block;
    private readonly long _capacity;
    private long _used;
    private int _count;

    /// <summary>Reserves room for <paramref name="totalFloats"/> floats spread over up to 16 arrays.</summary>
    public Buffers(long totalFloats)
    {
        _capacity = totalFloats * sizeof(float) + 16L * (Page + Stagger);
        _block = (byte*)NativeMemory.AlignedAlloc((nuint)_capacity, Page);
        NativeMemory.Clear(_block, (nuint)_capacity);
    }

    /// <summary>
    /// The next array of <paramref name="length"/> floats: page-aligned, then moved by 320 bytes per array
    /// already handed out, so that streams read together fall into different L1 sets.
    /// </summary>
    public Array Take(int length)
    {
        long start = (_used + Page - 1) / Page * Page + _count * Stagger;
        if (start + (long)length * sizeof(float) > _capacity) throw new InvalidOperationException("case buffers exhausted");
        _used = start + (long)length * sizeof(float);
        _count++;
        return new Array((float*)(_block + start), length);
    }

    /// <summary>Frees the block.</summary>
    public void Dispose() => NativeMemory.AlignedFree(_block);

    /// <summary>A float array in the block.</summary>
    public readonly struct Array(float* pointer, int length)
    {
        /// <summary>The array as a span.</summary>
        public Span<float> Span => new(pointer, length);
    }
}
