namespace Simd.Kernels;

/// <summary>
/// Splits a long in-place element-wise update across the library's worker threads
/// (<see cref="WorkerPool"/>, at most <see cref="Gemm.MaxDegreeOfParallelism"/> threads). Each thread
/// runs the ordinary <see cref="Map"/> driver on its own contiguous range, so this is only valid for
/// operators whose result for an element does not depend on its position: the no-FMA optimizer
/// updates, which give bitwise the same result at every level, and therefore for any split.
/// </summary>
internal static unsafe class ParallelMap
{
    /// <summary>Below this many elements an update runs on the caller: waking a worker costs more than it saves.</summary>
    public const int MinimumLength = 1 << 16;

    /// <summary>Elements per thread at least, and the split granularity (a multiple of every vector width).</summary>
    private const int Grain = 1 << 15;

    /// <summary>How many threads an update of <paramref name="length"/> elements uses.</summary>
    public static int Parts(int length) =>
        length < MinimumLength ? 1 : Math.Min(Gemm.MaxDegreeOfParallelism, length / Grain);

    private struct Update2Job<TOp> where TOp : unmanaged, IUpdate2Operator
    {
        public float* S0, S1, G;
        public int Length;
        public TOp Op;
        public SimdLevel Level;
    }

    private struct Update3Job<TOp> where TOp : unmanaged, IUpdate3Operator
    {
        public float* S0, S1, S2, G;
        public int Length;
        public TOp Op;
        public SimdLevel Level;
    }

    private struct BinaryJob<TOp> where TOp : unmanaged, IBinaryOperator
    {
        public float* X, Y, Destination;
        public int Length;
        public TOp Op;
        public SimdLevel Level;
    }

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
        int parts = Parts(g.Length);
        if (parts <= 1)
        {
            Map.Update2(s0, s1, g, op, level);
            return;
        }
        fixed (float* p0 = s0, p1 = s1, pg = g)
        {
            var job = new Update2Job<TOp> { S0 = p0, S1 = p1, G = pg, Length = g.Length, Op = op, Level = level };
            WorkerPool.Run(&Update2Part<TOp>, &job, parts);
        }
    }

    private static void Update2Part<TOp>(void* context, int part, int parts) where TOp : unmanaged, IUpdate2Operator
    {
        ref Update2Job<TOp> job = ref *(Update2Job<TOp>*)context;
        var (start, length) = Range(job.Length, part, parts);
        Map.Update2(new Span<float>(job.S0 + start, length), new Span<float>(job.S1 + start, length),
            new ReadOnlySpan<float>(job.G + start, length), job.Op, job.Level);
    }

    /// <summary><see cref="Map.Update3"/>, split across threads when long.</summary>
    public static void Update3<TOp>(Span<float> s0, Span<float> s1, Span<float> s2, ReadOnlySpan<float> g, TOp op, SimdLevel level)
        where TOp : unmanaged, IUpdate3Operator
    {
        int parts = Parts(g.Length);
        if (parts <= 1)
        {
            Map.Update3(s0, s1, s2, g, op, level);
            return;
        }
        fixed (float* p0 = s0, p1 = s1, p2 = s2, pg = g)
        {
            var job = new Update3Job<TOp> { S0 = p0, S1 = p1, S2 = p2, G = pg, Length = g.Length, Op = op, Level = level };
            WorkerPool.Run(&Update3Part<TOp>, &job, parts);
        }
    }

    private static void Update3Part<TOp>(void* context, int part, int parts) where TOp : unmanaged, IUpdate3Operator
    {
        ref Update3Job<TOp> job = ref *(Update3Job<TOp>*)context;
        var (start, length) = Range(job.Length, part, parts);
        Map.Update3(new Span<float>(job.S0 + start, length), new Span<float>(job.S1 + start, length), new Span<float>(job.S2 + start, length),
            new ReadOnlySpan<float>(job.G + start, length), job.Op, job.Level);
    }

    /// <summary><see cref="Map.Binary"/>, split across threads when long.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination, TOp op, SimdLevel level)
        where TOp : unmanaged, IBinaryOperator
    {
        int parts = Parts(x.Length);
        if (parts <= 1)
        {
            Map.Binary(x, y, destination, op, level);
            return;
        }
        fixed (float* px = x, py = y, pd = destination)
        {
            var job = new BinaryJob<TOp> { X = px, Y = py, Destination = pd, Length = x.Length, Op = op, Level = level };
            WorkerPool.Run(&BinaryPart<TOp>, &job, parts);
        }
    }

    private static void BinaryPart<TOp>(void* context, int part, int parts) where TOp : unmanaged, IBinaryOperator
    {
        ref BinaryJob<TOp> job = ref *(BinaryJob<TOp>*)context;
        var (start, length) = Range(job.Length, part, parts);
        Map.Binary(new ReadOnlySpan<float>(job.X + start, length), new ReadOnlySpan<float>(job.Y + start, length),
            new Span<float>(job.Destination + start, length), job.Op, job.Level);
    }
}
