using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// A level's GEMM micro-kernel alone on packed panels that stay in cache: every MR×NR tile of an
/// MC×(<see cref="Panels"/>·NR) block of C, KC deep, from one packed MC×KC A block (the block the
/// driver keeps in L2) and <see cref="Panels"/> packed KC×NR B panels, with α = 1 and β = 0 — the
/// macro-kernel's two inner loops at the level's own block sizes, without packing, edge tiles or a
/// second k block. Its % of the FMA roof is the most a product at that level can reach on the machine;
/// a GEMM's % roof read against it splits what the kernel loses from what blocking and packing lose.
/// </summary>
public unsafe class MicroKernelBenchmarks
{
    /// <summary>B panels in the block: each is reused by all MC/MR A micro-panels, as in a product.</summary>
    public const int Panels = 4;

    private float* _a, _b, _c;

    [ParamsSource(nameof(Levels))]
    public SimdLevel Level { get; set; } = SimdLevel.Vector256;

    /// <summary>The vector levels the process runs natively; an emulated kernel's time measures nothing.</summary>
    public static IEnumerable<SimdLevel> Levels =>
        new[] { SimdLevel.Vector128, SimdLevel.Vector256, SimdLevel.Vector512 }.Where(SimdLevels.IsAccelerated);

    /// <summary>2·MC·(Panels·NR)·KC flops; the operands are cache-resident, so no bytes are stated.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        SimdLevel level = parameters.TryGetValue(nameof(Level), out string? text) && Enum.TryParse(text, out SimdLevel parsed)
            ? parsed : throw new ArgumentException("micro-kernel benchmark without a Level parameter", nameof(parameters));
        return Workload.Compute(Flops(level));
    }

    /// <summary>The flops of one <see cref="PackedBlock"/> call at <paramref name="level"/>.</summary>
    public static double Flops(SimdLevel level)
    {
        var (_, nr, kc, mc) = Sizes(level);
        return 2.0 * mc * Panels * nr * kc;
    }

    /// <summary>One line for a report: the tile, block and depth measured at <paramref name="level"/>.</summary>
    public static string Describe(SimdLevel level)
    {
        var (mr, nr, kc, mc) = Sizes(level);
        return $"{mr}×{nr} tiles of a {mc}×{Panels * nr} block, {kc} deep";
    }

    /// <summary>Fills both packed blocks and checks one run of every tile against the double-precision reference.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Cleanup();
        var (_, nr, kc, mc) = Sizes(Level);
        int aLength = mc * kc, bLength = Panels * nr * kc, cLength = mc * Panels * nr;
        _a = Allocate(aLength);
        _b = Allocate(bLength);
        _c = Allocate(cLength);
        BenchmarkData.Uniform(aLength, 1).CopyTo(new Span<float>(_a, aLength));
        BenchmarkData.Uniform(bLength, 2).CopyTo(new Span<float>(_b, bLength));
        new Span<float>(_c, cLength).Fill(float.NaN);
        PackedBlock();
        Validate();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
        _a = _b = _c = null;
    }

    /// <summary>Every tile of the block, B panel by B panel, A micro-panels in order down each.</summary>
    [Benchmark]
    public void PackedBlock()
    {
        var block = new Block { A = _a, B = _b, C = _c };
        GemmPaths.WithKernel(VectorLevel(Level), ref block);
    }

    /// <summary>Every tile of the block with the level's kernel (through the level registry).</summary>
    private struct Block : IKernelAction
    {
        public float* A, B, C;

        public readonly void Invoke<TKernel>() where TKernel : IGemmKernel
        {
            int mr = TKernel.MR, nr = TKernel.NR, kc = TKernel.KC, mc = TKernel.MC;
            float* a = A, b = B, c = C;
            nint ldc = Panels * nr;
            for (int jr = 0; jr < Panels; jr++)
                for (int ir = 0; ir < mc; ir += mr)
                    TKernel.MicroKernel(kc, a + (nint)ir * kc, b + (nint)jr * nr * kc, nr, c + ir * ldc + jr * nr, ldc, 1f, 0f);
        }
    }

    private static SimdLevel VectorLevel(SimdLevel level) => level != SimdLevel.Scalar ? level
        : throw new ArgumentOutOfRangeException(nameof(level), level, "the micro-kernel benchmark covers the vector levels");

    private static (int MR, int NR, int KC, int MC) Sizes(SimdLevel level)
    {
        var sizes = new ReadSizes();
        GemmPaths.WithKernel(VectorLevel(level), ref sizes);
        return sizes.Sizes;
    }

    private struct ReadSizes : IKernelAction
    {
        public (int MR, int NR, int KC, int MC) Sizes;
        public void Invoke<TKernel>() where TKernel : IGemmKernel => Sizes = (TKernel.MR, TKernel.NR, TKernel.KC, TKernel.MC);
    }

    private static float* Allocate(int floats) => (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);

    /// <summary>
    /// Checks every MR×NR tile against <see cref="Reference.Gemm"/> on its two packed panels: A micro-panel
    /// r holds A[r·MR + i, p] at p·MR + i (a transposed MR-row view, leading dimension MR), and B panel j
    /// holds B[p, j·NR + q] at p·NR + q (leading dimension NR).
    /// </summary>
    private void Validate()
    {
        var (mr, nr, kc, mc) = Sizes(Level);
        int ldc = Panels * nr;
        for (int jr = 0; jr < Panels; jr++)
        {
            var b = new ReadOnlySpan<float>(_b + (nint)jr * nr * kc, nr * kc);
            for (int ir = 0; ir < mc; ir += mr)
            {
                var a = new ReadOnlySpan<float>(_a + (nint)ir * kc, mr * kc);
                var c = new ReadOnlySpan<float>(_c + ir * ldc + jr * nr, (mr - 1) * ldc + nr);
                double[] expected = Reference.Gemm(true, false, mr, nr, kc, 1, a, mr, b, nr, 0, c, ldc, out double[] magnitude);
                for (int i = 0; i < mr; i++)
                {
                    BenchmarkData.Validate(expected.AsSpan(i * nr, nr), c.Slice(i * ldc, nr), 0, (kc + 2) * 1.2e-7 * magnitude.Max(),
                        $"micro-kernel tile at rows {ir}.., panel {jr}, level {Level}");
                }
            }
        }
    }
}
