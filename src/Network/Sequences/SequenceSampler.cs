
namespace Simd.Network;

/// <summary>Generates tokens from a <see cref="SequenceModel"/>, one step at a time, carrying the state.</summary>
public sealed class SequenceSampler
{
    private readonly SequenceModel _model;
    private readonly SequenceWorkspace _workspace;
    private readonly double[] _probabilities;
    private readonly int[] _token = new int[1];

    /// <summary>Creates a sampler that reads prompts of up to <paramref name="maxPrompt"/> tokens at once.</summary>
    public SequenceSampler(SequenceModel model, int maxPrompt = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _workspace = model.CreateWorkspace(Math.Max(1, maxPrompt), 1);
        _probabilities = new double[model.Classes];
    }

    /// <summary>
    /// Feeds <paramref name="prompt"/> from the zero state, then draws <paramref name="count"/> tokens, each
    /// from softmax(logits / temperature) of the step before, and returns them.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt is empty or has an id out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is not finite and positive, or count is negative.</exception>
    public int[] Generate(ReadOnlySpan<int> prompt, int count, double temperature, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(temperature > 0 && double.IsFinite(temperature))) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be finite and positive");
        if (prompt.IsEmpty) throw new ArgumentException("the prompt needs at least one token", nameof(prompt));
        _workspace.ResetState();
        int steps = 0;
        for (int start = 0; start < prompt.Length; start += steps)
        {
            steps = Math.Min(_workspace.MaxSteps, prompt.Length - start);
            _model.Forward(prompt.Slice(start, steps), steps, 1, _workspace);
            _workspace.CarryState(steps, 1);
        }
        var generated = new int[count];
        for (int i = 0; i < count; i++)
        {
            generated[i] = Draw(_workspace.Logits(steps, 1)[((steps - 1) * _model.Classes)..], temperature, rng);
            _token[0] = generated[i];
            steps = 1;
            _model.Forward(_token, 1, 1, _workspace);
            _workspace.CarryState(1, 1);
        }
        return generated;
    }

    private int Draw(ReadOnlySpan<float> logits, double temperature, Rng rng)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        double sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += _probabilities[c] = Math.Exp((logits[c] - max) / temperature);
        double u = rng.NextDouble() * sum;
        for (int c = 0; c < logits.Length; c++)
            if ((u -= _probabilities[c]) < 0) return c;
        return logits.Length - 1;
    }
}
