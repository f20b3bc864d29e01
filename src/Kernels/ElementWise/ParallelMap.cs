namespace Simd.Kernels;

/// <summary>
/// Splits a long in-place element-wise update across the library's worker threads
/// (<see cref="WorkerPool"/>, at most <see cref="Parallelism.MaxDegreeOfParallelism"/> threads). Each thread
/// runs the ordinary <see cref="Map"/> driver on its own contiguous range, so this is only valid for
/// operators whose result for an element does not depend on its position: the no-FMA optimizer
/// updates, which give bitwise the same result at every level, and therefore for any split. A short
/// update is one part, which <see cref="WorkerPool.Run"/> runs on the caller.
/// </summary>
internal static unsafe class ParallelMap
{
    /// <summary>Below this many elements an update runs on the caller: waking a worker costs more than it saves.</summary>
    public const int MinimumLength = 1 << 16;

    /// <summary>Elements per thread at least, and the split granularity (a multiple of every vector width).</summary>
    private const int Grain = 1 << 15;

    /// <summary>How many threads an update of <paramref name="length"/> elements uses.</summary>
    public static int Parts(int length) =>
        length < MinimumLength ? 1 : Math.Min(Parallelism.MaxDegreeOfParallelism, length / Grain);

    /// <summary>One split update: up to four arrays (unused ones null), the operator and the level.</summary>
    private struct Job<TOp> where TOp : unmanaged
    {
        public float* P0, P1, P2, P3;
        public int Length;
        public TOp Op;
        public SimdLevel Level;
    }

    /// <summary>The part of array <paramref name="pointer"/> in <paramref name="range"/>.</summary>
    private static Span<float> Slice(float* pointer, (int Start, int Length) range) => new(pointer + range.Start, range.Length);

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/>: [start, end), boundaries on <see cref="Grain"/> multiples.</summary>
    private static (int Start, int Length) Range(int length, int part, int parts)
    {
        int grains = (length + Grain - 1) / Grain;
        int start = (int)Math.Min(length, (long)grains * part / parts * Grain);
        int end = part == parts - 1 ? length : (int)Math.Min(length, (long)grains * (part + 1) / parts * Grain);
        return (start, end - start);
    }

    /// <summary><see cref="Map.Update2"/>, split across threads when long.</summary>
    public static void Update2<TOp>(Span<float> s0, Span<float> s1, ReadOnlySpan<float> g, TOp op, SimdLevel level)
        where TOp : unmanaged, IUpdate2Operator
    {
        fixed (float* p0 = s0, p1 = s1, pg = g)
        {
            var job = new Job<TOp> { P0 = p0, P1 = p1, P2 = pg, Length = g.Length, Op = op, Level = level };
            WorkerPool.Run(&Update2Part<TOp>, &job, Parts(job.Length));
        }
    }

    private static void Update2Part<TOp>(void* context, int part, int parts) where TOp : unmanaged, IUpdate2Operator
    {
        ref Job<TOp> job = ref *(Job<TOp>*)context;
        var range = Range(job.Length, part, parts);
        Map.Update2(Slice(job.P0, range), Slice(job.P1, range), Slice(job.P2, range), job.Op, job.Level);
    }

    /// <summary><see cref="Map.Update3"/>, split across threads when long.</summary>
    public static void Update3<TOp>(Span<float> s0, Span<float> s1, Span<float> s2, ReadOnlySpan<float> g, TOp op, SimdLevel level)
        where TOp : unmanaged, IUpdate3Operator
    {
        fixed (float* p0 = s0, p1 = s1, p2 = s2, pg = g)
        {
            var job = new Job<TOp> { P0 = p0, P1 = p1, P2 = p2, P3 = pg, Length = g.Length, Op = op, Level = level };
            WorkerPool.Run(&Update3Part<TOp>, &job, Parts(job.Length));
        }
    }

    private static void Update3Part<TOp>(void* context, int part, int parts) where TOp : unmanaged, IUpdate3Operator
    {
        ref Job<TOp> job = ref *(Job<TOp>*)context;
        var range = Range(job.Length, part, parts);
        Map.Update3(Slice(job.P0, range), Slice(job.P1, range), Slice(job.P2, range), Slice(job.P3, range), job.Op, job.Level);
    }

    /// <summary><see cref="Map.Binary"/>, split across threads when long.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination, TOp op, SimdLevel level)
        where TOp : unmanaged, IBinaryOperator
    {
        fixed (float* px = x, py = y, pd = destination)
        {
            var job = new Job<TOp> { P0 = px, P1 = py, P2 = pd, Length = x.Length, Op = op, Level = level };
            WorkerPool.Run(&BinaryPart<TOp>, &job, Parts(job.Length));
        }
    }

    private static void BinaryPart<TOp>(void* context, int part, int parts) where TOp : unmanaged, IBinaryOperator
    {
        ref Job<TOp> job = ref *(Job<TOp>*)context;
        var range = Range(job.Length, part, parts);
        Map.Binary(Slice(job.P0, range), Slice(job.P1, range), Slice(job.P2, range), job.Op, job.Level);
    }
}
