using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>One timed GEMM: a shape, an engine (a Simd level or OpenBLAS) and a thread count.</summary>
public sealed record GemmCase(string Shape, bool TransA, bool TransB, int M, int N, int K, string Engine, int Threads)
{
    /// <summary>2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;

    public override string ToString() => $"{Shape} {(TransA ? "T" : "N")}{(TransB ? "T" : "N")} {M}x{N}x{K} {Engine} x{Threads}";
}

/// <summary>
/// SGEMM on the shapes we train: squares, the MLP 784-256-256-10 training products (forward X·W,
/// δ·Wᵀ, Xᵀ·δ per layer) at batch 32 and 128, and an RNN step. Each Simd level runs single-threaded,
/// OpenBLAS (when the system has libopenblas) likewise through cblas_sgemm in the same run, and a few
/// large shapes again with 2 threads. The GFLOP/s, % of FMA roof and × OpenBLAS columns read the
/// FMA roof from <see cref="GemmRoof"/>, so run both: <c>--filter '*Gemm*'</c>.
/// </summary>
[Config(typeof(GemmColumnsConfig))]
public unsafe class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = Cases.First();

    public static IEnumerable<GemmCase> Cases
    {
        get
        {
            var shapes = new List<(string, bool, bool, int, int, int)>();
            foreach (int s in new[] { 64, 128, 256, 512, 1024 }) shapes.Add(("square", false, false, s, s, s));
            foreach (int batch in new[] { 32, 128 })
            {
                foreach (var (inputs, outputs) in new[] { (784, 256), (256, 256), (256, 10) })
                {
                    shapes.Add(($"mlp fwd b{batch}", false, false, batch, outputs, inputs));
                    shapes.Add(($"mlp dX b{batch}", false, true, batch, inputs, outputs));
                    shapes.Add(($"mlp dW b{batch}", true, false, inputs, outputs, batch));
                }
            }
            shapes.Add(("rnn", false, false, 32, 256, 256));
            bool openBlas = OpenBlas.Available;
            foreach (var (name, ta, tb, m, n, k) in shapes)
            {
                yield return new GemmCase(name, ta, tb, m, n, k, "256", 1);
                yield return new GemmCase(name, ta, tb, m, n, k, "512", 1);
                if (openBlas) yield return new GemmCase(name, ta, tb, m, n, k, "openblas", 1);
            }
            foreach (var (name, ta, tb, m, n, k) in shapes.Where(s => s.Item4 * s.Item5 * (long)s.Item6 >= 512L * 512 * 512 || s.Item1 == "mlp fwd b128" && s.Item6 == 784))
            {
                yield return new GemmCase(name, ta, tb, m, n, k, "256", 2);
                yield return new GemmCase(name, ta, tb, m, n, k, "512", 2);
                if (openBlas) yield return new GemmCase(name, ta, tb, m, n, k, "openblas", 2);
            }
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var c = Case;
        _a = BenchmarkData.Uniform(c.M * c.K, 1);
        _b = BenchmarkData.Uniform(c.K * c.N, 2);
        _c = new float[c.M * c.N];
        Gemm.MaxDegreeOfParallelism = c.Threads;
        if (c.Engine == "openblas")
        {
            _sgemm = OpenBlas.Sgemm;
            OpenBlas.SetThreads(c.Threads);
        }
        Run();
        double[] expected = Reference.Gemm(c.TransA, c.TransB, c.M, c.N, c.K, 1, _a, c.TransA ? c.M : c.K, _b, c.TransB ? c.K : c.N, 0, _c, c.N, out double[] magnitude);
        double scale = magnitude.Max();
        BenchmarkData.Validate(expected, _c, 0, (c.K + 2) * 1.2e-7 * scale, c.ToString());
    }

    [Benchmark]
    public void Multiply() => Run();

    private void Run()
    {
        var c = Case;
        int lda = c.TransA ? c.M : c.K, ldb = c.TransB ? c.K : c.N;
        if (c.Engine == "openblas")
        {
            fixed (float* a = _a) fixed (float* b = _b) fixed (float* r = _c)
                _sgemm(101, c.TransA ? 112 : 111, c.TransB ? 112 : 111, c.M, c.N, c.K, 1f, a, lda, b, ldb, 0f, r, c.N);
            return;
        }
        using var scope = SimdLevels.Force(c.Engine == "512" ? SimdLevel.Vector512 : SimdLevel.Vector256);
        Gemm.Multiply(c.TransA ? Transpose.Transposed : Transpose.None, c.TransB ? Transpose.Transposed : Transpose.None,
            c.M, c.N, c.K, 1f, _a, lda, _b, ldb, 0f, _c, c.N);
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
internal static unsafe class OpenBlas
{
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
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
            if (NativeLibrary.TryLoad(name, out IntPtr handle)) return handle;
        return IntPtr.Zero;
    }
}

/// <summary>Adds GFLOP/s, % of the FMA roof of the case's level and the ratio to OpenBLAS.</summary>
public sealed class GemmColumnsConfig : ManualConfig
{
    public GemmColumnsConfig()
    {
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(60);
        AddColumn(new GemmColumn("GFLOP/s", (summary, c, ns) => $"{c.Flops / ns:F1}"));
        AddColumn(new GemmColumn("% FMA roof", (summary, c, ns) =>
        {
            if (c.Engine == "openblas") return "-";
            SimdLevel level = c.Engine == "512" ? SimdLevel.Vector512 : SimdLevel.Vector256;
            double? roofNs = Mean(summary, r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(GemmRoof.FmaPeak)
                && r.BenchmarkCase.Parameters.Items.Any(p => p.Value is SimdLevel l && l == level));
            return roofNs is double roof ? $"{100 * (c.Flops / ns) / ((RoofBenchmarks.FmaFlops(level) / roof) * c.Threads):F1}%" : "?";
        }));
        AddColumn(new GemmColumn("× OpenBLAS", (summary, c, ns) =>
        {
            double? blas = Mean(summary, r => Case(r) is GemmCase o && o.Engine == "openblas" && o.Shape == c.Shape && o.M == c.M && o.N == c.N && o.K == c.K
                && o.TransA == c.TransA && o.TransB == c.TransB && o.Threads == c.Threads);
            return blas is double b ? $"{b / ns:F2}" : "-";
        }));
    }

    private static GemmCase? Case(BenchmarkReport report) =>
        report.BenchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmCase>().FirstOrDefault();

    private static double? Mean(Summary summary, Func<BenchmarkReport, bool> match) =>
        summary.Reports.FirstOrDefault(r => r.ResultStatistics is not null && match(r))?.ResultStatistics?.Median;

    private sealed class GemmColumn(string name, Func<Summary, GemmCase, double, string> value) : IColumn
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
            "% FMA roof" => "GFLOP/s over the FMA peak of the same level (× threads), measured in the same run",
            _ => "OpenBLAS median time / this median time, same shape and threads",
        };
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            GemmCase? c = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmCase>().FirstOrDefault();
            BenchmarkReport? report = summary[benchmarkCase];
            if (c is null || report?.ResultStatistics is null) return "-";
            return value(summary, c, report.ResultStatistics.Median);
        }
    }
}
