using Simd.Network;

namespace UserCode;

/// <summary>
/// A layer written outside the library, against the public <see cref="Layer"/> contract only: layer
/// normalization over each example's n features, y = γ ⊙ x̂ + β with x̂ = (x − μ)/s, μ = mean(x),
/// s = √(var(x) + ε) (biased variance). Backward, with g = dy ⊙ γ:
/// dx = (g − mean(g) − x̂·mean(g ⊙ x̂)) / s, ∂J/∂γ += Σ_rows dy ⊙ x̂, ∂J/∂β += Σ_rows dy.
/// </summary>
public sealed class LayerNormalization(int features, float epsilon = 1e-5f) : Layer
{
    private Parameter? _gain, _shift;

    public override int InputSize => features;
    public override int OutputSize => features;
    public override string Architecture => $"LayerNormalization {features}, ε {epsilon}";

    public override void DeclareParameters(ParameterArena arena)
    {
        _gain = arena.Declare($"{Name}.gain", 1, features, isWeight: false);
        _shift = arena.Declare($"{Name}.shift", 1, features, isWeight: false);
    }

    public override void InitializeParameters(ParameterArena arena, Rng rng)
    {
        arena.ValuesOf(_gain!).Fill(1f);
        arena.ValuesOf(_shift!).Clear();
    }

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, ParameterArena arena)
    {
        ReadOnlySpan<float> gain = arena.ValuesOf(_gain!), shift = arena.ValuesOf(_shift!);
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * features, features);
            (float mean, float scale) = Moments(row);
            Span<float> output = y.Slice(i * features, features);
            for (int j = 0; j < features; j++) output[j] = gain[j] * ((row[j] - mean) * scale) + shift[j];
        }
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, int batch, ParameterArena arena)
    {
        ReadOnlySpan<float> gain = arena.ValuesOf(_gain!);
        Span<float> gainGradient = arena.GradientOf(_gain!);
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> row = x.Slice(i * features, features), d = dy.Slice(i * features, features);
            (float mean, float scale) = Moments(row);
            float meanG = 0, meanGx = 0;
            for (int j = 0; j < features; j++)
            {
                float normalized = (row[j] - mean) * scale;
                gainGradient[j] += d[j] * normalized;
                meanG += d[j] * gain[j];
                meanGx += d[j] * gain[j] * normalized;
            }
            if (dx.IsEmpty) continue;
            meanG /= features;
            meanGx /= features;
            Span<float> output = dx.Slice(i * features, features);
            for (int j = 0; j < features; j++)
                output[j] = (d[j] * gain[j] - meanG - (row[j] - mean) * scale * meanGx) * scale;
        }
        arena.AccumulateRowSums(_shift!, dy, batch);
    }

    public override string ToString() => $"{Name}: {Architecture}";

    /// <summary>μ and 1/s of one example, accumulated in double.</summary>
    private (float Mean, float Scale) Moments(ReadOnlySpan<float> row)
    {
        double sum = 0, squares = 0;
        foreach (float v in row) sum += v;
        double mean = sum / row.Length;
        foreach (float v in row) squares += (v - mean) * (v - mean);
        return ((float)mean, (float)(1 / Math.Sqrt(squares / row.Length + epsilon)));
    }
}
