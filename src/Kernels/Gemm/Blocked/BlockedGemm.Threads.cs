using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The blocked path's thread splits: static row or column parts, claimed row units, and a packed B shared between threads.</summary>
internal static unsafe partial class BlockedGemm
{
    /// <summary>
    /// How many threads to use and whether to split C by rows or columns. Parts are whole multiples of
    /// MR rows or NR columns, so every tile is the same tile as in a serial run.
    /// </summary>
    /// <remarks>
    /// Each part packs its own copy of the operand it does not split, so there is one part per
    /// thread and the smaller operand is the one duplicated. Parts that finish unevenly (another
    /// tenant slowing one core) are balanced by claimed row units (<see
    /// cref="ClaimedPart{TKernel}"/>), not by more parts, each of which would pack B again.
    /// Measurements: perf-results/tuning/gemm-threads.md.
    /// </remarks>
    internal static int Parts<TKernel>(int m, int n, int k, out bool splitRows) where TKernel : IGemmKernel
    {
        splitRows = true;
        long work = (long)m * n * k;
        int threads = (int)Math.Min(Gemm.MaxDegreeOfParallelism, Math.Max(1, work / GemmTuning.ParallelThreshold));
        if (threads <= 1) return 1;
        int rowTiles = (m + TKernel.MR - 1) / TKernel.MR;
        int colTiles = (n + TKernel.NR - 1) / TKernel.NR;
        // A row split repacks all of B on every thread, a column split all of A: duplicate the smaller.
        splitRows = rowTiles >= threads && (n <= m || colTiles < threads) || rowTiles >= colTiles;
        return Math.Min(threads, splitRows ? rowTiles : colTiles);
    }

    internal static void Part<TKernel>(void* context, int part, int parts) where TKernel : IGemmKernel
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        if (job.SplitRows)
        {
            var (first, last) = GemmSplit.PartRows(job.M, TKernel.MR, part, parts);
            Blocked<TKernel>(ref job, first, last, 0, job.N);
        }
        else
        {
            var (first, last) = GemmSplit.PartRows(job.N, TKernel.NR, part, parts);
            Blocked<TKernel>(ref job, 0, job.M, first, last);
        }
    }

    /// <summary>
    /// Units of a claimed row split per thread (at most), and row tiles per unit (at least): a row split
    /// claims its work (<see cref="ClaimedPart"/>) when m gives every thread two units of
    /// <see cref="ClaimedMinTiles"/> tiles.
    /// </summary>
    /// <remarks>
    /// Units of fewer tiles lose on small products, because every unit reads each B panel again
    /// from L2; 8 tiles share it as a row block does. Measurements:
    /// perf-results/tuning/gemm-threads.md.
    /// </remarks>
    internal const int ClaimedUnitsPerPart = 8;
    internal const int ClaimedMinTiles = 8;

    /// <summary>
    /// A row split that balances itself: for each k block of each column block in turn, the part runs
    /// its own units from the first, then takes the other parts' unclaimed units from their last, so a
    /// thread on a slower core (another tenant, a late wake-up) does less of the work. A unit waits for
    /// the k block before it to be done on its rows, by whichever thread did it; every unit is the same
    /// tiles with the same k blocks on any thread, so the bits do not depend on who runs it.
    /// </summary>
    internal static void ClaimedPart<TKernel>(void* context, int part, int parts) where TKernel : IGemmKernel
    {
        ref GemmJob job = ref Unsafe.AsRef<GemmJob>(context);
        using SimdLevels.LevelScope scope = SimdLevels.Force(job.Level);
        // Units are row tiles split among them as parts split them among threads; the part owns [first, end).
        var (first, end) = GemmSplit.PartRows(job.Units, 1, part, parts);
        int ownRows = GemmSplit.PartRows(job.M, TKernel.MR, end - 1, job.Units).Last - GemmSplit.PartRows(job.M, TKernel.MR, first, job.Units).First;
        BlockPlan plan = Plan<TKernel>(ref job, ownRows, job.N);
        long* claims = job.Claims;
        int phaseIndex = 0;
        for (int jc = 0; jc < job.N; jc += plan.NcStep)
            for (int pc = 0; pc < job.K; pc += job.KcStep, phaseIndex++, claims += parts)
            {
                BlockPhase phase = default;
                bool prepared = false;
                for (int unit; (unit = ClaimUnit(claims, part, parts)) >= 0;)
                {
                    long* done = job.UnitPhases + unit;
                    for (var spin = new SpinWait(); Volatile.Read(ref *done) < phaseIndex;) spin.SpinOnce(sleep1Threshold: -1);
                    if (!prepared) phase = PrepareB<TKernel>(ref job, ref plan, jc, Math.Min(plan.NcStep, job.N - jc), pc);
                    var (rowStart, rowEnd) = GemmSplit.PartRows(job.M, TKernel.MR, unit, job.Units);
                    RowBlocks<TKernel>(ref job, ref plan, ref phase, rowStart, rowEnd, plan.PacksInTiles && !prepared);
                    prepared = true;
                    // Publishes the unit's rows of C to the thread that takes it in the next k block.
                    Volatile.Write(ref *done, phaseIndex + 1);
                }
            }
    }

    /// <summary>
    /// A unit for part <paramref name="part"/> in one k block: the first of its own unclaimed units, else
    /// the last unclaimed unit of another part; −1 when none is left.
    /// </summary>
    internal static int ClaimUnit(long* claims, int part, int parts)
    {
        for (int other = 0; other < parts; other++)
        {
            long* range = claims + (part + other) % parts;
            while (true)
            {
                long word = Volatile.Read(ref *range);
                int front = (int)word, end = (int)(word >> 32);
                if (front >= end) break;
                // The owner takes from the front, the others from the end.
                long taken = other == 0 ? word + 1 : word - (1L << 32);
                if (Interlocked.CompareExchange(ref *range, taken, word) == word) return other == 0 ? front : end - 1;
            }
        }
        return -1;
    }

    /// <summary>
    /// Most floats of op(B), zero-padded to whole NR-column panels, that threads pack once into one
    /// shared buffer (16 MiB: 2048×2048). Beyond it every thread packs its own KC×NC blocks of B.
    /// </summary>
    internal const long SharedPackedBFloats = 1L << 22;

    /// <summary>
    /// Whether the threads of a row split pack op(B) once between them (<see cref="PackSharedBlock"/>)
    /// instead of each packing all of it: B is transposed and the padded op(B) (<paramref name="panels"/>
    /// NR-column panels) fits <see cref="SharedPackedBFloats"/>: transposing B is costly enough to do
    /// once. A non-transposed B is packed by every thread in its first row tiles (<see cref="Plan"/>),
    /// where the packing overlaps FMAs, which beat sharing it (perf-results/tuning/gemm-threads.md).
    /// </summary>
    internal static bool SharesPackedB<TKernel>(ref GemmJob job, int panels) where TKernel : IGemmKernel
        => job.SplitRows && job.TransB && (long)job.K * panels * TKernel.NR <= SharedPackedBFloats;

    /// <summary>
    /// Makes the block op(B)[pc .. pc + kc, jc .. jc + nc) packed in the shared buffer (at
    /// <paramref name="block"/>, NR-column panels kc·NR apart as <see cref="Pack.B"/> writes them) and
    /// returns when every panel of it is. Threads claim panels one by one, so each panel is packed once by
    /// whichever thread gets there first, and a thread waits only for panels another thread is packing at
    /// that moment: parts that run one after another (late workers, a busy pool) never wait.
    /// </summary>
    internal static void PackSharedBlock<TKernel>(ref GemmJob job, int blockIndex, int jc, int pc, int kc, int nc, float* block)
        where TKernel : IGemmKernel
    {
        const int Free = 0, Packing = 1, Packed = 2;
        int nr = TKernel.NR, panels = (nc + nr - 1) / nr;
        int* states = job.PanelStates + blockIndex * job.PanelsPerRow + jc / nr;
        for (int j = 0; j < panels; j++)
        {
            if (Volatile.Read(ref states[j]) != Free || Interlocked.CompareExchange(ref states[j], Packing, Free) != Free)
                continue;
            Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + j * nr, kc, Math.Min(nr, nc - j * nr), block + (nint)j * nr * kc);
            // Publishes the panel: a thread that reads Packed also sees the packed floats.
            Volatile.Write(ref states[j], Packed);
        }
        for (int j = 0; j < panels; j++)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref states[j]) != Packed) spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
