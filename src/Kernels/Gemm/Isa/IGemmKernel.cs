
namespace Simd.Kernels;

/// <summary>
/// One instruction set's GEMM micro-kernel and block sizes. Implemented by empty structs so that the
/// generic five-loop driver in <see cref="Gemm"/> is specialized by the JIT per instruction set: the
/// block sizes become constants and the micro-kernel call is direct.
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of the register tile (rows of an A micro-panel).</summary>
    static abstract int MR { get; }
    /// <summary>Columns of the register tile (columns of a B micro-panel).</summary>
    static abstract int NR { get; }
    /// <summary>
    /// Depth of a block when B is packed: the KC×NR B micro-panel that the MR-row A micro-panels of a
    /// block reuse stays in L1 or streams from L2 in order. Deeper blocks read and write C fewer times.
    /// </summary>
    static abstract int KC { get; }
    /// <summary>
    /// Depth of a block when B is read in place (C has at most <see cref="BInPlaceRows"/> rows): the
    /// kc rows of an NR-column B panel, ldb apart, do not stream in order, so they must stay in L1.
    /// </summary>
    static abstract int KCInPlace { get; }
    /// <summary>Rows of a packed A block (MC×KC stays in L2); a multiple of MR.</summary>
    static abstract int MC { get; }
    /// <summary>Columns of a packed B block (KC×NC stays in L3); a multiple of NR.</summary>
    static abstract int NC { get; }
    /// <summary>
    /// Most rows of C for which full panels of a non-transposed B are read in place by every tile
    /// rather than packed by the first (0: always packed). Chosen by measurement per level: reading in
    /// place saves storing the packed copy, which pays least when few A panels reuse each B panel.
    /// </summary>
    static abstract int BInPlaceRows { get; }
    /// <summary>The level this kernel implements.</summary>
    static abstract SimdLevel Level { get; }

    /// <summary>
    /// c[i·ldc + j] = alpha·Σ_{p&lt;kc} a[p·MR + i]·b[p·bStride + j] + beta·c[i·ldc + j] for i &lt; MR, j &lt; NR,
    /// where a is a packed MR-row micro-panel and b an NR-column micro-panel whose rows are bStride
    /// apart: NR when packed, or B's leading dimension when NR columns of a non-transposed B are read
    /// in place. When beta is 0, c is written without being read.
    /// </summary>
    static abstract void MicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta);

    /// <summary>
    /// <see cref="MicroKernel"/> on NR columns of a non-transposed B read in place (rows ldb apart),
    /// that also stores each row it reads into <paramref name="packedB"/> (rows NR apart), the packed
    /// micro-panel the next tiles of the same columns read. The first MR-row tile of every panel packs
    /// it this way, so packing B overlaps that tile's FMAs instead of running as a separate pass, and
    /// the B rows some steps ahead are prefetched (<see cref="MicroKernelSupport.PackingPrefetchRows"/>).
    /// Results are bitwise those of <see cref="MicroKernel"/>. b and packedB must not overlap.
    /// </summary>
    static abstract void MicroKernelPackingB(int kc, float* a, float* b, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta);

    /// <summary>Column granularity of <see cref="EdgeKernel"/>: one vector; NR is a multiple of it.</summary>
    static abstract int EdgeStep { get; }

    /// <summary>
    /// <see cref="MicroKernel"/> on the first <paramref name="width"/> columns only (a multiple of
    /// <see cref="EdgeStep"/>, less than NR), for the last B panel of a matrix whose width is not a
    /// multiple of NR: zero-padded and packed (bStride = NR), or read in place (bStride = ldb), where
    /// only the first width columns of each row are loaded. The columns past width are neither computed
    /// nor written. Computes <paramref name="tiles"/> MR-row tiles down C: their A micro-panels follow each other from a
    /// (MR·kc apart), their C rows from c. Each element is computed by the same operations as in
    /// <see cref="MicroKernel"/>, so the results are identical however the tiles are grouped.
    /// </summary>
    static abstract void EdgeKernel(int tiles, int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta, int width);

    /// <summary>
    /// Most columns of a last B panel that <see cref="EdgeColumnKernel"/> computes (0: none, every last
    /// panel goes through <see cref="EdgeKernel"/> or <see cref="MicroKernel"/>). Below <see cref="EdgeStep"/>:
    /// a one-column remainder otherwise costs a whole vector of columns per row.
    /// </summary>
    static virtual int EdgeColumns => 0;

    /// <summary>MR-row tiles one <see cref="EdgeColumnKernel"/> call computes.</summary>
    static virtual int EdgeColumnTiles => throw new NotSupportedException();

    /// <summary>
    /// tile[(j·EdgeColumnTiles + t)·MR + i] = alpha·Σ_{p&lt;kc} a[t·MR·kc + p·MR + i]·b[p·bStride + j] for
    /// t &lt; <paramref name="tiles"/> (at most <see cref="EdgeColumnTiles"/>), i &lt; MR and
    /// j &lt; <paramref name="columns"/> (at most <see cref="EdgeColumns"/>): the first columns of a B panel
    /// (packed, bStride = NR, or read in place, bStride = ldb) against consecutive packed A micro-panels,
    /// with vectors running down the rows. Each element is computed by the same operations as in
    /// <see cref="MicroKernel"/> with beta 0: the sum in order p = 0, 1, …, kc − 1, one fused multiply-add
    /// per step from zero, then one multiplication by alpha; so merging the tile into C as the scratch
    /// tile of an edge is merged gives the same bits.
    /// </summary>
    static virtual void EdgeColumnKernel(int tiles, int kc, float* a, float* b, nint bStride, int columns, float alpha, float* tile)
        => throw new NotSupportedException();

    /// <summary>
    /// Most columns of a last B panel that <see cref="MicroKernelFolding"/> computes beside the full panel
    /// before it, in the same tile (0: none). Fewer than <see cref="EdgeColumns"/>: the tile reuses its A
    /// values from registers, where the few-column edge kernel reads the A panels again from L2.
    /// </summary>
    static virtual int FoldColumns => 0;

    /// <summary>
    /// <see cref="MicroKernel"/> on a full panel b (rows bStride apart) and, in the same k loop, the first
    /// <paramref name="columns"/> (at most <see cref="FoldColumns"/>) columns of the last panel edge (rows
    /// edgeStride apart) into c[i·ldc + NR + j]. Those elements get exactly the operations of <see
    /// cref="EdgeColumnKernel"/> followed by the scratch-tile merge (t = alpha·sum; c = t when beta is 0,
    /// else t + beta·c), so which route computes them does not change their bits.
    /// </summary>
    static virtual void MicroKernelFolding(int kc, float* a, float* b, nint bStride, float* edge, nint edgeStride, int columns, float* c, nint ldc, float alpha, float beta)
        => throw new NotSupportedException();

    /// <summary>
    /// Which small-shape kernels the level has beside the micro-kernel; decides the narrow, dot and
    /// column paths in <see cref="GemmPaths.Choose"/>. Members of small kernels a level lacks are never
    /// called; their defaults throw.
    /// </summary>
    static virtual SmallKernels SmallKernels => SmallKernels.None;

    // The narrow kernel (SmallKernels.Narrow).
    // A kernel for products with at most 16 columns (output layers, n = 10): reads A in place through
    // row and column strides, so A is never packed, and B from a k×16 zero-padded copy. Packing A would
    // cost about as much as the product itself when n is this small.

    /// <summary>Rows of C one call computes.</summary>
    static virtual int NarrowRows => throw new NotSupportedException();

    /// <summary>
    /// tile[i·16 + j] = Σ_{p&lt;k} a[i·rowStride + p·colStride]·b[p·16 + j] for i &lt; NarrowRows, j &lt; 16,
    /// summed in order p = 0, 1, …, k − 1 with one fused multiply-add per step.
    /// </summary>
    static virtual void NarrowKernel(int k, float* a, nint rowStride, nint colStride, float* b, float* tile)
        => throw new NotSupportedException();

    // The column kernel (SmallKernels.DotsAndColumns).
    // A kernel for products with at most 16 columns that runs its vectors down the rows of C instead of
    // along them: every lane does useful work whatever n is (a row-wise 16-column tile uses 10 of 16
    // lanes when n = 10). A ColumnRows-row block of A is read as k vectors, a[p·lda + i]: A itself when it is
    // stored transposed (k×m, the weight gradient xᵀ·δ), a transposed copy of the block otherwise.

    /// <summary>Rows of C one call computes: one vector.</summary>
    static virtual int ColumnRows => throw new NotSupportedException();

    /// <summary>Most columns one call computes: the accumulators that fit in the registers.</summary>
    static virtual int MaxColumns => throw new NotSupportedException();

    /// <summary>
    /// tile[j·ColumnRows + i] = Σ_{p&lt;k} a[p·lda + i]·b[p·ldb + j] for i &lt; ColumnRows and j &lt; TColumns.Value
    /// (at most <see cref="MaxColumns"/>), summed in order p = 0, 1, …, k − 1 with one fused multiply-add
    /// per step. The column count is a type so that the JIT compiles one register tile per width.
    /// </summary>
    static virtual void ColumnKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile) where TColumns : IColumnCount
        => throw new NotSupportedException();

    // The dot kernel (SmallKernels.DotsAndColumns).
    // A kernel for products with at most 16 columns whose A is not transposed, so that A's rows run along
    // the sum: vectors run along k, and C[i, j] is the dot product of row i of A with column j of op(B), read
    // as a row (B itself when it is stored transposed, a transposed copy otherwise). A's rows are read in
    // place, so with many rows only B, k×n floats for all of them, is copied.

    /// <summary>Rows of C one call computes.</summary>
    static virtual int DotRows => throw new NotSupportedException();

    /// <summary>Most columns one call computes: the accumulators that fit in the registers.</summary>
    static virtual int MaxDotColumns => throw new NotSupportedException();

    /// <summary>Lanes of the kernel's vectors: the shallowest sum it takes.</summary>
    static virtual int DotLanes => throw new NotSupportedException();

    /// <summary>
    /// Shallowest sum for which a product with n ≤ 16, at least ColumnRows rows and A not transposed takes
    /// the dot path rather than the column path, chosen by measurement per level: below it the column
    /// path's transposed copy of A costs little and the dot kernel's horizontal sum, one per element of
    /// C, weighs more.
    /// </summary>
    static virtual int DotMinDepth => throw new NotSupportedException();

    /// <summary>Most rows of C for which a product with B stored transposed takes the wide dot path.</summary>
    static virtual int WideDotMaxRows => throw new NotSupportedException();

    /// <summary>Shallowest sum, per row of C, for which a product with B stored transposed takes the wide dot path.</summary>
    static virtual int WideDotDepthPerRow => throw new NotSupportedException();

    /// <summary>
    /// tile[i·ldTile + j] = Σ_{p&lt;k} a[i·lda + p]·b[j·ldb + p] for i &lt; DotRows and j &lt; TColumns.Value (at
    /// most <see cref="MaxDotColumns"/>), k ≥ <see cref="DotLanes"/>. Each row of tile may also be written past
    /// TColumns.Value, up to the next multiple of 4 columns at most. Each element's summation order
    /// depends only on k: lane t of a vector accumulator sums the products p = t, t + w, t + 2w, … with one fused multiply-add each (w the vector
    /// width; when w does not divide k, the last step reads the w elements that end at k with those already
    /// summed set to zero), then the lanes are added pairwise as a tree. The column count is a type so that
    /// the JIT compiles one register tile per width.
    /// </summary>
    static virtual void DotKernel<TColumns>(int k, float* a, nint lda, float* b, nint ldb, float* tile, nint ldTile) where TColumns : IColumnCount
        => throw new NotSupportedException();
}

/// <summary>
/// How a micro-kernel instantiation reads B: whether it also stores the B rows it reads (<see
/// cref="IGemmKernel.MicroKernelPackingB"/>), and whether they are a packed panel's, NR floats apart,
/// so that the distance is a constant in the k loop. A type argument, so the JIT compiles each variant
/// without a branch in the k loop.
/// </summary>
internal interface IBPanelSource { static abstract bool Stores { get; } static abstract bool Packed { get; } }
internal readonly struct StoresBPanel : IBPanelSource { public static bool Stores => true; public static bool Packed => false; }
internal readonly struct ReadsBPanel : IBPanelSource { public static bool Stores => false; public static bool Packed => false; }
internal readonly struct ReadsPackedBPanel : IBPanelSource { public static bool Stores => false; public static bool Packed => true; }

/// <summary>A column count known to the JIT: <see cref="IGemmKernel.ColumnKernel"/> is compiled once per count.</summary>
internal interface IColumnCount
{
    static abstract int Value { get; }
}

internal readonly struct FoldsNoColumn : IColumnCount { public static int Value => 0; }
internal readonly struct FoldsOneColumn : IColumnCount { public static int Value => 1; }
internal readonly struct FoldsTwoColumns : IColumnCount { public static int Value => 2; }
internal readonly struct Columns1 : IColumnCount { public static int Value => 1; }
internal readonly struct Columns2 : IColumnCount { public static int Value => 2; }
internal readonly struct Columns3 : IColumnCount { public static int Value => 3; }
internal readonly struct Columns4 : IColumnCount { public static int Value => 4; }
internal readonly struct Columns5 : IColumnCount { public static int Value => 5; }
internal readonly struct Columns6 : IColumnCount { public static int Value => 6; }
