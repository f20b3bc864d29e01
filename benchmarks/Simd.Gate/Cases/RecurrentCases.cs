using Simd.Kernels;
using Simd.Network;

namespace Simd.Gate;

/// <summary>
/// One training step of the character model with an Elman tanh layer: embedding 65×64, hidden 256,
/// 64 steps, batch 32, output 65 per step, mean cross-entropy over all tokens, clip 5, SGD
/// with rate 0.1 on a learnable window (each target a function of its input), so one step must lower the loss
/// (the shape of issue 28's targets and of ../shared/anchors/torch_steps.py's rnn case).
/// </summary>
public sealed class ElmanCharStep() : CharModelStep(() => new Elman(64, 256, Activation.Tanh));

/// <summary>The character-model step of <see cref="ElmanCharStep"/> with a GRU layer (PyTorch's gates, 3·hidden columns per product).</summary>
[Extended]
public sealed class GruCharStep() : CharModelStep(() => new Gru(64, 256));

/// <summary>The character-model step of <see cref="ElmanCharStep"/> with an LSTM layer (4·hidden columns per product).</summary>
[Extended]
public sealed class LstmCharStep() : CharModelStep(() => new Lstm(64, 256));

/// <summary>
/// One training step of the character model (embedding 65×64, hidden 256, 64 steps, batch 32, output 65) with
/// the recurrent layer <paramref name="layer"/> makes; the setup checks that two steps on the same window lower the loss.
/// </summary>
public abstract class CharModelStep(Func<RecurrentLayer> layer) : GateCase
{
    private const int Embedding = 64, Hidden = 256, Steps = 64, Batch = 32, Vocabulary = 65;
    private readonly int[] _inputs = new int[Steps * Batch], _targets = new int[Steps * Batch];
    private SequenceModel _model = null!;
    private SequenceTrainer _trainer = null!;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        var random = new Random(15);
        for (int i = 0; i < _inputs.Length; i++) (_inputs[i], _targets[i]) = (random.Next(Vocabulary), 0);
        for (int i = 0; i < _inputs.Length; i++) _targets[i] = (_inputs[i] * 7 + 3) % Vocabulary;
        _model = new SequenceModel(Vocabulary, Embedding, [layer()], 1);
        _trainer = new SequenceTrainer(_model, new Sgd(0.1f), Steps, Batch, SequenceReduction.MeanOverTokens, clipNorm: 5f);
        float first = _trainer.Step(_inputs, _targets, Steps, Batch);
        if (!(Math.Abs(first - Math.Log(Vocabulary)) < 0.5))
            throw new InvalidOperationException($"{Name}: the first loss is {first}, expected about ln 65 = 4.17 for a fresh model");
        float second = _trainer.Step(_inputs, _targets, Steps, Batch);
        if (!(second < first)) throw new InvalidOperationException($"{Name}: the loss went from {first} to {second} on the same window");
        return Hash(_model.Parameters.Values, Hash([first, second]));
    }

    /// <inheritdoc/>
    public override void Run() => _trainer.Step(_inputs, _targets, Steps, Batch);
}
