using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>The exp-based element-wise functions benchmarked against TensorPrimitives.</summary>
public enum ExpFunction
{
    /// <summary>e^x (internal <see cref="ExpOperator"/>; TensorPrimitives.Exp).</summary>
    Exp,
    /// <summary><see cref="Activations.Sigmoid"/>; TensorPrimitives.Sigmoid.</summary>
    Sigmoid,
    /// <summary><see cref="Activations.Tanh"/>; TensorPrimitives.Tanh.</summary>
    Tanh,
}

/// <summary>
/// Forward exp / sigmoid / tanh: the double reference (baseline), the Simd kernel per level,
/// TensorPrimitives at the process's default width, and a copy of the same length (bandwidth roof).
/// Inputs are uniform in [−8, 8) so that every branch of the algorithms is taken.
/// </summary>
[MinColumn, MedianColumn]
public class ActivationsForwardBenchmarks
{
    /// <summary>Every method reads and writes Length floats: 8·Length bytes, held against copy bandwidth.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) =>
        Workload.Memory(8.0 * Workload.Int(parameters, nameof(Length)));

    private float[] _x = [];
    private float[] _destination = [];

    [Params(16 * 1024, 1024 * 1024)]
    public int Length { get; set; }

    [Params(ExpFunction.Exp, ExpFunction.Sigmoid, ExpFunction.Tanh)]
    public ExpFunction Function { get; set; }

    /// <summary>
    /// The hardware-accelerated levels. A run under DOTNET_PreferredVectorBitWidth=256 therefore drops the
    /// (then emulated) 512 level and makes TensorPrimitives use 256-bit vectors: the like-for-like comparison.
    /// </summary>
    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels.Where(SimdLevels.IsAccelerated);

    [GlobalSetup]
    public void Setup()
    {
        _x = BenchmarkData.Uniform(Length, 7, -8f, 8f);
        _destination = new float[Length];
        var expected = new double[Length];
        for (int i = 0; i < Length; i++)
        {
            expected[i] = Function switch
            {
                ExpFunction.Exp => Kernels.Tests.Reference.Exp(_x[i]),
                ExpFunction.Sigmoid => Kernels.Tests.Reference.Sigmoid(_x[i]),
                _ => Kernels.Tests.Reference.Tanh(_x[i]),
            };
        }
        foreach (SimdLevel level in Levels)
        {
            Array.Fill(_destination, float.NaN);
            Simd(level);
            BenchmarkData.Validate(expected, _destination, 4e-7, 1e-30, $"{Function} at {level}");
        }
        TensorPrimitivesVersion();
        // TensorPrimitives.Tanh is off by up to 4e-8 absolute (7e-5 relative) near small |x|; validate it loosely.
        BenchmarkData.Validate(expected, _destination, 1e-5, 1e-7, $"TensorPrimitives.{Function}");
    }

    [Benchmark(Baseline = true)]
    public void Reference()
    {
        if (Function == ExpFunction.Exp) Kernels.Tests.Reference.Exp(_x, _destination);
        else Kernels.Tests.Reference.Forward(Function == ExpFunction.Sigmoid ? ActivationFunction.Sigmoid : ActivationFunction.Tanh, _x, _destination);
    }

    [Benchmark]
    [ArgumentsSource(nameof(Levels))]
    public void Simd(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        switch (Function)
        {
            case ExpFunction.Exp: Map.Unary(_x, _destination, new ExpOperator(), level); break;
            case ExpFunction.Sigmoid: Activations.Sigmoid(_x, _destination); break;
            default: Activations.Tanh(_x, _destination); break;
        }
    }

    [Benchmark(Description = "TensorPrimitives")]
    public void TensorPrimitivesVersion()
    {
        switch (Function)
        {
            case ExpFunction.Exp: TensorPrimitives.Exp(_x, _destination); break;
            case ExpFunction.Sigmoid: TensorPrimitives.Sigmoid(_x, _destination); break;
            default: TensorPrimitives.Tanh(_x, _destination); break;
        }
    }

    /// <summary>Moves 8·Length bytes (read + write), the same traffic as the forward kernels.</summary>
    [Benchmark]
    public void Copy() => _x.AsSpan().CopyTo(_destination);
}

/// <summary>
/// Backward σ′ Hadamard products (memory-bound). Bytes: each reads gradient and saved and writes
/// destination, 12·Length bytes; <see cref="Copy"/> reads one array and writes one, 8·Length bytes.
/// Bandwidth ratio = (12 / t_backward) / (8 / t_copy), so 80% of copy bandwidth means
/// t_backward ≤ 1.875·t_copy. The accounting counts only the bytes the code asks for: an ordinary
/// store also reads its destination line first (write-allocate), which <see cref="Copy"/>
/// (Span.CopyTo, rep movsb on this CPU) avoids and the kernels, whose output the next GEMM reads at
/// once, should not avoid. <see cref="CopyWithStores"/> is the same copy with ordinary vector stores:
/// the bandwidth a kernel with a separate destination can reach.
/// </summary>
[MinColumn, MedianColumn]
public class ActivationsBackwardBenchmarks
{
    /// <summary>The kernels read two arrays and write one (12·Length bytes); the copies move 8·Length.</summary>
    public static Workload Work(string method, IReadOnlyDictionary<string, string> parameters) =>
        Workload.Memory((method.StartsWith(nameof(Copy), StringComparison.Ordinal) ? 8.0 : 12.0) * Workload.Int(parameters, nameof(Length)));

    private float[] _gradient = [];
    private float[] _saved = [];
    private float[] _destination = [];

    [Params(16 * 1024, 1024 * 1024)]
    public int Length { get; set; }

    [Params(ActivationFunction.Relu, ActivationFunction.Tanh)]
    public ActivationFunction ActivationFunction { get; set; }

    /// <summary>The hardware-accelerated levels (see <see cref="ActivationsForwardBenchmarks.Levels"/>).</summary>
    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels.Where(SimdLevels.IsAccelerated);

    [GlobalSetup]
    public void Setup()
    {
        _gradient = BenchmarkData.Uniform(Length, 3);
        _saved = BenchmarkData.Uniform(Length, 4);
        _destination = new float[Length];
        double[] expected = Kernels.Tests.Reference.Backward(ActivationFunction, _gradient, _saved);
        foreach (SimdLevel level in Levels)
        {
            Array.Fill(_destination, float.NaN);
            Simd(level);
            BenchmarkData.Validate(expected, _destination, 4e-7, 1e-30, $"{ActivationFunction} backward at {level}");
        }
    }

    [Benchmark(Baseline = true)]
    public void Reference() => Kernels.Tests.Reference.Backward(ActivationFunction, _gradient, _saved, _destination);

    [Benchmark]
    [ArgumentsSource(nameof(Levels))]
    public void Simd(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        Activations.Backward(ActivationFunction, _gradient, _saved, _destination);
    }

    /// <summary>Moves 8·Length bytes; see the class remarks for the ratio.</summary>
    [Benchmark]
    public void Copy() => _gradient.AsSpan().CopyTo(_destination);

    /// <summary>The same copy as a loop of ordinary 256-bit loads and stores (Length is a multiple of 8).</summary>
    [Benchmark]
    public void CopyWithStores()
    {
        ref float source = ref MemoryMarshal.GetArrayDataReference(_gradient);
        ref float destination = ref MemoryMarshal.GetArrayDataReference(_destination);
        for (nuint i = 0; i < (nuint)Length; i += 8)
            Vector256.LoadUnsafe(ref source, i).StoreUnsafe(ref destination, i);
    }
}
