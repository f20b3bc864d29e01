using Simd.Kernels;
using Simd.Network;

namespace Simd.Gate;

/// <summary>
/// One training step of the 784-256-256-10 ReLU MLP at batch 128 with softmax cross-entropy and Adam:
/// forward, loss, backward, update.
/// </summary>
public sealed class MlpStep128 : GateCase
{
    private const int Batch = 128, Inputs = 784, Classes = 10;
    private readonly float[] _x = new float[Batch * Inputs];
    private readonly int[] _labels = [.. Enumerable.Range(0, Batch).Select(i => i * 3 % Classes)];
    private Model _model = null!;
    private Trainer _trainer = null!;

    /// <inheritdoc/>
    public override ulong Setup()
    {
        Fill(_x, 14, 0f, 1f);
        _model = new ModelBuilder(Inputs).Add(new Dense(Inputs, 256, Activation.Relu)).Add(new Dense(256, 256, Activation.Relu)).Add(new Dense(256, Classes)).Build(1);
        _trainer = new Trainer(_model, new Simd.Network.SoftmaxCrossEntropyLoss(), new Adam(1e-4f), Batch);
        float first = _trainer.Step(_x, _labels, Batch);
        if (!(Math.Abs(first - Math.Log(Classes)) < 1.0))
            throw new InvalidOperationException($"{Name}: the first loss is {first}, expected about ln 10 for a fresh model");
        float second = _trainer.Step(_x, _labels, Batch);
        if (!(second < first)) throw new InvalidOperationException($"{Name}: the loss went from {first} to {second} on the same batch");
        return Hash(_model.Parameters.Values, Hash([first, second]));
    }

    /// <inheritdoc/>
    public override void Run() => _trainer.Step(_x, _labels, Batch);
}
