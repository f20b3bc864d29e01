using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>The four fused gate kernels of <see cref="RecurrentGates"/>.</summary>
public enum GateKernel
{
    /// <summary><see cref="RecurrentGates.LstmForward"/>.</summary>
    LstmForward,
    /// <summary><see cref="RecurrentGates.LstmBackward"/>.</summary>
    LstmBackward,
    /// <summary><see cref="RecurrentGates.GruForward"/>.</summary>
    GruForward,
    /// <summary><see cref="RecurrentGates.GruBackward"/>.</summary>
    GruBackward,
}

/// <summary>
/// One time step's gate pass of the character model (batch 32, hidden 256) and one awkward hidden size:
/// the double reference (baseline), the fused kernel per level, and the row-by-row composition of Blas1 and
/// Activations calls that the layers used before (the same math, one call per operation and row). Bytes
/// moved per step (each array read or written once) are held against copy bandwidth.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RecurrentGatesBenchmarks
{
    private float[] _g4 = [], _g3 = [], _h3 = [], _a = [], _b = [], _dh = [], _c = [], _d = [], _e = [], _o4 = [], _o3 = [], _p3 = [], _scratch = [];

    [Params(32)]
    public int Rows { get; set; }

    [Params(256, 6 * 16 + 7)]
    public int Hidden { get; set; }

    [ParamsAllValues]
    public GateKernel Kernel { get; set; }

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    /// <summary>Floats per row read and written by each kernel: arrays of 4·H, 3·H and H columns.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters)
    {
        int rows = Workload.Int(parameters, nameof(Rows)), hidden = Workload.Int(parameters, nameof(Hidden));
        int perColumn = Enum.Parse<GateKernel>(parameters[nameof(Kernel)]) switch
        {
            GateKernel.LstmForward => 4 + 4 + 1 + 3,          // gates read and written, c_prev, c / tanh c / h
            GateKernel.LstmBackward => 4 + 3 + 1 + 1 + 4,     // gates, c_prev / tanh c / dh, dc read and written, gate gradient
            GateKernel.GruForward => 3 + 3 + 3 + 1 + 1,       // gates read and written, hidden gates, previous, next
            _ => 3 + 1 + 2 + 2 + 6,                           // gates, h_n, previous / dh, previous gradient read and written, two gate gradients
        };
        return Workload.Memory(4.0 * rows * hidden * perColumn);
    }

    [GlobalSetup]
    public void Setup()
    {
        int n = Rows * Hidden;
        _g4 = BenchmarkData.Uniform(4 * n, 1, 0f, 1f);
        _g3 = BenchmarkData.Uniform(3 * n, 2, 0f, 1f);
        _h3 = BenchmarkData.Uniform(3 * n, 3);
        _a = BenchmarkData.Uniform(n, 4);
        _b = BenchmarkData.Uniform(n, 5);
        _dh = BenchmarkData.Uniform(n, 6);
        (_c, _d, _e) = (new float[n], new float[n], new float[n]);
        (_o4, _o3, _p3) = (new float[4 * n], new float[3 * n], new float[3 * n]);
        _scratch = new float[Hidden];
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            Validate(level);
        }
    }

    private void Validate(SimdLevel level)
    {
        switch (Kernel)
        {
            case GateKernel.LstmForward:
                var lstm = Reference.LstmForward(_g4, _a, Rows, Hidden);
                _g4.CopyTo(_o4);
                RecurrentGates.LstmForward(_o4, _a, _c, _d, _e, Rows, Hidden);
                BenchmarkData.Validate(lstm.Hidden, _e, 1e-5, 4e-6, $"LstmForward {level}");
                break;
            case GateKernel.LstmBackward:
                var lstmBack = Reference.LstmBackward(_g4, _a, _b, _dh, _c, Rows, Hidden);
                float[] dc = (float[])_c.Clone();
                RecurrentGates.LstmBackward(_g4, _a, _b, _dh, dc, _o4, Rows, Hidden);
                BenchmarkData.Validate(lstmBack.GateGradient, _o4, 1e-5, 4e-6, $"LstmBackward {level}");
                break;
            case GateKernel.GruForward:
                var gru = Reference.GruForward(_h3, _g3, _a, Rows, Hidden);
                _h3.CopyTo(_o3);
                RecurrentGates.GruForward(_o3, _g3, _a, _c, Rows, Hidden);
                BenchmarkData.Validate(gru.Next, _c, 1e-5, 4e-6, $"GruForward {level}");
                break;
            default:
                var gruBack = Reference.GruBackward(_g3, _h3, _a, _dh, _b, Rows, Hidden);
                float[] dp = (float[])_b.Clone();
                RecurrentGates.GruBackward(_g3, _h3, _a, _dh, dp, _o3, _p3, Rows, Hidden);
                BenchmarkData.Validate(gruBack.InputGates, _o3, 1e-5, 4e-6, $"GruBackward {level}");
                break;
        }
    }

    [Benchmark(Baseline = true)]
    public void ReferenceKernel()
    {
        _ = Kernel switch
        {
            GateKernel.LstmForward => Reference.LstmForward(_g4, _a, Rows, Hidden).Hidden,
            GateKernel.LstmBackward => Reference.LstmBackward(_g4, _a, _b, _dh, _c, Rows, Hidden).CellGradient,
            GateKernel.GruForward => Reference.GruForward(_h3, _g3, _a, Rows, Hidden).Next,
            _ => Reference.GruBackward(_g3, _h3, _a, _dh, _b, Rows, Hidden).PreviousGradient,
        };
    }

    /// <summary>
    /// The fused kernel. The forward kernels work in place on the gates; repeated calls re-apply the
    /// nonlinearities to their own output, which costs the same and stays finite.
    /// </summary>
    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Fused(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        switch (Kernel)
        {
            case GateKernel.LstmForward: RecurrentGates.LstmForward(_o4, _a, _c, _d, _e, Rows, Hidden); break;
            case GateKernel.LstmBackward: RecurrentGates.LstmBackward(_g4, _a, _b, _dh, _c, _o4, Rows, Hidden); break;
            case GateKernel.GruForward: RecurrentGates.GruForward(_o3, _g3, _a, _c, Rows, Hidden); break;
            default: RecurrentGates.GruBackward(_g3, _h3, _a, _dh, _b, _o3, _p3, Rows, Hidden); break;
        }
    }

    /// <summary>The same math as one Blas1 / Activations call per operation and row, at the process's level.</summary>
    [Benchmark]
    public void RowByRow()
    {
        int h = Hidden;
        for (int row = 0; row < Rows; row++)
        {
            Span<float> s = _scratch, a = _a.AsSpan(row * h, h), b = _b.AsSpan(row * h, h), dh = _dh.AsSpan(row * h, h);
            Span<float> c = _c.AsSpan(row * h, h), d = _d.AsSpan(row * h, h), e = _e.AsSpan(row * h, h);
            switch (Kernel)
            {
                case GateKernel.LstmForward:
                {
                    Span<float> gate = _o4.AsSpan(row * 4 * h, 4 * h), i = gate[..h], f = gate.Slice(h, h), g = gate.Slice(2 * h, h), o = gate[(3 * h)..];
                    Activations.Sigmoid(gate[..(2 * h)], gate[..(2 * h)]);
                    Activations.Tanh(g, g);
                    Activations.Sigmoid(o, o);
                    Blas1.Multiply(f, a, c);
                    Blas1.Multiply(i, g, s);
                    Blas1.Add(c, s, c);
                    Activations.Tanh(c, d);
                    Blas1.Multiply(o, d, e);
                    break;
                }
                case GateKernel.LstmBackward:
                {
                    ReadOnlySpan<float> gate = _g4.AsSpan(row * 4 * h, 4 * h), i = gate[..h], f = gate.Slice(h, h), g = gate.Slice(2 * h, h), o = gate[(3 * h)..];
                    Span<float> dg = _o4.AsSpan(row * 4 * h, 4 * h), di = dg[..h], df = dg.Slice(h, h), dgg = dg.Slice(2 * h, h), dout = dg[(3 * h)..];
                    Blas1.Multiply(dh, o, s);
                    Activations.TanhBackward(s, b, s);
                    Blas1.Add(c, s, c);
                    Blas1.Multiply(dh, b, dout);
                    Activations.SigmoidBackward(dout, o, dout);
                    Blas1.Multiply(c, g, di);
                    Activations.SigmoidBackward(di, i, di);
                    Blas1.Multiply(c, i, dgg);
                    Activations.TanhBackward(dgg, g, dgg);
                    Blas1.Multiply(c, a, df);
                    Activations.SigmoidBackward(df, f, df);
                    Blas1.Multiply(c, f, c);
                    break;
                }
                case GateKernel.GruForward:
                {
                    Span<float> gate = _o3.AsSpan(row * 3 * h, 3 * h), hidden = _g3.AsSpan(row * 3 * h, 3 * h), rz = gate[..(2 * h)], r = gate[..h], z = gate.Slice(h, h), n = gate[(2 * h)..];
                    Blas1.Add(rz, hidden[..(2 * h)], rz);
                    Activations.Sigmoid(rz, rz);
                    Blas1.Multiply(r, hidden[(2 * h)..], s);
                    Blas1.Add(n, s, n);
                    Activations.Tanh(n, n);
                    Blas1.Subtract(a, n, s);
                    Blas1.Multiply(z, s, s);
                    Blas1.Add(n, s, c);
                    break;
                }
                default:
                {
                    ReadOnlySpan<float> gate = _g3.AsSpan(row * 3 * h, 3 * h), r = gate[..h], z = gate.Slice(h, h), n = gate[(2 * h)..], hn = _h3.AsSpan(row * 3 * h + 2 * h, h);
                    Span<float> di = _o3.AsSpan(row * 3 * h, 3 * h), dhid = _p3.AsSpan(row * 3 * h, 3 * h), dr = di[..h], dz = di.Slice(h, h), dn = di[(2 * h)..];
                    Blas1.Multiply(dh, z, s);
                    Blas1.Add(b, s, b);
                    Blas1.Subtract(dh, s, dn);
                    Activations.TanhBackward(dn, n, dn);
                    Blas1.Subtract(a, n, dz);
                    Blas1.Multiply(dh, dz, dz);
                    Activations.SigmoidBackward(dz, z, dz);
                    Blas1.Multiply(dn, hn, dr);
                    Activations.SigmoidBackward(dr, r, dr);
                    di[..(2 * h)].CopyTo(dhid);
                    Blas1.Multiply(dn, r, dhid[(2 * h)..]);
                    break;
                }
            }
        }
    }
}

/// <summary>
/// The fused gate kernels called the way the recurrent layers call them: once per time step over that step's slices
/// of whole-sequence buffers (64 steps of batch 32, forward t = 0…63, backward t = 63…0), so that the arrays come
/// from beyond L2 as in a training step, unlike <see cref="RecurrentGatesBenchmarks"/>, whose arrays stay in L2.
/// One operation is all 64 calls.
/// </summary>
public class RecurrentGatesSequenceBenchmarks
{
    private const int Steps = 64;
    private float[] _gates = [], _hiddenGates = [], _cells = [], _tanhCells = [], _states = [], _outputGradient = [], _carried = [];
    private float[] _gateGradient = [], _hiddenGateGradient = [];

    [Params(32)]
    public int Rows { get; set; }

    [Params(256)]
    public int Hidden { get; set; }

    [ParamsAllValues]
    public GateKernel Kernel { get; set; }

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    /// <summary>The floats of <see cref="RecurrentGatesBenchmarks.Work"/>, 64 times.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) =>
        Workload.Memory(Steps * RecurrentGatesBenchmarks.Work(method, parameters).Bytes);

    /// <summary>Allocates the buffers after validating the kernel at this shape on every level (<see cref="RecurrentGatesBenchmarks.Setup"/>).</summary>
    [GlobalSetup]
    public void Setup()
    {
        new RecurrentGatesBenchmarks { Rows = Rows, Hidden = Hidden, Kernel = Kernel }.Setup();
        int n = Rows * Hidden, gateColumns = Kernel is GateKernel.LstmForward or GateKernel.LstmBackward ? 4 : 3;
        _gates = BenchmarkData.Uniform(Steps * gateColumns * n, 1, 0f, 1f);
        _hiddenGates = BenchmarkData.Uniform(Steps * gateColumns * n, 2);
        _cells = BenchmarkData.Uniform((Steps + 1) * n, 3);
        _tanhCells = BenchmarkData.Uniform(Steps * n, 4);
        _states = BenchmarkData.Uniform((Steps + 1) * n, 5);
        _outputGradient = BenchmarkData.Uniform(Steps * n, 6);
        _carried = BenchmarkData.Uniform(n, 7);
        _gateGradient = new float[Steps * gateColumns * n];
        _hiddenGateGradient = new float[Steps * gateColumns * n];
    }

    /// <summary>
    /// All 64 steps' calls at <paramref name="level"/>. The forward kernels work in place on the gates; repeated
    /// operations re-apply the nonlinearities to their own output, which costs the same and stays finite.
    /// </summary>
    [Benchmark, ArgumentsSource(nameof(Levels))]
    public void Fused(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        int n = Rows * Hidden;
        switch (Kernel)
        {
            case GateKernel.LstmForward:
                for (int t = 0; t < Steps; t++)
                    RecurrentGates.LstmForward(_gates.AsSpan(t * 4 * n, 4 * n), _cells.AsSpan(t * n, n), _cells.AsSpan((t + 1) * n, n),
                        _tanhCells.AsSpan(t * n, n), _states.AsSpan((t + 1) * n, n), Rows, Hidden);
                break;
            case GateKernel.LstmBackward:
                for (int t = Steps - 1; t >= 0; t--)
                    RecurrentGates.LstmBackward(_gates.AsSpan(t * 4 * n, 4 * n), _cells.AsSpan(t * n, n), _tanhCells.AsSpan(t * n, n),
                        _outputGradient.AsSpan(t * n, n), _carried, _gateGradient.AsSpan(t * 4 * n, 4 * n), Rows, Hidden);
                break;
            case GateKernel.GruForward:
                for (int t = 0; t < Steps; t++)
                    RecurrentGates.GruForward(_gates.AsSpan(t * 3 * n, 3 * n), _hiddenGates.AsSpan(t * 3 * n, 3 * n), _states.AsSpan(t * n, n),
                        _states.AsSpan((t + 1) * n, n), Rows, Hidden);
                break;
            default:
                for (int t = Steps - 1; t >= 0; t--)
                    RecurrentGates.GruBackward(_gates.AsSpan(t * 3 * n, 3 * n), _hiddenGates.AsSpan(t * 3 * n, 3 * n), _states.AsSpan(t * n, n),
                        _outputGradient.AsSpan(t * n, n), t > 0 ? _outputGradient.AsSpan((t - 1) * n, n) : _carried,
                        _gateGradient.AsSpan(t * 3 * n, 3 * n), _hiddenGateGradient.AsSpan(t * 3 * n, 3 * n), Rows, Hidden);
                break;
        }
    }
}
