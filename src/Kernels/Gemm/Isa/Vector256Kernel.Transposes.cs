using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Simd.Kernels;

/// <summary>
/// 8-float transposes in 256-bit registers: the packing of A and of a transposed B, the column path's
/// merge and the short dot rows of the matrix–vector path use them at every level. They only move
/// values, so they cannot change a bit; each has a portable form with the same result for machines
/// without AVX (the same level emulated, or arm64).
/// </summary>
internal readonly unsafe partial struct Vector256Kernel
{
    /// <summary>
    /// Whether the transposes run as AVX instructions. Where they do not, callers that have a plain
    /// element loop of their own take it instead of the portable vector form, which is no faster there.
    /// </summary>
    public static bool TransposesInRegisters => Avx.IsSupported;

    /// <summary>panel[p·4 + i] = source[i·ld + p] for i &lt; 4 and p &lt; kc8 (a multiple of 8): 4×8 blocks transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeFourRows(float* source, nint ld, int kc8, float* panel)
    {
        if (!Avx.IsSupported)
        {
            for (int p = 0; p < kc8; p++)
                for (int i = 0; i < 4; i++) panel[p * 4 + i] = source[i * ld + p];
            return;
        }
        for (int p = 0; p < kc8; p += 8)
        {
            Vector256<float> r0 = Avx.LoadVector256(source + p), r1 = Avx.LoadVector256(source + ld + p);
            Vector256<float> r2 = Avx.LoadVector256(source + 2 * ld + p), r3 = Avx.LoadVector256(source + 3 * ld + p);
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            // Each 128-bit lane of u holds one column of the 4 rows: u0 = columns 0 and 4, u1 = 1 and 5, …
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            float* o = panel + p * 4;
            Avx.Store(o, Avx.Permute2x128(u0, u1, 0x20));
            Avx.Store(o + 8, Avx.Permute2x128(u2, u3, 0x20));
            Avx.Store(o + 16, Avx.Permute2x128(u0, u1, 0x31));
            Avx.Store(o + 24, Avx.Permute2x128(u2, u3, 0x31));
        }
    }

    /// <summary>
    /// panel[p·nr + q] = source[q·ld + p] for q &lt; columns (a multiple of 8, at most nr), p &lt; kc: 8×8
    /// blocks loaded transposed (<see cref="LoadTransposed8x8"/>). The kc % 8 remainder is one more
    /// block, the 8 rows that end at kc (rewriting some rows with the same values), when kc ≥ 8, and goes
    /// element by element otherwise, since leftover rows element by element were a large share of a
    /// small product.
    /// </summary>
    /// <remarks>
    /// X86 intrinsics because the portable API has no two-source shuffle; without AVX the same
    /// values are loaded element by element. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeBlocks(float* source, nint ld, int kc, float* panel, int columns, int nr)
    {
        for (int q = 0; q < columns; q += 8)
        {
            float* s = source + q * ld;
            float* t = panel + q;
            if (kc < 8)
            {
                for (int p = 0; p < kc; p++)
                    for (int i = 0; i < 8; i++)
                        t[p * nr + i] = s[i * ld + p];
                continue;
            }
            for (int next = 0; next < kc; next += 8)
            {
                int p = Math.Min(next, kc - 8);
                LoadTransposed8x8(s + p, ld, out Vector256<float> r0, out Vector256<float> r1, out Vector256<float> r2, out Vector256<float> r3,
                    out Vector256<float> r4, out Vector256<float> r5, out Vector256<float> r6, out Vector256<float> r7);
                float* o = t + p * nr;
                r0.Store(o);
                r1.Store(o + nr);
                r2.Store(o + 2 * nr);
                r3.Store(o + 3 * nr);
                r4.Store(o + 4 * nr);
                r5.Store(o + 5 * nr);
                r6.Store(o + 6 * nr);
                r7.Store(o + 7 * nr);
            }
        }
    }

    /// <summary>
    /// Loads the 8×8 block source[i·ld + j] (i, j &lt; 8) transposed: cj[i] = source[i·ld + j]. Each row is
    /// loaded as two 128-bit halves, rows i and i + 4 into one register, so that in-lane unpacks and
    /// shuffles finish the transpose without the four-instruction cross-lane step (vperm2f128) of a
    /// transpose of whole rows in registers.
    /// </summary>
    /// <remarks>
    /// vperm2f128 has half the throughput of unpacks and shuffles on the cores measured, and the
    /// 128-bit inserts are loads. Measurements: perf-results/tuning/gemm-vector256.md.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadTransposed8x8(float* source, nint ld,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
        out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        if (!Avx.IsSupported)
        {
            c0 = Column(source, ld, 0); c1 = Column(source, ld, 1); c2 = Column(source, ld, 2); c3 = Column(source, ld, 3);
            c4 = Column(source, ld, 4); c5 = Column(source, ld, 5); c6 = Column(source, ld, 6); c7 = Column(source, ld, 7);
            return;
        }
        float* upper = source + 4 * ld;
        // qi: columns 0–3 of rows i and i + 4; hi: columns 4–7 of the same rows.
        Vector256<float> q0 = Vector256.Create(Vector128.Load(source), Vector128.Load(upper));
        Vector256<float> q1 = Vector256.Create(Vector128.Load(source + ld), Vector128.Load(upper + ld));
        Vector256<float> q2 = Vector256.Create(Vector128.Load(source + 2 * ld), Vector128.Load(upper + 2 * ld));
        Vector256<float> q3 = Vector256.Create(Vector128.Load(source + 3 * ld), Vector128.Load(upper + 3 * ld));
        Vector256<float> h0 = Vector256.Create(Vector128.Load(source + 4), Vector128.Load(upper + 4));
        Vector256<float> h1 = Vector256.Create(Vector128.Load(source + ld + 4), Vector128.Load(upper + ld + 4));
        Vector256<float> h2 = Vector256.Create(Vector128.Load(source + 2 * ld + 4), Vector128.Load(upper + 2 * ld + 4));
        Vector256<float> h3 = Vector256.Create(Vector128.Load(source + 3 * ld + 4), Vector128.Load(upper + 3 * ld + 4));
        Vector256<float> t0 = Avx.UnpackLow(q0, q1), t1 = Avx.UnpackHigh(q0, q1);
        Vector256<float> t2 = Avx.UnpackLow(q2, q3), t3 = Avx.UnpackHigh(q2, q3);
        Vector256<float> t4 = Avx.UnpackLow(h0, h1), t5 = Avx.UnpackHigh(h0, h1);
        Vector256<float> t6 = Avx.UnpackLow(h2, h3), t7 = Avx.UnpackHigh(h2, h3);
        c0 = Avx.Shuffle(t0, t2, 0x44);
        c1 = Avx.Shuffle(t0, t2, 0xEE);
        c2 = Avx.Shuffle(t1, t3, 0x44);
        c3 = Avx.Shuffle(t1, t3, 0xEE);
        c4 = Avx.Shuffle(t4, t6, 0x44);
        c5 = Avx.Shuffle(t4, t6, 0xEE);
        c6 = Avx.Shuffle(t5, t7, 0x44);
        c7 = Avx.Shuffle(t5, t7, 0xEE);
    }

    /// <summary>Column j of the 8×8 block at source (rows ld apart): the portable form of one register of <see cref="LoadTransposed8x8"/>.</summary>
    private static Vector256<float> Column(float* source, nint ld, int j) => Vector256.Create(
        source[j], source[ld + j], source[2 * ld + j], source[3 * ld + j], source[4 * ld + j], source[5 * ld + j], source[6 * ld + j], source[7 * ld + j]);
}
