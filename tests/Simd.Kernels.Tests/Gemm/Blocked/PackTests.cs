namespace Simd.Kernels.Tests;

/// <summary>
/// The packing contracts, tested directly rather than through products: every packed position holds the
/// element its documentation names, and every padding position is exactly +0 (a kernel may compute
/// with padding, so NaN or garbage there would be a latent bug even where no result shows it today).
/// Destinations start as NaN, so a position that is never written fails too.
/// </summary>
public unsafe class PackTests
{
    public static TheoryData<SimdLevel, bool> LevelsAndTransposes()
    {
        var data = new TheoryData<SimdLevel, bool>();
        foreach (SimdLevel level in SimdLevels.All)
        {
            data.Add(level, false);
            data.Add(level, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void PackAHoldsTheBlockInMicroPanelsZeroPadded(SimdLevel level, bool transposed)
    {
        var check = new PackCheck { A = true, Transposed = transposed };
        GemmPaths.WithKernel(level, ref check);
    }

    [Theory]
    [MemberData(nameof(LevelsAndTransposes))]
    public void PackBHoldsTheBlockInMicroPanelsZeroPadded(SimdLevel level, bool transposed)
    {
        var check = new PackCheck { A = false, Transposed = transposed };
        GemmPaths.WithKernel(level, ref check);
    }

    /// <summary>The packing check of A or B for the level's kernel.</summary>
    private struct PackCheck : IKernelAction
    {
        public bool A, Transposed;

        public readonly void Invoke<TKernel>() where TKernel : IGemmKernel
        {
            if (A) CheckPackA<TKernel>(Transposed);
            else CheckPackB<TKernel>(Transposed);
        }
    }

    /// <summary>
    /// Pack.A: panel r at r·MR·kc holds op(A)(row0 + r·MR + i, col0 + p) at p·MR + i; rows at or beyond mc
    /// are zero. Row counts below, at and past MR and several panels; depths below, at and past the 8-wide
    /// register transposes; offsets into a larger stored matrix.
    /// </summary>
    private static void CheckPackA<TKernel>(bool transposed) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, seed = 0;
        foreach (int mc in new[] { 1, mr - 1, mr, mr + 1, 3 * mr + 2 }.Where(v => v > 0).Distinct())
            foreach (int kc in new[] { 1, 3, 7, 8, 9, 16, 17, 33 })
            {
                const int row0 = 2, col0 = 3;
                int rows = row0 + mc + 1, cols = col0 + kc + 2;
                // Stored as rows×cols, or transposed as cols×rows, with ld past the stored width.
                int ld = (transposed ? rows : cols) + 3;
                float[] a = TestSupport.Uniform((transposed ? cols : rows) * ld, ++seed);
                int panels = (mc + mr - 1) / mr;
                float[] packed = new float[panels * mr * kc + 1];
                Array.Fill(packed, float.NaN);
                fixed (float* pa = a, pp = packed)
                    Pack.A<TKernel>(transposed, pa, ld, row0, col0, mc, kc, pp);
                for (int r = 0; r < panels; r++)
                    for (int p = 0; p < kc; p++)
                        for (int i = 0; i < mr; i++)
                        {
                            int row = r * mr + i;
                            float expected = row < mc
                                ? transposed ? a[(col0 + p) * ld + row0 + row] : a[(row0 + row) * ld + col0 + p]
                                : 0f;
                            AssertBits(expected, packed[r * mr * kc + p * mr + i], $"{typeof(TKernel).Name} A{(transposed ? "ᵀ" : "")} mc={mc} kc={kc} panel {r} p={p} i={i}");
                        }
                Assert.True(float.IsNaN(packed[^1]), $"{typeof(TKernel).Name} mc={mc} kc={kc}: wrote past the last panel");
            }
    }

    /// <summary>
    /// Pack.B: panel j at j·NR·kc holds op(B)(row0 + p, col0 + j·NR + q) at p·NR + q; columns at or beyond
    /// nc are zero. Widths below, at and past NR and several panels, edges of every remainder modulo 4, and
    /// depths that make the panels a multiple of 4 KiB apart (the 4-row grouping of a non-transposed B).
    /// </summary>
    private static void CheckPackB<TKernel>(bool transposed) where TKernel : IGemmKernel
    {
        int nr = TKernel.NR, seed = 100;
        int aliasingDepth = Pack.L1SetPeriodFloats / (int)System.Numerics.BigInteger.GreatestCommonDivisor(nr, Pack.L1SetPeriodFloats);
        foreach (int nc in new[] { 1, 2, 3, 4, 5, nr - 1, nr, nr + 1, nr + 5, 3 * nr + 7 }.Where(v => v > 0).Distinct())
            foreach (int kc in new[] { 1, 4, 7, 8, 9, 17, aliasingDepth })
            {
                const int row0 = 1, col0 = 2;
                int rows = row0 + kc + 2, cols = col0 + nc + 1;
                int ld = (transposed ? rows : cols) + 2;
                float[] b = TestSupport.Uniform((transposed ? cols : rows) * ld, ++seed);
                int panels = (nc + nr - 1) / nr;
                float[] packed = new float[panels * nr * kc + 1];
                Array.Fill(packed, float.NaN);
                fixed (float* pb = b, pp = packed)
                    Pack.B<TKernel>(transposed, pb, ld, row0, col0, kc, nc, pp);
                for (int j = 0; j < panels; j++)
                    for (int p = 0; p < kc; p++)
                        for (int q = 0; q < nr; q++)
                        {
                            int col = j * nr + q;
                            float expected = col < nc
                                ? transposed ? b[(col0 + col) * ld + row0 + p] : b[(row0 + p) * ld + col0 + col]
                                : 0f;
                            AssertBits(expected, packed[j * nr * kc + p * nr + q], $"{typeof(TKernel).Name} B{(transposed ? "ᵀ" : "")} nc={nc} kc={kc} panel {j} p={p} q={q}");
                        }
                Assert.True(float.IsNaN(packed[^1]), $"{typeof(TKernel).Name} nc={nc} kc={kc}: wrote past the last panel");
            }
    }

    [Fact]
    public void TransposeWritesExactlyTheTransposedBlock()
    {
        // Column counts below, at and past the 8×8 register blocks, depths with and without a remainder.
        int seed = 200;
        foreach (int columns in new[] { 1, 7, 8, 9, 16, 19 })
            foreach (int count in new[] { 1, 5, 8, 12, 33 })
            {
                int ld = count + 2, ldTarget = columns + 3;
                float[] source = TestSupport.Uniform(columns * ld, ++seed);
                float[] target = new float[count * ldTarget];
                Array.Fill(target, float.NaN);
                fixed (float* ps = source, pt = target)
                    Pack.Transpose(ps, ld, count, columns, pt, ldTarget);
                for (int p = 0; p < count; p++)
                    for (int q = 0; q < ldTarget; q++)
                    {
                        float actual = target[p * ldTarget + q];
                        if (q < columns) AssertBits(source[q * ld + p], actual, $"columns={columns} count={count} ({p},{q})");
                        else Assert.True(float.IsNaN(actual), $"columns={columns} count={count}: ({p},{q}) outside the block was written");
                    }
            }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NarrowBIsAZeroPaddedSixteenColumnCopy(bool transposed)
    {
        // NarrowGemm.NarrowB: packed[p·16 + j] = op(B)(p, j) for j < n, zero for n ≤ j < 16, whichever of its
        // copy loops (whole masked rows, or element by element near the end of B) writes the row.
        int seed = 300;
        foreach (int n in new[] { 1, 5, 8, 10, 15, 16 })
            foreach (int k in new[] { 1, 2, 9, 40 })
            {
                int ldb = (transposed ? k : n) + (seed % 3);
                float[] b = TestSupport.Uniform((transposed ? n : k) * ldb, ++seed);
                fixed (float* pb = b)
                {
                    var job = new GemmJob { B = pb, Ldb = ldb, K = k, N = n, M = 2, TransB = transposed };
                    float* packed = GemmWorkspace.Current.B((nint)k * GemmPaths.NarrowColumns);
                    new Span<float>(packed, k * GemmPaths.NarrowColumns).Fill(float.NaN);
                    packed = NarrowGemm.NarrowB(ref job);
                    for (int p = 0; p < k; p++)
                        for (int j = 0; j < GemmPaths.NarrowColumns; j++)
                        {
                            float expected = j < n ? transposed ? b[j * ldb + p] : b[p * ldb + j] : 0f;
                            AssertBits(expected, packed[p * GemmPaths.NarrowColumns + j], $"{(transposed ? "Bᵀ" : "B")} n={n} k={k} ({p},{j})");
                        }
                }
            }
    }

    /// <summary>Exact equality of bits: a padding of −0 or NaN fails as well as a wrong value.</summary>
    private static void AssertBits(float expected, float actual, string context) =>
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{context}: {actual:R}, expected {expected:R}");
}
