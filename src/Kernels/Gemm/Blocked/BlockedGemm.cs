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
    /// The first row block packs B panel by panel as it reaches each one, not the whole block in a
    /// separate pass first. A non-transposed B is packed by the panel's first row tile while it
    /// computes (it reads B's rows as they are), so packing overlaps FMAs (Zen 3, paired medians of 15
    /// rounds: 64×256×784 ×1.12, 128×256×784 ×1.05, 128×256×256 ×1.04, squares 64–512 ×0.98–1.03).
    /// A transposed B is transposed into the panel just before its first tile, which then finds the
    /// panel in L1 instead of in L3 behind a block that outgrew L2 (Zen 3, paired medians of 13–15
    /// rounds of 20 calls: 32×784×256 ×1.02–1.05, 128×784×256 ×1.01–1.02, 256³ and 512³ ×0.98–1.05,
    /// 64³–128³ ×0.95–1.02). The first row block must hold a whole row tile, which packs
    /// a non-transposed B's panels. A B with rows far apart is packed in one pass instead
    /// (<see cref="RowOrderPackingStride"/>).
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
        plan.PacksInTiles = !plan.Shared && !plan.InPlace && rows >= TKernel.MR && (job.TransB || job.Ldb < RowOrderPackingStride);
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
    /// of the packed copy slow those tiles. Timed alone (Zen 3, 16 rounds in alternating order), the pass
    /// costs about what packing panel by panel costs: 4.0% and 2.9% of a 512³ product, 1.6% and 1.8% of
    /// 1024³, 1.0% of 2048³ either way (in a fixed order, the pass timed first had read 6.1% against 2.1%).
    /// Against packing in the first row tiles (1 thread, 15–16 rounds of each, configurations in
    /// alternating order or with a repeat as control, 3–5 runs): 512³ ×1.01–1.06, 768³ ×1.01, 1024³
    /// ×0.98–1.06, 2048³ ×0.99–1.05, 128×512×784 ×0.98–0.99, 128×1024×256 ×0.98–1.02; 2 threads 512³
    /// ×1.03, 1024³ ×1.04, 2048³ ×1.00. With B's rows closer, row order lost: 256³ ×0.97, 64³ ×0.96,
    /// 128×256×256 ×0.96, 128×256×784 ×0.98, where the first tiles' strided reads hide behind their FMAs.
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
    /// Packing the 16-column edge of n = 256 took 3.7–4.8% of a 32×256×784 profile for 6% of its FMAs.
    /// Read in place (Zen 3, Vector256, 1 thread, a switch in the same build, two runs of 17 and 21
    /// alternating rounds, repeat control ×0.99–1.02): 8×256×256 ×1.19, 16×256×784 ×1.07, 32×256×784
    /// ×1.02–1.06, 32×256×256 ×1.04–1.05, 64³ ×1.09–1.13, 96×64×256 ×1.06, 128³ ×1.07, 128×256×784
    /// ×1.00–1.01. With more rows than one block it does not pay: 256³ ×0.98–1.00, 512³ ×1.00, 784×256×32
    /// (A transposed) ×0.99, probably because every row tile repeats the edge kernel's loads of rows 1 KiB
    /// or more apart, which a 1 KiB stride keeps in 4 of L1's 64 sets (no counters on this VM to confirm).
    /// </remarks>
    internal static bool ReadsEdgeInPlace(ref GemmJob job, bool fullPanelsFromRows, int rows, int rowBlock)
        => !job.TransB && fullPanelsFromRows && rows <= rowBlock;

    /// <summary>
    /// The block size that cuts length into the fewest blocks of at most max (a multiple of unit), all
    /// as long as whole units allow but the last. A remainder block wastes the block it follows: 2048
    /// columns in blocks of 2040 packed all of A again for an 8-column block, and 1536 rows in blocks of
    /// 144 read every B panel for a 96-row block. Zen 3, Vector256, 1 thread, paired medians of 9–15
    /// rounds against full blocks and a remainder: 2048³ (2 × 1032 columns, 15 × 140 rows) ×1.02–1.03,
    /// 1536³ ×1.015–1.04, 1000³ ×1.006, 512³ ×1.01, 1024³ ×1.00. Row and column blocks do not change
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
    /// Packed ÷ read in place with B's rows 4 KiB or 8 KiB apart (Zen 3, 1 thread, 11–15 alternating
    /// rounds, repeat controls ×0.97–1.06). 256 bits: 8×1024×784 ×1.25, 12×1024×1024 ×1.69, 16×1024×784
    /// ×1.66, 24×1024×1024 ×1.82, 20×2048×2048 ×1.46, 8×2048×1024 ×1.37, 16×2048×512 ×1.30, 8×1024×1024
    /// ×1.00–1.02, 8×4096×256 ×0.99; one tile, 4×1024×1024, ×0.92. 128 bits: 8×1024×784 ×1.35–1.52,
    /// 8×1024×1024 ×1.32, 12×1024×784 ×1.39, 16×1024×784 ×1.50, 24×2048×512 ×1.60 (with rows grouped in
    /// <see cref="Pack.B"/>). Other distances keep the rule: 16×1000×1000, 16×768×768 and 24×1536×512
    /// read in place ×1.07–1.11 faster than packed.
    /// </remarks>
    internal static bool ReadsBInPlace<TKernel>(ref GemmJob job, int rows) where TKernel : IGemmKernel
        => !job.TransB && rows <= TKernel.BInPlaceRows && (rows <= TKernel.MR || job.Ldb % Pack.L1SetPeriodFloats != 0);
}
