using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Simd.Kernels;
using Simd.Kernels.Tests;

namespace Simd.Benchmarks;

/// <summary>
/// Clipping by global norm over the MLP 784-256-256-10 gradients (three weight matrices and three biases,
/// 269,322 floats) and over one 1M-float span, clipping on every call. Baseline: the double reference norm
/// plus a scale loop. Bytes moved per element: 12 (read for the norm, then read and write to scale); Copy of
/// the same total length: 8.
/// </summary>
/// <remarks>
/// Every call must clip yet leave the data as it was, or repeated calls would shrink the gradients until they
/// stop clipping. The timed data is therefore ±1 in c = k² elements, zeros elsewhere, and one final element
/// 2^−6: every partial sum is exact, Σg² = k² + 2^−12, so the norm exceeds maxNorm = k by a relative 1e−10 and
/// the scale maxNorm / norm rounds to exactly 1f. Accuracy is validated separately on uniform data.
/// </remarks>
public class ClippingBenchmarks
{
    private Memory<float>[] _gradients = [];
    private float[][] _arrays = [];
    private float[] _copySource = [], _copyDestination = [];
    private float _maxNorm;

    [Params("mlp", "1M")]
    public string Case { get; set; } = "mlp";

    public static IEnumerable<SimdLevel> Levels => BenchmarkData.Levels;

    [GlobalSetup]
    public void Setup()
    {
        int[] lengths = Case == "mlp" ? [784 * 256, 256, 256 * 256, 256, 256 * 10, 10] : [1024 * 1024];
        Validate(lengths);

        _arrays = lengths.Select(n => new float[n]).ToArray();
        int total = lengths.Sum();
        int k = (int)Math.Sqrt(total - 1), ones = 0;
        var random = new Random(5);
        foreach (float[] a in _arrays)
            for (int i = 0; i < a.Length; i++)
                a[i] = ones++ < k * k ? (random.Next(2) == 0 ? -1f : 1f) : 0f;
        _arrays[^1][^1] = 1f / 64;
        _gradients = _arrays.Select(a => new Memory<float>(a)).ToArray();
        _maxNorm = k;
        _copySource = BenchmarkData.Uniform(total, 99);
        _copyDestination = new float[total];

        double exactNorm = Reference.GlobalNorm(_arrays);
        float[][] before = _arrays.Select(a => (float[])a.Clone()).ToArray();
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            Clipping.ClipByGlobalNorm(_maxNorm, _gradients);
            if (!(exactNorm > _maxNorm) || !_arrays.Zip(before).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
                throw new InvalidOperationException($"Clipping setup at {level}: the timed call must clip (norm {exactNorm:R}, max {_maxNorm}) and leave the data unchanged.");
        }
    }

    private static void Validate(int[] lengths)
    {
        foreach (SimdLevel level in Levels)
        {
            using var _ = SimdLevels.Force(level);
            float[][] copies = lengths.Select((n, i) => BenchmarkData.Uniform(n, i + 1)).ToArray();
            double norm = Reference.GlobalNorm(copies);
            float actual = Clipping.ClipByGlobalNorm(1f, copies.Select(a => new Memory<float>(a)).ToArray());
            BenchmarkData.Validate([norm], [actual], 1e-6, 0, $"norm {level}");
            BenchmarkData.Validate([1.0], [(float)Reference.GlobalNorm(copies)], 1e-5, 0, $"norm after clipping {level}");
        }
    }

    /// <summary>Copies the same total length: 8 bytes per element, the bandwidth roof.</summary>
    [Benchmark]
    public void Copy() => _copySource.AsSpan().CopyTo(_copyDestination);

    [Benchmark(Baseline = true)]
    public double ClipReference()
    {
        double norm = Reference.GlobalNorm(_arrays);
        float scale = (float)(_maxNorm / norm);
        foreach (float[] a in _arrays)
            for (int i = 0; i < a.Length; i++) a[i] *= scale;
        return norm;
    }

    [Benchmark, ArgumentsSource(nameof(Levels))]
    public float ClipByGlobalNorm(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        return Clipping.ClipByGlobalNorm(_maxNorm, _gradients);
    }

    /// <summary>Float norm by SumOfSquares per span, then Multiply per span (always, as the others always clip).</summary>
    [Benchmark]
    public float ClipTensorPrimitives()
    {
        float sum = 0;
        foreach (float[] a in _arrays) sum += TensorPrimitives.SumOfSquares(a);
        float norm = MathF.Sqrt(sum);
        float scale = MathF.Min(1f, _maxNorm / norm);
        foreach (float[] a in _arrays) TensorPrimitives.Multiply(a, scale, a);
        return norm;
    }
}
