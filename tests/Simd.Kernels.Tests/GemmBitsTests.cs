using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;

namespace Simd.Kernels.Tests;

/// <summary>
/// The exact bits of GEMM results on every path, every transpose and every level, against hashes
/// recorded from the code, so that restructuring the GEMM (moving paths, changing how a path is
/// chosen) is proven not to change a single bit. The bits depend on the level alone: the same
/// expectations hold on any machine and under DOTNET_EnableAVX2=0 or DOTNET_EnableHWIntrinsic=0,
/// except at Vector128, whose kernels use MultiplyAddEstimate (fused where the hardware has FMA) and
/// so have one column of hashes for a fusing and one for a separate multiply-add.
/// </summary>
/// <remarks>
/// To record new hashes after a deliberate change of bits, run this class with SIMD_RECORD_GEMM_BITS
/// set to a file: every case's hash is appended there as a table line instead of being compared.
/// </remarks>
[Collection(nameof(IsolatedCollection))]
public class GemmBitsTests
{
    private enum Epilogue { None, Bias, BiasRelu }

    /// <summary>
    /// A product hashed under all four transposes (pad 3 on every leading dimension; ldb = n + 3 ≥ 512
    /// sends a non-transposed B through row-order packing). Block overrides, when given, shrink
    /// (KC, MC, NC) to (kc, mc·MR, nc·NR).
    /// </summary>
    private sealed record Case(string Name, int M, int N, int K, float Alpha = 1f, float Beta = 0f, Epilogue Epilogue = Epilogue.None,
        (int Kc, int Mc, int Nc)? Blocks = null);

    // The path each case reaches at 256 bits with A and B as stored; the other transposes and levels take
    // what the table of paths gives them, which is the point: every (shape, transposes, level) is hashed.
    private static readonly Case[] Cases =
    [
        new("row of C, axpy rows", 1, 77, 37),                        // x·W; x·Wᵀ dots
        new("row of C, 8 to 16 wide", 1, 12, 37),                    // narrow axpy
        new("row of C, short dots", 1, 21, 10, 0.5f, -1f),          // x·Wᵀ with 8 ≤ k < 16
        new("row of C, long", 1, 5 * 64 + 13, 45),                   // threads split 64-column pieces
        new("column of C, dots", 77, 1, 37),                         // A·x; Aᵀ·x axpy
        new("column of C, short dots", 70, 1, 12, 1.5f, 0.25f),
        new("rank 1", 37, 45, 1),
        new("rank 1, beta", 19, 13, 1, 1.5f, -0.5f),
        new("rank 1, narrow", 5, 3, 1, -2f, 1f),
        new("narrow dots, few rows", 13, 10, 47),                    // dots (m < ColumnRows)
        new("narrow columns", 40, 10, 33),                           // columns; dots when A is transposed back
        new("narrow columns, 16 wide", 40, 16, 8, 0.5f, -1f),
        new("narrow columns, shallow", 33, 7, 3),
        new("narrow dots, deep", 40, 10, 520),                       // k ≥ DotMinDepth
        new("narrow, threads", 200, 10, 64),
        new("wide dots", 8, 100, 256),                               // δ·Wᵀ at a small batch
        new("wide dots, beta", 12, 40, 200, -1f, 0.5f),
        new("blocked, edges", 37, 53, 29),
        new("blocked, beta 1", 64, 64, 64, 1f, 1f),                  // the weight-gradient accumulate
        new("blocked, alpha and beta", 97, 131, 70, -0.75f, 2f),
        new("blocked, B rows far apart", 40, 600, 30),               // row-order packing
        new("blocked, B in place", 8, 256, 100),
        new("blocked, edge in place", 16, 40, 50),
        new("blocked, deep", 30, 70, 800),                           // several k blocks
        new("blocked, small blocks", 33, 131, 23, 1f, 0.5f, Blocks: (5, 2, 2)),
        new("blocked, column split", 8, 512, 64),
        new("blocked, static row split", 64, 256, 100),              // shared packed B when transposed
        new("blocked, claimed row units", 264, 80, 96),
        new("blocked, claimed units, beta", 300, 64, 40, 0.5f, 1f, Blocks: (16, 3, 2)),
        new("scale only, k = 0", 9, 11, 0, 1f, 0.5f),
        new("scale only, alpha = 0", 9, 11, 5, 0f, -2f),
        new("epilogue: row of C", 1, 77, 37, Epilogue: Epilogue.BiasRelu),
        new("epilogue: rank 1", 37, 45, 1, Epilogue: Epilogue.BiasRelu),
        new("epilogue: narrow", 40, 10, 33, Epilogue: Epilogue.BiasRelu),
        new("epilogue: wide dots", 8, 100, 256, Epilogue: Epilogue.Bias),
        new("epilogue: blocked", 37, 53, 29, Epilogue: Epilogue.BiasRelu),
        new("epilogue: blocked, threads", 128, 96, 64, Epilogue: Epilogue.Bias),
    ];

    /// <summary>The expectation column: the level, and at Vector128 whether MultiplyAddEstimate fuses.</summary>
    public static TheoryData<string> Columns => new("Scalar", "Vector128", "Vector256", "Vector512");

    private static string ColumnKey(SimdLevel level) => level == SimdLevel.Vector128
        ? (EstimateFuses() ? "Vector128 fused" : "Vector128 separate")
        : level.ToString();

    /// <summary>Whether Vector128.MultiplyAddEstimate rounds once: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ fused, 0 separate.</summary>
    private static bool EstimateFuses()
    {
        float a = 1f + MathF.ScaleB(1f, -12), c = -(1f + MathF.ScaleB(1f, -11));
        return Vector128.MultiplyAddEstimate(Vector128.Create(a), Vector128.Create(a), Vector128.Create(c)).ToScalar() != 0f;
    }

    [Theory]
    [MemberData(nameof(Columns))]
    public void EveryPathGivesTheRecordedBits(string levelName)
    {
        SimdLevel level = Enum.Parse<SimdLevel>(levelName);
        string key = ColumnKey(level);
        string? record = Environment.GetEnvironmentVariable("SIMD_RECORD_GEMM_BITS");
        var mismatches = new StringBuilder();
        using var restore = TestSupport.PreserveMaxDegreeOfParallelism();
        foreach (Case test in Cases)
        {
            ulong serial = Hash(test, level, threads: 1), threaded = Hash(test, level, threads: 2);
            Assert.True(serial == threaded, $"{key} '{test.Name}': 2 threads give 0x{threaded:X16}, 1 thread 0x{serial:X16}");
            if (record is not null)
            {
                File.AppendAllText(record, string.Create(CultureInfo.InvariantCulture, $"{test.Name}|{key}|0x{serial:X16}\n"));
                continue;
            }
            Assert.True(Expected.TryGetValue((test.Name, key), out ulong expected), $"no recorded hash for '{test.Name}' at {key}");
            if (serial != expected)
                mismatches.AppendLine(CultureInfo.InvariantCulture, $"  ['{test.Name}' at {key}] 0x{serial:X16}, recorded 0x{expected:X16}");
        }
        Assert.True(mismatches.Length == 0, $"GEMM bits changed at {key}:\n{mismatches}");
    }

    /// <summary>FNV-1a over the bits of C (padding included) after the product under each of the four transposes.</summary>
    private static ulong Hash(Case test, SimdLevel level, int threads)
    {
        ulong hash = 14695981039346656037UL;
        int seed = test.M * 7919 + test.N * 104729 + test.K * 31;
        foreach (Transpose ta in new[] { Transpose.None, Transpose.Transposed })
            foreach (Transpose tb in new[] { Transpose.None, Transpose.Transposed })
            {
                bool tA = ta == Transpose.Transposed, tB = tb == Transpose.Transposed;
                int aRows = tA ? test.K : test.M, aCols = tA ? test.M : test.K;
                int bRows = tB ? test.N : test.K, bCols = tB ? test.K : test.N;
                int lda = aCols + 3, ldb = bCols + 3, ldc = test.N + 3;
                float[] a = TestSupport.Uniform(Math.Max(1, aRows * lda), seed++);
                float[] b = TestSupport.Uniform(Math.Max(1, bRows * ldb), seed++);
                float[] c = TestSupport.Uniform(test.M * ldc, seed++);
                float[] bias = TestSupport.Uniform(test.N, seed++);
                if (test.Beta == 0f) Array.Fill(c, float.NaN);
                Gemm.MaxDegreeOfParallelism = threads;
                using (SimdLevels.Force(level))
                using (GemmTuning.OverrideParallelThreshold(threads == 1 ? long.MaxValue : 1))
                using (Overrides(test.Blocks, level))
                {
                    if (test.Epilogue == Epilogue.None)
                        Gemm.Multiply(ta, tb, test.M, test.N, test.K, test.Alpha, a, lda, b, ldb, test.Beta, c, ldc);
                    else
                        Gemm.MultiplyBiasActivation(ta, tb, test.M, test.N, test.K, a, lda, b, ldb, bias,
                            test.Epilogue == Epilogue.BiasRelu ? ActivationFunction.Relu : ActivationFunction.None, c, ldc);
                }
                foreach (float value in c)
                {
                    hash ^= (uint)BitConverter.SingleToInt32Bits(value);
                    hash *= 1099511628211UL;
                }
            }
        return hash;
    }

    private static GemmTuning.Scope Overrides((int Kc, int Mc, int Nc)? blocks, SimdLevel level)
    {
        if (blocks is not (int kc, int mc, int nc)) return GemmTuning.OverrideParallelThreshold(GemmTuning.ParallelThreshold);
        GemmKernelFacts facts = GemmKernelFacts.Of(level);
        return GemmTuning.OverrideBlocks(kc, mc * facts.Mr, nc * facts.Nr);
    }

    private static readonly Dictionary<(string Case, string Column), ulong> Expected = new()
    {
        [("blocked, B in place", "Scalar")] = 0xCF0D122E6ED81757,
        [("blocked, B in place", "Vector128 fused")] = 0x4A08A3115C50EDD5,
        [("blocked, B in place", "Vector128 separate")] = 0x740D3A588632A012,
        [("blocked, B in place", "Vector256")] = 0x070CF49002374463,
        [("blocked, B in place", "Vector512")] = 0x8AD65B3C18F7D085,
        [("blocked, B rows far apart", "Scalar")] = 0x353FAECD154FAC77,
        [("blocked, B rows far apart", "Vector128 fused")] = 0xEBCCB0925CC776AD,
        [("blocked, B rows far apart", "Vector128 separate")] = 0x353FAECD154FAC77,
        [("blocked, B rows far apart", "Vector256")] = 0xEBCCB0925CC776AD,
        [("blocked, B rows far apart", "Vector512")] = 0xEBCCB0925CC776AD,
        [("blocked, alpha and beta", "Scalar")] = 0xA1616ADBA1713763,
        [("blocked, alpha and beta", "Vector128 fused")] = 0x4AB0E1F5463ABFE7,
        [("blocked, alpha and beta", "Vector128 separate")] = 0xA1616ADBA1713763,
        [("blocked, alpha and beta", "Vector256")] = 0x4AB0E1F5463ABFE7,
        [("blocked, alpha and beta", "Vector512")] = 0x4AB0E1F5463ABFE7,
        [("blocked, beta 1", "Scalar")] = 0x75402403D7EEAD70,
        [("blocked, beta 1", "Vector128 fused")] = 0xC5A9C7CBB5B56313,
        [("blocked, beta 1", "Vector128 separate")] = 0x75402403D7EEAD70,
        [("blocked, beta 1", "Vector256")] = 0xC5A9C7CBB5B56313,
        [("blocked, beta 1", "Vector512")] = 0xC5A9C7CBB5B56313,
        [("blocked, claimed row units", "Scalar")] = 0xB0458DD6B1CDA060,
        [("blocked, claimed row units", "Vector128 fused")] = 0x7C14116CDB400CA7,
        [("blocked, claimed row units", "Vector128 separate")] = 0xB0458DD6B1CDA060,
        [("blocked, claimed row units", "Vector256")] = 0x7C14116CDB400CA7,
        [("blocked, claimed row units", "Vector512")] = 0x7C14116CDB400CA7,
        [("blocked, claimed units, beta", "Scalar")] = 0xDF3F8A2F74AAF4A1,
        [("blocked, claimed units, beta", "Vector128 fused")] = 0xC8C0C4FFC1199AC3,
        [("blocked, claimed units, beta", "Vector128 separate")] = 0xDF3F8A2F74AAF4A1,
        [("blocked, claimed units, beta", "Vector256")] = 0xC8C0C4FFC1199AC3,
        [("blocked, claimed units, beta", "Vector512")] = 0xC8C0C4FFC1199AC3,
        [("blocked, column split", "Scalar")] = 0x6D6FA91F13F5B93B,
        [("blocked, column split", "Vector128 fused")] = 0x5285B7AA78561E9F,
        [("blocked, column split", "Vector128 separate")] = 0x1451BD1C42468F85,
        [("blocked, column split", "Vector256")] = 0xA34C0C3C4FE0139E,
        [("blocked, column split", "Vector512")] = 0x6232D7A1178774F1,
        [("blocked, deep", "Scalar")] = 0x7B12AF3931A9CB13,
        [("blocked, deep", "Vector128 fused")] = 0xB7E93799991A3ABF,
        [("blocked, deep", "Vector128 separate")] = 0x3355A48C4623F1F6,
        [("blocked, deep", "Vector256")] = 0x1630F654C126B222,
        [("blocked, deep", "Vector512")] = 0x1630F654C126B222,
        [("blocked, edge in place", "Scalar")] = 0x2BFAD81A275E923F,
        [("blocked, edge in place", "Vector128 fused")] = 0xF63C9B09C0185C16,
        [("blocked, edge in place", "Vector128 separate")] = 0x2BFAD81A275E923F,
        [("blocked, edge in place", "Vector256")] = 0xF63C9B09C0185C16,
        [("blocked, edge in place", "Vector512")] = 0xF63C9B09C0185C16,
        [("blocked, edges", "Scalar")] = 0x64BA4860A133435F,
        [("blocked, edges", "Vector128 fused")] = 0x364D8ABD949CE4A2,
        [("blocked, edges", "Vector128 separate")] = 0x64BA4860A133435F,
        [("blocked, edges", "Vector256")] = 0x364D8ABD949CE4A2,
        [("blocked, edges", "Vector512")] = 0x364D8ABD949CE4A2,
        [("blocked, small blocks", "Scalar")] = 0x191A5DC3E16DD070,
        [("blocked, small blocks", "Vector128 fused")] = 0xB641D866560E7539,
        [("blocked, small blocks", "Vector128 separate")] = 0x191A5DC3E16DD070,
        [("blocked, small blocks", "Vector256")] = 0xB641D866560E7539,
        [("blocked, small blocks", "Vector512")] = 0xB641D866560E7539,
        [("blocked, static row split", "Scalar")] = 0xF40F8AA674E83FC3,
        [("blocked, static row split", "Vector128 fused")] = 0x80C619C49869E225,
        [("blocked, static row split", "Vector128 separate")] = 0xF40F8AA674E83FC3,
        [("blocked, static row split", "Vector256")] = 0x80C619C49869E225,
        [("blocked, static row split", "Vector512")] = 0x80C619C49869E225,
        [("column of C, dots", "Scalar")] = 0xEF73318A85665606,
        [("column of C, dots", "Vector128 fused")] = 0x2D2DD5562AC904FC,
        [("column of C, dots", "Vector128 separate")] = 0xA2F6FA2E473F30D8,
        [("column of C, dots", "Vector256")] = 0x0A0ED071253F5B4F,
        [("column of C, dots", "Vector512")] = 0x97D57DA235FD4327,
        [("column of C, short dots", "Scalar")] = 0x999A16EB6B2077A8,
        [("column of C, short dots", "Vector128 fused")] = 0x919CF6EBE4A94F15,
        [("column of C, short dots", "Vector128 separate")] = 0xFF691A1826975663,
        [("column of C, short dots", "Vector256")] = 0x593044C41377A6B7,
        [("column of C, short dots", "Vector512")] = 0x593044C41377A6B7,
        [("epilogue: blocked, threads", "Scalar")] = 0x7F9595F6892324B8,
        [("epilogue: blocked, threads", "Vector128 fused")] = 0x72C06F8F1FF6F780,
        [("epilogue: blocked, threads", "Vector128 separate")] = 0x7F9595F6892324B8,
        [("epilogue: blocked, threads", "Vector256")] = 0x72C06F8F1FF6F780,
        [("epilogue: blocked, threads", "Vector512")] = 0x72C06F8F1FF6F780,
        [("epilogue: blocked", "Scalar")] = 0x5BF4C074ACC4DC74,
        [("epilogue: blocked", "Vector128 fused")] = 0x0DAB7E9B3D6AF0FB,
        [("epilogue: blocked", "Vector128 separate")] = 0x5BF4C074ACC4DC74,
        [("epilogue: blocked", "Vector256")] = 0x0DAB7E9B3D6AF0FB,
        [("epilogue: blocked", "Vector512")] = 0x0DAB7E9B3D6AF0FB,
        [("epilogue: narrow", "Scalar")] = 0x1F73AC43CAE1CA75,
        [("epilogue: narrow", "Vector128 fused")] = 0xEB528EE7EC72E960,
        [("epilogue: narrow", "Vector128 separate")] = 0x1F73AC43CAE1CA75,
        [("epilogue: narrow", "Vector256")] = 0xEB528EE7EC72E960,
        [("epilogue: narrow", "Vector512")] = 0xEB528EE7EC72E960,
        [("epilogue: rank 1", "Scalar")] = 0x90A6CC97E363E6C6,
        [("epilogue: rank 1", "Vector128 fused")] = 0x90A6CC97E363E6C6,
        [("epilogue: rank 1", "Vector128 separate")] = 0x90A6CC97E363E6C6,
        [("epilogue: rank 1", "Vector256")] = 0x90A6CC97E363E6C6,
        [("epilogue: rank 1", "Vector512")] = 0x90A6CC97E363E6C6,
        [("epilogue: row of C", "Scalar")] = 0x4B44A6CB9BC2974A,
        [("epilogue: row of C", "Vector128 fused")] = 0xE200092BD28DC92F,
        [("epilogue: row of C", "Vector128 separate")] = 0xCD47F131140B0CDC,
        [("epilogue: row of C", "Vector256")] = 0x574C2D733D8CF950,
        [("epilogue: row of C", "Vector512")] = 0x8EAE312FE666269D,
        [("epilogue: wide dots", "Scalar")] = 0xF68168B450EF3AA3,
        [("epilogue: wide dots", "Vector128 fused")] = 0x19764CFE138E6E7A,
        [("epilogue: wide dots", "Vector128 separate")] = 0xA646C0199743AB59,
        [("epilogue: wide dots", "Vector256")] = 0x0F2CB8B5B856766E,
        [("epilogue: wide dots", "Vector512")] = 0x8A0F026C369EF8F4,
        [("narrow columns, 16 wide", "Scalar")] = 0x1BA2D2E863F15C74,
        [("narrow columns, 16 wide", "Vector128 fused")] = 0x321D61B5FC69D361,
        [("narrow columns, 16 wide", "Vector128 separate")] = 0x1BA2D2E863F15C74,
        [("narrow columns, 16 wide", "Vector256")] = 0x321D61B5FC69D361,
        [("narrow columns, 16 wide", "Vector512")] = 0x321D61B5FC69D361,
        [("narrow columns, shallow", "Scalar")] = 0x4A47AA8E270D024F,
        [("narrow columns, shallow", "Vector128 fused")] = 0x3D91A22AF15C2768,
        [("narrow columns, shallow", "Vector128 separate")] = 0x4A47AA8E270D024F,
        [("narrow columns, shallow", "Vector256")] = 0x3D91A22AF15C2768,
        [("narrow columns, shallow", "Vector512")] = 0x3D91A22AF15C2768,
        [("narrow columns", "Scalar")] = 0xBAC4DE8AC27EF42F,
        [("narrow columns", "Vector128 fused")] = 0x3724E7742E5227A1,
        [("narrow columns", "Vector128 separate")] = 0xBAC4DE8AC27EF42F,
        [("narrow columns", "Vector256")] = 0x3724E7742E5227A1,
        [("narrow columns", "Vector512")] = 0x3724E7742E5227A1,
        [("narrow dots, deep", "Scalar")] = 0xED1D7916EF9F3E7F,
        [("narrow dots, deep", "Vector128 fused")] = 0x9630C8BE669219FB,
        [("narrow dots, deep", "Vector128 separate")] = 0xB9EEBA9CA9A63718,
        [("narrow dots, deep", "Vector256")] = 0x625492FA3BDAC58C,
        [("narrow dots, deep", "Vector512")] = 0xFEAF4DD5F9C52104,
        [("narrow dots, few rows", "Scalar")] = 0x62CE9F62E26B3CBD,
        [("narrow dots, few rows", "Vector128 fused")] = 0x66CD1B811F01AFC6,
        [("narrow dots, few rows", "Vector128 separate")] = 0x62CE9F62E26B3CBD,
        [("narrow dots, few rows", "Vector256")] = 0x6FA3185FF530109A,
        [("narrow dots, few rows", "Vector512")] = 0x66CD1B811F01AFC6,
        [("narrow, threads", "Scalar")] = 0xCBF15BBDB221F57C,
        [("narrow, threads", "Vector128 fused")] = 0x25F0FC9157E98555,
        [("narrow, threads", "Vector128 separate")] = 0xCBF15BBDB221F57C,
        [("narrow, threads", "Vector256")] = 0x25F0FC9157E98555,
        [("narrow, threads", "Vector512")] = 0x25F0FC9157E98555,
        [("rank 1, beta", "Scalar")] = 0x93A0084F72491DB6,
        [("rank 1, beta", "Vector128 fused")] = 0x2DC787B0646E5AA0,
        [("rank 1, beta", "Vector128 separate")] = 0x93A0084F72491DB6,
        [("rank 1, beta", "Vector256")] = 0x2DC787B0646E5AA0,
        [("rank 1, beta", "Vector512")] = 0x2DC787B0646E5AA0,
        [("rank 1, narrow", "Scalar")] = 0xE917271D5C8625CC,
        [("rank 1, narrow", "Vector128 fused")] = 0xD4942C653A1E78FE,
        [("rank 1, narrow", "Vector128 separate")] = 0xE917271D5C8625CC,
        [("rank 1, narrow", "Vector256")] = 0xD4942C653A1E78FE,
        [("rank 1, narrow", "Vector512")] = 0xD4942C653A1E78FE,
        [("rank 1", "Scalar")] = 0xB7055920AAEB754A,
        [("rank 1", "Vector128 fused")] = 0xB7055920AAEB754A,
        [("rank 1", "Vector128 separate")] = 0xB7055920AAEB754A,
        [("rank 1", "Vector256")] = 0xB7055920AAEB754A,
        [("rank 1", "Vector512")] = 0xB7055920AAEB754A,
        [("row of C, 8 to 16 wide", "Scalar")] = 0x883754304DBC01D9,
        [("row of C, 8 to 16 wide", "Vector128 fused")] = 0x66CDE86BA58EBEBD,
        [("row of C, 8 to 16 wide", "Vector128 separate")] = 0xFF863FA0B2F48D8F,
        [("row of C, 8 to 16 wide", "Vector256")] = 0x9B1CE437BD6DA653,
        [("row of C, 8 to 16 wide", "Vector512")] = 0x50B56C99982FA498,
        [("row of C, axpy rows", "Scalar")] = 0x912795633CDBA972,
        [("row of C, axpy rows", "Vector128 fused")] = 0xE1F2B966D58993D4,
        [("row of C, axpy rows", "Vector128 separate")] = 0x01F42BA4274FC1AC,
        [("row of C, axpy rows", "Vector256")] = 0x2054403AC4F6B247,
        [("row of C, axpy rows", "Vector512")] = 0x502657E6E207DC61,
        [("row of C, long", "Scalar")] = 0x6423BEC04AF53E09,
        [("row of C, long", "Vector128 fused")] = 0x9B34BFC2B27337C4,
        [("row of C, long", "Vector128 separate")] = 0xA6427E092621824E,
        [("row of C, long", "Vector256")] = 0x74C40463A0210DE8,
        [("row of C, long", "Vector512")] = 0x19A3E642C6289D62,
        [("row of C, short dots", "Scalar")] = 0xE1CD1F54887F5840,
        [("row of C, short dots", "Vector128 fused")] = 0xF8CE92B51482298F,
        [("row of C, short dots", "Vector128 separate")] = 0x387507B45927ABEE,
        [("row of C, short dots", "Vector256")] = 0x1B1B38C4AC80E72C,
        [("row of C, short dots", "Vector512")] = 0x1B1B38C4AC80E72C,
        [("scale only, alpha = 0", "Scalar")] = 0x5222FA2BB7A2E45A,
        [("scale only, alpha = 0", "Vector128 fused")] = 0x5222FA2BB7A2E45A,
        [("scale only, alpha = 0", "Vector128 separate")] = 0x5222FA2BB7A2E45A,
        [("scale only, alpha = 0", "Vector256")] = 0x5222FA2BB7A2E45A,
        [("scale only, alpha = 0", "Vector512")] = 0x5222FA2BB7A2E45A,
        [("scale only, k = 0", "Scalar")] = 0xD6A6ACC4A9C0D78C,
        [("scale only, k = 0", "Vector128 fused")] = 0xD6A6ACC4A9C0D78C,
        [("scale only, k = 0", "Vector128 separate")] = 0xD6A6ACC4A9C0D78C,
        [("scale only, k = 0", "Vector256")] = 0xD6A6ACC4A9C0D78C,
        [("scale only, k = 0", "Vector512")] = 0xD6A6ACC4A9C0D78C,
        [("wide dots, beta", "Scalar")] = 0x4EA7BE0D14FC7AD0,
        [("wide dots, beta", "Vector128 fused")] = 0x5F8C1A7D37E21FBD,
        [("wide dots, beta", "Vector128 separate")] = 0xC53B3D3E2FC562A7,
        [("wide dots, beta", "Vector256")] = 0x4F2025289C9DFB67,
        [("wide dots, beta", "Vector512")] = 0xD72FBD8AFA39CD84,
        [("wide dots", "Scalar")] = 0x2EDC334E48E5F978,
        [("wide dots", "Vector128 fused")] = 0x8CC2C800B0194118,
        [("wide dots", "Vector128 separate")] = 0x53BA91FD4418B092,
        [("wide dots", "Vector256")] = 0xCB1A1E7A3D64C015,
        [("wide dots", "Vector512")] = 0xC23CBA82D0B13378,
    };
}
