using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>One GEMM shape: op(A) is m×k, op(B) is k×n, run on <paramref name="Threads"/> threads.</summary>
public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K, int Threads)
{
    /// <summary>2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>"name NT MxNxK tT", the form <see cref="Parse"/> reads back from a recorded parameter.</summary>
    public override string ToString() => $"{Name} {(TransA ? "T" : "N")}{(TransB ? "T" : "N")} {M}x{N}x{K} t{Threads}";

    /// <summary>Reads <see cref="ToString"/>'s form.</summary>
    public static GemmShape Parse(string text)
    {
        string[] parts = text.Split(' ');
        if (parts.Length != 4 || parts[1].Length != 2 || parts[3][0] != 't')
            throw new FormatException($"'{text}' is not a GEMM shape (name NT MxNxK tT)");
        int[] dims = [.. parts[2].Split('x').Select(d => int.Parse(d, System.Globalization.CultureInfo.InvariantCulture))];
        return new GemmShape(parts[0], parts[1][0] == 'T', parts[1][1] == 'T', dims[0], dims[1], dims[2],
            int.Parse(parts[3][1..], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// SGEMM on the shapes we train: squares, the MLP 784-256-256-10 training products (forward X·W,
/// δ·Wᵀ, Xᵀ·δ per layer) at batch 1, 8, 32 and 128, those of a 784-1024 layer at batch 8, 32 and 128,
/// and an RNN step, single-threaded; the large ones again
/// on 2 threads. <see cref="Multiply"/> runs Simd at a level; <see cref="OpenBlas"/> runs the system's
/// cblas_sgemm on the same shape and threads as the baseline (it fails its setup, and so drops out of
/// the results, when there is no libopenblas). The GFLOP/s, % of FMA roof and × OpenBLAS columns read
/// the FMA roof from <see cref="GemmRoof"/>, so run both: <c>--filter '*Gemm*'</c>. % of roof is of one
/// core's roof, so 2-thread cases can reach 200%.
/// </summary>
[Config(typeof(GemmColumnsConfig))]
public unsafe class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes.First();

    public static IEnumerable<GemmShape> Shapes
    {
        get
        {
            var shapes = new List<GemmShape>();
            foreach (int s in new[] { 64, 128, 256, 512, 1024, 2048 }) shapes.Add(new("square", false, false, s, s, s, 1));
            foreach (int batch in new[] { 1, 8, 32, 128 })
            {
                foreach (var (inputs, outputs) in new[] { (784, 256), (256, 256), (256, 10) })
                {
                    shapes.Add(new($"mlp-fwd-b{batch}", false, false, batch, outputs, inputs, 1));
                    shapes.Add(new($"mlp-dX-b{batch}", false, true, batch, inputs, outputs, 1));
                    shapes.Add(new($"mlp-dW-b{batch}", true, false, inputs, outputs, batch, 1));
                }
            }
            // A wider hidden layer, 784 → 1024: its weights' rows are 4 KiB apart, one L1 set.
            foreach (int batch in new[] { 8, 32, 128 })
            {
                shapes.Add(new($"wide-fwd-b{batch}", false, false, batch, 1024, 784, 1));
                shapes.Add(new($"wide-dX-b{batch}", false, true, batch, 784, 1024, 1));
                shapes.Add(new($"wide-dW-b{batch}", true, false, 784, 1024, batch, 1));
            }
            shapes.Add(new("rnn", false, false, 32, 256, 256, 1));
            shapes.AddRange(shapes.Where(s => s.Flops >= 2.0 * 512 * 512 * 512 || s.Name == "mlp-fwd-b128" && s.K == 784
                || s.Name is "mlp-fwd-b1" or "mlp-dX-b1" && Math.Max(s.N, s.K) == 784).Select(s => s with { Threads = 2 }).ToList());
            return shapes;
        }
    }

    /// <summary>
    /// The 256- and 512-bit levels the process runs natively: an emulated level's GEMM is orders of
    /// magnitude slower and measures nothing (its correctness is the tests' job).
    /// </summary>
    public static IEnumerable<SimdLevel> Levels => new[] { SimdLevel.Vector256, SimdLevel.Vector512 }.Where(SimdLevels.IsAccelerated);

    /// <summary>
    /// 2·m·n·k flops, and the compulsory traffic 4·(m·k + k·n + m·n) bytes (A and B read once, C written
    /// once; β = 0 does not read C) for the roofline's arithmetic intensity.
    /// </summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        GemmShape shape = GemmShape.Parse(parameters.TryGetValue(nameof(Shape), out string? text)
            ? text : throw new ArgumentException("GEMM benchmark without a Shape parameter", nameof(parameters)));
        return Workload.Compute(shape.Flops, 4.0 * ((double)shape.M * shape.K + (double)shape.K * shape.N + (double)shape.M * shape.N));
    }

    [GlobalSetup]
    public void Setup()
    {
        GemmShape s = Shape;
        _a = BenchmarkData.Uniform(s.M * s.K, 1);
        _b = BenchmarkData.Uniform(s.K * s.N, 2);
        _c = new float[s.M * s.N];
        Gemm.MaxDegreeOfParallelism = s.Threads;
        if (OpenBlasLibrary.Available) OpenBlasLibrary.SetThreads(s.Threads);
        foreach (SimdLevel level in Levels)
        {
            Multiply(level);
            Validate($"{s} level {level}");
        }
        if (OpenBlasLibrary.Available)
        {
            OpenBlas();
            Validate($"{s} OpenBLAS");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// Checks C against the double-precision reference: all of it, or for large products a band of
    /// rows at the top and one at the bottom (every column tile and both row edges), at most about
    /// 2²⁶ multiply–adds each; the whole reference of 2048³ took minutes per benchmark case.
    /// </summary>
    private void Validate(string what)
    {
        GemmShape s = Shape;
        int band = (int)Math.Clamp((1L << 26) / ((long)s.N * s.K), 1, s.M);
        ValidateRows(0, band, what);
        if (band < s.M) ValidateRows(s.M - band, band, what);
        Array.Clear(_c);
    }

    private void ValidateRows(int first, int rows, string what)
    {
        GemmShape s = Shape;
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        // Rows of op(A): rows of A as stored, or columns of a transposed A.
        ReadOnlySpan<float> a = s.TransA ? _a.AsSpan(first) : _a.AsSpan(first * lda);
        Span<float> c = _c.AsSpan(first * s.N, rows * s.N);
        double[] expected = Reference.Gemm(s.TransA, s.TransB, rows, s.N, s.K, 1, a, lda, _b, ldb, 0, c, s.N, out double[] magnitude);
        BenchmarkData.Validate(expected, c, 0, (s.K + 2) * 1.2e-7 * magnitude.Max(), $"{what} rows {first}..{first + rows - 1}");
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Multiply(SimdLevel level)
    {
        GemmShape s = Shape;
        using var scope = SimdLevels.Force(level);
        Gemm.Multiply(s.TransA ? Transpose.Transposed : Transpose.None, s.TransB ? Transpose.Transposed : Transpose.None,
            s.M, s.N, s.K, 1f, _a, s.TransA ? s.M : s.K, _b, s.TransB ? s.K : s.N, 0f, _c, s.N);
    }

    /// <summary>cblas_sgemm, row-major, same shape, same threads.</summary>
    [Benchmark]
    public void OpenBlas()
    {
        GemmShape s = Shape;
        if (!OpenBlasLibrary.Available) throw new InvalidOperationException("no libopenblas on this system (apt-get install libopenblas0-pthread)");
        fixed (float* a = _a) fixed (float* b = _b) fixed (float* c = _c)
            OpenBlasLibrary.Sgemm(101, s.TransA ? 112 : 111, s.TransB ? 112 : 111, s.M, s.N, s.K, 1f, a, s.TransA ? s.M : s.K, b, s.TransB ? s.K : s.N, 0f, c, s.N);
    }
}

/// <summary>The FMA roof per level, in the same run as <see cref="GemmBenchmarks"/>.</summary>
public class GemmRoof
{
    private readonly RoofBenchmarks _roof = new();

    [Benchmark]
    [Arguments(SimdLevel.Vector256)]
    [Arguments(SimdLevel.Vector512)]
    public float FmaPeak(SimdLevel level) => _roof.FmaPeak(level);
}

/// <summary>cblas_sgemm from the system's OpenBLAS, when there is one.</summary>
internal static unsafe partial class OpenBlasLibrary
{
    /// <summary>
    /// OpenBLAS's idle worker threads spin for 2²⁸ cycles (about 0.1 s) after each call by default, long
    /// enough to overlap whatever the process times next on a 2-core machine; 2²⁰ cycles (about 0.3 ms)
    /// still keeps them awake between back-to-back calls. A precaution: on the Zen 3 VM, Simd's 512³ on
    /// 2 threads paired with OpenBLAS measured 1.35–1.60× one thread at 2²⁸, 1.31–1.96× at 2²⁰ and
    /// 1.54–1.93× at 2⁴ (three runs each, 9 rounds), so the VM's second core hides any effect.
    /// </summary>
    private const string ThreadTimeout = "20";

    private static readonly IntPtr s_library = Load();

    public static bool Available => s_library != IntPtr.Zero && NativeLibrary.TryGetExport(s_library, "cblas_sgemm", out _);

    public static delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm =>
        (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(s_library, "cblas_sgemm");

    public static void SetThreads(int threads)
    {
        if (NativeLibrary.TryGetExport(s_library, "openblas_set_num_threads", out IntPtr set))
            ((delegate* unmanaged<int, void>)set)(threads);
    }

    private static IntPtr Load()
    {
        // OpenBLAS reads its environment when it is loaded, from the C library's copy, which
        // Environment.SetEnvironmentVariable does not change on Unix. A value the caller set wins.
        if (!OperatingSystem.IsWindows() && Environment.GetEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT") is null)
            _ = SetEnvironment("OPENBLAS_THREAD_TIMEOUT", ThreadTimeout, 0);
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
            if (NativeLibrary.TryLoad(name, out IntPtr handle)) return handle;
        return IntPtr.Zero;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}

/// <summary>Adds GFLOP/s, % of the FMA roof of the case's level and the ratio to OpenBLAS.</summary>
public sealed class GemmColumnsConfig : ManualConfig
{
    public GemmColumnsConfig()
    {
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(60);
        AddColumn(new GemmColumn("GFLOP/s", (summary, report, shape, ns) => $"{shape.Flops / ns:F1}"));
        AddColumn(new GemmColumn("% FMA roof", (summary, report, shape, ns) =>
        {
            if (Level(report) is not SimdLevel level) return "-";
            double? roofNs = Median(summary, r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(GemmRoof.FmaPeak) && Level(r) == level);
            return roofNs is double roof ? $"{100 * (shape.Flops / ns) / (RoofBenchmarks.FmaFlops(level) / roof):F1}%" : "?";
        }));
        AddColumn(new GemmColumn("× OpenBLAS", (summary, report, shape, ns) =>
        {
            if (Level(report) is null) return "-";
            double? blas = Median(summary, r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(GemmBenchmarks.OpenBlas) && Equals(Shape(r), shape));
            return blas is double b ? $"{b / ns:F2}" : "-";
        }));
    }

    private static GemmShape? Shape(BenchmarkReport report) =>
        report.BenchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmShape>().FirstOrDefault();

    private static SimdLevel? Level(BenchmarkReport report) =>
        report.BenchmarkCase.Parameters.Items.Select(p => p.Value).OfType<SimdLevel>().Cast<SimdLevel?>().FirstOrDefault();

    private static double? Median(Summary summary, Func<BenchmarkReport, bool> match) =>
        summary.Reports.FirstOrDefault(r => r.ResultStatistics is not null && match(r))?.ResultStatistics?.Median;

    private sealed class GemmColumn(string name, Func<Summary, BenchmarkReport, GemmShape, double, string> value) : IColumn
    {
        public string Id => "Gemm" + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => name switch
        {
            "GFLOP/s" => "2·m·n·k / median time",
            "% FMA roof" => "GFLOP/s over one core's FMA peak at the same level, measured in the same run",
            _ => "OpenBLAS median time / this median time, same shape and threads",
        };
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            BenchmarkReport? report = summary[benchmarkCase];
            if (report?.ResultStatistics is null || GemmColumnsConfig.Shape(report) is not GemmShape shape) return "-";
            return value(summary, report, shape, report.ResultStatistics.Median);
        }
    }
}
