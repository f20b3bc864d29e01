using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Simd.Kernels;

/// <summary>The blocked path: BLIS's five loops (jc → pc → ic → jr → ir) around a level's MR×NR micro-kernel on packed panels.</summary>
internal static unsafe partial class BlockedGemm
{
    /// <summary>
    /// The blocked path for C = alpha·op(A)·op(B) + beta·C (k ≥ 1): chooses the block sizes and the thread
    /// split, then runs the five loops on each part.
    /// </summary>
    internal static void Run<TKernel>(ref GemmJob job) where TKernel : IGemmKernel
    {
        Debug.Assert(job.K > 0);
        // The depth depends on the whole shape, never on a thread's part, so k is summed in the same
        // blocks for any thread count.
        int kc = ReadsBInPlace<TKernel>(ref job, job.M) ? TKernel.KCInPlace : TKernel.KC;
        GemmTuning.Blocks(kc, TKernel.MC, TKernel.NC, TKernel.MR, TKernel.NR, out job.Kc, out job.Mc, out job.Nc);
        job.KcStep = BalancedStep(job.K, job.Kc, 1);
        int kBlocks = (job.K + job.KcStep - 1) / job.KcStep;
        int parts = Parts<TKernel>(job.M, job.N, job.K, out job.SplitRows);
        job.Parts = parts;
        if (parts == 1)
        {
            Blocked<TKernel>(ref job, 0, job.M, 0, job.N);
            return;
        }
        int panels = (job.N + TKernel.NR - 1) / TKernel.NR;
        if (SharesPackedB<TKernel>(ref job, panels))
        {
            GemmWorkspace workspace = GemmWorkspace.Current;
            job.PanelsPerRow = panels;
            job.PackedB = workspace.SharedB((nint)job.K * panels * TKernel.NR);
            job.PanelStates = workspace.PanelStates(kBlocks * panels);
            new Span<int>(job.PanelStates, kBlocks * panels).Clear();
        }
        int rowTiles = (job.M + TKernel.MR - 1) / TKernel.MR;
        int units = Math.Min(parts * ClaimedUnitsPerPart, rowTiles / ClaimedMinTiles);
        if (job.SplitRows && units >= 2 * parts)
        {
            // A k block of a column block is a phase; ClaimedPart steps through them in the same order.
            int ncStep = BalancedStep(job.N, job.Nc, TKernel.NR);
            int phases = (job.N + ncStep - 1) / ncStep * kBlocks;
            job.Units = units;
            job.Claims = GemmWorkspace.Current.Claims(phases * parts + units);
            for (int part = 0; part < parts; part++)
            {
                var (first, end) = GemmSplit.PartRows(units, 1, part, parts);
                long range = (uint)first | (long)end << 32;
                for (int phase = 0; phase < phases; phase++) job.Claims[phase * parts + part] = range;
            }
            job.UnitPhases = job.Claims + phases * parts;
            new Span<long>(job.UnitPhases, units).Clear();
            fixed (GemmJob* context = &job)
                WorkerPool.Run(&ClaimedPart<TKernel>, context, parts);
            return;
        }
        fixed (GemmJob* context = &job)
            WorkerPool.Run(&Part<TKernel>, context, parts);
    }

    /// <summary>The five BLIS loops over C[rowStart .. rowEnd, colStart .. colEnd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Blocked<TKernel>(ref GemmJob job, int rowStart, int rowEnd, int colStart, int colEnd)
        where TKernel : IGemmKernel
    {
        if (rowStart >= rowEnd || colStart >= colEnd) return;
        BlockPlan plan = Plan<TKernel>(ref job, rowEnd - rowStart, colEnd - colStart);
        for (int jc = colStart; jc < colEnd; jc += plan.NcStep)
            for (int pc = 0; pc < job.K; pc += job.KcStep)
            {
                BlockPhase phase = PrepareB<TKernel>(ref job, ref plan, jc, Math.Min(plan.NcStep, colEnd - jc), pc);
                RowBlocks<TKernel>(ref job, ref plan, ref phase, rowStart, rowEnd, plan.PacksInTiles);
            }
    }

    /// <summary>A thread's buffers and its ways of reading B, the same for all of its blocks in one call.</summary>
    internal struct BlockPlan
    {
        public float* PackedA, PackedB, Tile;
        /// <summary>Columns per column block: NC or less, balanced (<see cref="BalancedStep"/>).</summary>
        public int NcStep;
        /// <summary>The threads pack op(B) once between them, into <see cref="GemmJob.PackedB"/>.</summary>
        public bool Shared;
        /// <summary>Full panels are read from B's rows where they are stored (<see cref="ReadsBInPlace"/>).</summary>
        public bool InPlace;
        /// <summary>Full panels are packed by the first row block that reaches them, while it computes.</summary>
        public bool PacksInTiles;
        /// <summary>A last partial panel may be read where it is stored (<see cref="ReadsEdgeInPlace"/>).</summary>
        public bool EdgeInPlace;
    }

    /// <summary>One k block of one column block of C: its B panels, and how C is updated.</summary>
    internal struct BlockPhase
    {
        public int Jc, Nc, Pc, Kc;
        public float Beta;
        /// <summary>The last k block: the epilogue follows it.</summary>
        public bool Last;
        /// <summary>The packed panels; B's rows when full panels are read or packed from them; a partial panel read in place.</summary>
        public float* PackedB, BRows, EdgeRows;
    }

    /// <summary>
    /// The plan of a thread whose own share of C has <paramref name="rows"/> rows and
    /// <paramref name="columns"/> columns.
    /// </summary>
    /// <remarks>
    /// Packing B panel by panel in the first row block overlaps the packing with that block's FMAs
    /// (the micro-kernel packs a non-transposed B as it reads it), and a transposed panel packed
    /// just before its first tile is then found in L1 rather than in L3. The first row block must
    /// hold a whole row tile, which packs a non-transposed B's panels. A B with rows far apart is
    /// packed in one pass instead (<see cref="RowOrderPackingStride"/>), unless one row block holds all
    /// of the thread's rows: then the pass would write the whole block before the first tile reads it
    /// (1 MiB for the 256×1024 of an LSTM's recurrent product), and the tiles would find their panels
    /// in L3 instead of in L1, right behind their packing. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
    /// </remarks>
    internal static BlockPlan Plan<TKernel>(ref GemmJob job, int rows, int columns) where TKernel : IGemmKernel
    {
        GemmWorkspace workspace = GemmWorkspace.Current;
        var plan = new BlockPlan
        {
            PackedA = workspace.A((nint)job.Mc * job.Kc),
            PackedB = workspace.B((nint)job.Nc * job.Kc),
            Tile = workspace.Tile,
            NcStep = BalancedStep(columns, job.Nc, TKernel.NR),
            Shared = job.PackedB != null,
        };
        plan.InPlace = !plan.Shared && ReadsBInPlace<TKernel>(ref job, rows);
        plan.PacksInTiles = !plan.Shared && !plan.InPlace && rows >= TKernel.MR && (job.TransB || job.Ldb < RowOrderPackingStride || rows <= job.Mc);
        plan.EdgeInPlace = ReadsEdgeInPlace(ref job, plan.InPlace || plan.PacksInTiles, rows, job.Mc);
        return plan;
    }

    /// <summary>
    /// Starts the k block op(B)[pc .. pc + kc, jc .. jc + nc) for a thread: packs what its plan packs
    /// before the row blocks (all of it, or only a last partial panel; a shared block is packed by
    /// whichever threads get there first) and says where the row blocks find the rest.
    /// </summary>
    internal static BlockPhase PrepareB<TKernel>(ref GemmJob job, ref BlockPlan plan, int jc, int nc, int pc) where TKernel : IGemmKernel
    {
        int kc = Math.Min(job.KcStep, job.K - pc), fullColumns = nc - nc % TKernel.NR;
        var phase = new BlockPhase
        {
            Jc = jc, Nc = nc, Pc = pc, Kc = kc,
            Beta = pc == 0 ? job.Beta : 1f,
            Last = pc + kc == job.K,
            PackedB = plan.PackedB,
        };
        bool edgeHere = plan.EdgeInPlace && fullColumns < nc && (nc - fullColumns) % TKernel.EdgeStep == 0;
        if (edgeHere) phase.EdgeRows = job.B + pc * job.Ldb + jc;
        if (plan.Shared)
        {
            // Blocks of the same rows of op(B) follow each other along the padded width.
            phase.PackedB = job.PackedB + (nint)pc * job.PanelsPerRow * TKernel.NR + (nint)jc * kc;
            PackSharedBlock<TKernel>(ref job, pc / job.KcStep, jc, pc, kc, nc, phase.PackedB);
        }
        else if (plan.PacksInTiles && job.TransB)
            phase.BRows = job.B + jc * job.Ldb + pc;
        else if (plan.PacksInTiles)
        {
            phase.BRows = job.B + pc * job.Ldb + jc;
            if (fullColumns < nc && !edgeHere)
                Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + fullColumns, kc, nc - fullColumns, phase.PackedB + (nint)fullColumns * kc);
        }
        else if (!plan.InPlace)
            Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc, kc, nc, phase.PackedB);
        else
        {
            phase.BRows = job.B + pc * job.Ldb + jc;
            if (fullColumns < nc && !edgeHere)
                Pack.B<TKernel>(job.TransB, job.B, job.Ldb, pc, jc + fullColumns, kc, nc - fullColumns, phase.PackedB);
        }
        return phase;
    }

    /// <summary>
    /// The k block <paramref name="phase"/> of C's rows [rowStart, rowEnd), in row blocks of at most MC:
    /// pack A, run the macro-kernel, apply the epilogue after the last k block. With
    /// <paramref name="packsB"/>, the first row block packs the panels that the plan packs in tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowBlocks<TKernel>(ref GemmJob job, ref BlockPlan plan, ref BlockPhase phase, int rowStart, int rowEnd, bool packsB)
        where TKernel : IGemmKernel
    {
        int mcStep = BalancedStep(rowEnd - rowStart, job.Mc, TKernel.MR);
        for (int ic = rowStart; ic < rowEnd; ic += mcStep)
        {
            int mc = Math.Min(mcStep, rowEnd - ic);
            Pack.A<TKernel>(job.TransA, job.A, job.Lda, ic, phase.Pc, mc, phase.Kc, plan.PackedA);
            float* c = job.C + ic * job.Ldc + phase.Jc;
            bool packs = packsB && ic == rowStart;
            // Once packed, the blocks below read the packed panels.
            float* bRows = plan.PacksInTiles && !packs ? null : phase.BRows;
            Macro<TKernel>(mc, phase.Nc, phase.Kc, plan.PackedA, phase.PackedB, bRows, job.Ldb, packs, job.TransB, c, job.Ldc, job.Alpha, phase.Beta, plan.Tile, phase.EdgeRows);
            if (phase.Last && job.HasEpilogue)
                GemmEpilogue.Epilogue(ref job, ic, mc, phase.Jc, phase.Nc);
        }
    }

    /// <summary>
    /// Distance in floats between B's rows from which a non-transposed B is packed in one pass over its
    /// rows in order (<see cref="Pack.B"/>) instead of panel by panel in the first row tiles (<see
    /// cref="Plan"/>), where the micro-kernel's loads of B's rows, 2 KiB or more apart, and its stores
    /// of the packed copy slow those tiles, except when one row block holds all of the rows (<see cref="Plan"/>).
    /// With B's rows closer, the first tiles' strided reads hide behind their FMAs and packing in tiles
    /// wins (perf-results/tuning/gemm-blocked.md).
    /// </summary>
    internal const int RowOrderPackingStride = 512;

    /// <summary>
    /// Whether a last partial panel of a non-transposed B, when its width is a whole number of
    /// <see cref="IGemmKernel.EdgeStep"/> vectors, is read where it is stored (rows ldb apart) instead of
    /// being packed first: only when the full panels are read from B's rows too (in place or packed by
    /// their first tiles) and one row block covers all of the rows, so that few row tiles read it. The edge
    /// kernel then loads only the panel's real columns, so nothing past them is read.
    /// </summary>
    /// <remarks>
    /// Packing a narrow last panel costs about as much as computing it; reading it in place pays
    /// only while few row tiles repeat its strided loads. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
    /// </remarks>
    internal static bool ReadsEdgeInPlace(ref GemmJob job, bool fullPanelsFromRows, int rows, int rowBlock)
        => !job.TransB && fullPanelsFromRows && rows <= rowBlock;

    /// <summary>
    /// The block size that cuts length into the fewest blocks of at most max (a multiple of unit), all
    /// as long as whole units allow but the last. A remainder block wastes the block it follows: 2048
    /// columns in blocks of 2040 packed all of A again for an 8-column block, and 1536 rows in blocks of
    /// 144 read every B panel for a 96-row block (perf-results/tuning/gemm-blocked.md). Row and column blocks do not change
    /// the bits of C: they do not change the order of any sum. k is cut the same way (unit 1, <see
    /// cref="GemmJob.KcStep"/>), from the whole shape only, because its blocks do change the sums.
    /// </summary>
    internal static int BalancedStep(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        int units = (length + unit - 1) / unit;
        return (units + blocks - 1) / blocks * unit;
    }

    /// <summary>
    /// Whether the micro-kernel reads full NR-column panels of B where they are stored instead of from
    /// a packed copy: B not transposed, and at most <see cref="IGemmKernel.BInPlaceRows"/> rows of C, so
    /// that few A panels reuse each B panel and packing B costs more than it saves. When B's rows are a
    /// multiple of <see cref="Pack.L1SetPeriodFloats"/> apart, only a single row tile (at most MR rows)
    /// reads them in place: they all fall into one L1 set, so a panel's rows do not stay in L1 for the
    /// next row tile.
    /// </summary>
    /// <remarks>
    /// Rows a multiple of 4 KiB apart compete for one L1 set, so a panel read in place does not
    /// survive to the next row tile; at other distances the rule holds. Measurements:
    /// perf-results/tuning/gemm-blocked.md.
    /// </remarks>
    internal static bool ReadsBInPlace<TKernel>(ref GemmJob job, int rows) where TKernel : IGemmKernel
        => !job.TransB && rows <= TKernel.BInPlaceRows && (rows <= TKernel.MR || job.Ldb % Pack.L1SetPeriodFloats != 0);
}
