using System.Runtime.InteropServices;

namespace Simd.Network.Tests;

/// <summary>
/// Checkpoint format version 4: optimizer kind, hyper-parameters, step and state, and the training progress,
/// so that training N epochs, saving and resuming M gives bitwise what N + M epochs in one go give.
/// </summary>
public class CheckpointResumeTests
{
    private const int Features = 5, Classes = 3, Examples = 43, Batch = 8;

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"simd-resume-{Environment.ProcessId}-{Guid.NewGuid():N}.ckpt");

    public static TheoryData<string> OptimizerKinds() => ["sgd", "momentum", "adam"];

    private static Optimizer Create(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f),
        "momentum" => new Momentum(0.05f, 0.8f),
        _ => new Adam(0.01f, weightDecay: 1e-3f),
    };

    private static Model Mlp(ulong seed) =>
        new ModelBuilder(Features).Add(new Dense(Features, 7, Activation.Tanh)).Add(new Dense(7, Classes)).Build(seed);

    private static (float[] X, int[] Labels) Data()
    {
        var rng = new Rng(99);
        var x = new float[Examples * Features];
        var labels = new int[Examples];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextNormal();
        for (int i = 0; i < Examples; i++) labels[i] = rng.NextInt(Classes);
        return (x, labels);
    }

    /// <summary>
    /// Epochs <paramref name="from"/> + 1 to <paramref name="to"/> of a loop like <c>simd train</c>'s: one shuffle of the
    /// example order per epoch from an Rng seeded once, so resuming replays the <paramref name="from"/> shuffles first.
    /// </summary>
    private static void TrainEpochs(Trainer trainer, int from, int to)
    {
        var (x, labels) = Data();
        int[] order = [.. Enumerable.Range(0, Examples)];
        var rng = new Rng(7);
        for (int epoch = 0; epoch < from; epoch++) rng.Shuffle(order.AsSpan());
        var batchX = new float[Batch * Features];
        var batchY = new int[Batch];
        for (int epoch = from; epoch < to; epoch++)
        {
            rng.Shuffle(order.AsSpan());
            for (int start = 0; start < Examples; start += Batch)
            {
                int batch = Math.Min(Batch, Examples - start);
                for (int i = 0; i < batch; i++)
                {
                    x.AsSpan(order[start + i] * Features, Features).CopyTo(batchX.AsSpan(i * Features));
                    batchY[i] = labels[order[start + i]];
                }
                trainer.Step(batchX, batchY, batch);
            }
        }
    }

    private static int[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    [Theory]
    [MemberData(nameof(OptimizerKinds))]
    public void TrainingNEpochsSavingAndResumingMEqualsNPlusMInOneGo(string kind)
    {
        Model straight = Mlp(1);
        Optimizer straightOptimizer = Create(kind);
        TrainEpochs(new Trainer(straight, new SoftmaxCrossEntropyLoss(), straightOptimizer, Batch, l2: 1e-3f, clipNorm: 2f), 0, 5);

        Model first = Mlp(1);
        Optimizer firstOptimizer = Create(kind);
        TrainEpochs(new Trainer(first, new SoftmaxCrossEntropyLoss(), firstOptimizer, Batch, l2: 1e-3f, clipNorm: 2f), 0, 2);
        var progress = new TrainingProgress();
        progress.Counters["epoch"] = 2;
        string path = TempPath();
        try
        {
            Checkpoint.Save(path, first, firstOptimizer, new Dictionary<string, string> { ["model"] = "mlp" }, progress);

            CheckpointInfo info = Checkpoint.ReadInfo(path);
            Assert.Equal(Checkpoint.Version, info.Version);
            Assert.Equal(kind, info.OptimizerName);
            Assert.Equal(firstOptimizer.Step, info.OptimizerStep);
            Assert.Equal(firstOptimizer.HyperParameters, info.OptimizerHyperParameters);
            Assert.Equal(2, info.Progress.Counter("epoch"));
            Assert.Equal(["dense1: Dense 5 → 7, Tanh", "dense2: Dense 7 → 3, None"], info.Layers);

            Model resumed = Mlp(2);
            Optimizer resumedOptimizer = info.CreateOptimizer()!;
            Assert.Equal(firstOptimizer.ToString(), resumedOptimizer.ToString());
            Checkpoint.Load(path, resumed, resumedOptimizer);
            Assert.Equal(firstOptimizer.Step, resumedOptimizer.Step);
            Assert.Equal(firstOptimizer.State.Count, resumedOptimizer.State.Count);
            for (int s = 0; s < firstOptimizer.State.Count; s++) Assert.Equal(Bits(firstOptimizer.State[s]), Bits(resumedOptimizer.State[s]));
            TrainEpochs(new Trainer(resumed, new SoftmaxCrossEntropyLoss(), resumedOptimizer, Batch, l2: 1e-3f, clipNorm: 2f), (int)info.Progress.Counter("epoch"), 5);

            Assert.Equal(Bits(straight.Parameters.Values), Bits(resumed.Parameters.Values));
            Assert.Equal(straightOptimizer.Step, resumedOptimizer.Step);
            for (int s = 0; s < straightOptimizer.State.Count; s++) Assert.Equal(Bits(straightOptimizer.State[s]), Bits(resumedOptimizer.State[s]));
            // Without the moments (a fresh optimizer of the same kind), the continuation differs: the state matters.
            if (kind != "sgd")
            {
                Model restarted = Mlp(2);
                Optimizer fresh = Create(kind);
                Checkpoint.Load(path, restarted, null);
                TrainEpochs(new Trainer(restarted, new SoftmaxCrossEntropyLoss(), fresh, Batch, l2: 1e-3f, clipNorm: 2f), 2, 5);
                Assert.NotEqual(Bits(straight.Parameters.Values), Bits(restarted.Parameters.Values));
            }
        }
        finally { File.Delete(path); }
    }

    public static TheoryData<string> Cells() => ["elman", "gru", "lstm"];

    [Theory]
    [MemberData(nameof(Cells))]
    public void ASequenceModelResumesMidEpochWithItsCarriedState(string cell)
    {
        const int vocabulary = 6, steps = 4, streams = 3, windows = 7;
        var rng = new Rng(5);
        int[] text = [.. Enumerable.Range(0, streams * (windows * steps + 1)).Select(_ => rng.NextInt(vocabulary))];
        int streamLength = text.Length / streams;
        SequenceModel Model() => new(vocabulary, 4, [cell switch { "gru" => new Gru(4, 5), "lstm" => new Lstm(4, 5), _ => new Elman(4, 5) }], 3);
        var inputs = new int[streams * steps];
        var targets = new int[streams * steps];
        void Windows(SequenceTrainer trainer, int from, int to)
        {
            for (int window = from; window < to; window++)
            {
                for (int b = 0; b < streams; b++)
                {
                    text.AsSpan(b * streamLength + window * steps, steps).CopyTo(inputs.AsSpan(b * steps));
                    text.AsSpan(b * streamLength + window * steps + 1, steps).CopyTo(targets.AsSpan(b * steps));
                }
                trainer.Step(inputs, targets, steps, streams);
            }
        }

        SequenceModel straight = Model();
        var straightAdam = new Adam(0.01f);
        Windows(new SequenceTrainer(straight, straightAdam, steps, streams, SequenceReduction.MeanOverTokens, clipNorm: 1f), 0, windows);

        SequenceModel first = Model();
        var firstAdam = new Adam(0.01f);
        var firstTrainer = new SequenceTrainer(first, firstAdam, steps, streams, SequenceReduction.MeanOverTokens, clipNorm: 1f);
        Windows(firstTrainer, 0, 3);
        var progress = new TrainingProgress();
        progress.Counters["window"] = 3;
        progress.Tensors["state0"] = firstTrainer.Workspace.Buffers[0].InitialState(streams).ToArray();
        string path = TempPath();
        try
        {
            Checkpoint.Save(path, first, firstAdam, null, progress);
            CheckpointInfo info = Checkpoint.ReadInfo(path);
            Assert.Equal(progress.Tensors["state0"], info.Progress.Tensors["state0"]);

            SequenceModel resumed = Model();
            Optimizer adam = info.CreateOptimizer()!;
            Checkpoint.Load(path, resumed, adam);
            var trainer = new SequenceTrainer(resumed, adam, steps, streams, SequenceReduction.MeanOverTokens, clipNorm: 1f);
            trainer.Workspace.SetInitialState(0, info.Progress.Tensors["state0"], streams);
            Windows(trainer, (int)info.Progress.Counter("window"), windows);
            Assert.Equal(Bits(straight.Parameters.Values), Bits(resumed.Parameters.Values));
            Assert.Equal(Bits(straightAdam.State[1]), Bits(adam.State[1]));

            // Resuming from the zero state instead of the carried one is not the same run.
            SequenceModel stateless = Model();
            Optimizer other = info.CreateOptimizer()!;
            Checkpoint.Load(path, stateless, other);
            Windows(new SequenceTrainer(stateless, other, steps, streams, SequenceReduction.MeanOverTokens, clipNorm: 1f), 3, windows);
            Assert.NotEqual(Bits(straight.Parameters.Values), Bits(stateless.Parameters.Values));
        }
        finally { File.Delete(path); }
    }

    private static (Model Model, Optimizer Optimizer) Trained(string kind)
    {
        Model model = Mlp(1);
        Optimizer optimizer = Create(kind);
        TrainEpochs(new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, Batch), 0, 1);
        return (model, optimizer);
    }

    [Fact]
    public void AnotherKindOrOtherHyperParametersAreRefusedNamingBoth()
    {
        var (model, adam) = Trained("adam");
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);
        Model target = Mlp(3);
        float[] before = target.Parameters.Values.ToArray();

        var momentum = new Momentum(0.05f, 0.8f);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "test", target.Parameters, momentum));
        Assert.Equal("test: holds the state of a adam (lr 0.01, beta1 0.9, beta2 0.999, epsilon 1E-08, weight_decay 0.001) optimizer, not of this momentum (lr 0.05, momentum 0.8); give a adam optimizer, or none to read the parameters only", error.Message);

        var otherRate = new Adam(0.02f, weightDecay: 1e-3f);
        error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "test", target.Parameters, otherRate));
        Assert.Equal("test: holds the state of a adam (lr 0.01, beta1 0.9, beta2 0.999, epsilon 1E-08, weight_decay 0.001) optimizer, but this one is adam (lr 0.02, beta1 0.9, beta2 0.999, epsilon 1E-08, weight_decay 0.001); give one with the saved hyper-parameters, or none to read the parameters only", error.Message);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "test", target.Parameters, new Adam(0.01f)));
        Assert.Equal(before, target.Parameters.Values.ToArray());
        Assert.Empty(otherRate.State);
        Assert.Equal(0, otherRate.Step);

        // Without an optimizer only the parameters are read; the same kind and values read the state too.
        Checkpoint.Deserialize(bytes, "test", target.Parameters, null);
        Assert.Equal(model.Parameters.Values.ToArray(), target.Parameters.Values.ToArray());
        var same = new Adam(0.01f, weightDecay: 1e-3f);
        Checkpoint.Deserialize(bytes, "test", Mlp(4).Parameters, same);
        Assert.Equal(adam.Step, same.Step);
    }

    /// <summary>
    /// The version 3 form of a version 4 serialization made without layers or progress: no hyper-parameters,
    /// no progress counts, version 3, checksum recomputed.
    /// </summary>
    internal static byte[] Version3(byte[] v4, ParameterArena arena, Optimizer? optimizer)
    {
        int layersAt = 16 + arena.Parameters.Sum(p => 2 + System.Text.Encoding.UTF8.GetByteCount(p.Name) + 9);
        Assert.Equal(0u, BitConverter.ToUInt32(v4, layersAt));
        int hyperAt = layersAt + 4 + 4 + 2 + System.Text.Encoding.UTF8.GetByteCount(optimizer?.Name ?? "") + 8 + 4;
        var hyper = optimizer?.HyperParameters ?? [];
        Assert.Equal((uint)hyper.Count, BitConverter.ToUInt32(v4, hyperAt));
        int progressAt = hyperAt + 4 + hyper.Sum(p => 2 + System.Text.Encoding.UTF8.GetByteCount(p.Key) + 4);
        Assert.Equal(0UL, BitConverter.ToUInt64(v4, progressAt));
        byte[] v3 = [.. v4[..hyperAt], .. v4[(progressAt + 8)..^4]];
        BitConverter.GetBytes(3u).CopyTo(v3, 8);
        return [.. v3, .. BitConverter.GetBytes(Crc32.Append(0, v3))];
    }

    [Theory]
    [MemberData(nameof(OptimizerKinds))]
    public void VersionThreeFilesStillLoadWithTheirOptimizerState(string kind)
    {
        var (model, optimizer) = Trained(kind);
        byte[] v3 = Version3(Checkpoint.Serialize(model.Parameters, optimizer), model.Parameters, optimizer);
        CheckpointInfo info = Checkpoint.Inspect(v3, "old");
        Assert.Equal(3u, info.Version);
        Assert.Equal(kind, info.OptimizerName);
        Assert.Empty(info.OptimizerHyperParameters);
        Assert.True(info.Progress.IsEmpty);
        Assert.Contains("records the " + kind + " optimizer's state but not its hyper-parameters", Assert.Throws<InvalidDataException>(info.CreateOptimizer).Message);

        // The kind is still checked; the hyper-parameters cannot be, so any of the kind reads the state.
        Optimizer loaded = kind == "adam" ? new Adam(0.5f) : kind == "momentum" ? new Momentum(0.5f) : new Sgd(0.5f);
        Model target = Mlp(5);
        Checkpoint.Deserialize(v3, "old", target.Parameters, loaded);
        Assert.Equal(Bits(model.Parameters.Values), Bits(target.Parameters.Values));
        Assert.Equal(optimizer.Step, loaded.Step);
        for (int s = 0; s < optimizer.State.Count; s++) Assert.Equal(Bits(optimizer.State[s]), Bits(loaded.State[s]));
        Optimizer wrongKind = kind == "sgd" ? new Adam(0.5f) : new Sgd(0.5f);
        Assert.Contains($"holds the state of a {kind} optimizer, not of this {wrongKind.Name}", Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(v3, "old", Mlp(6).Parameters, wrongKind)).Message);
    }

    [Fact]
    public void ACorruptOptimizerOrProgressSectionIsAClearError()
    {
        var (model, adam) = Trained("adam");
        var progress = new TrainingProgress();
        progress.Counters["epoch"] = 1;
        progress.Tensors["state0"] = [1, 2, 3];
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam, null, progress);
        Assert.Equal([1f, 2, 3], Checkpoint.Inspect(bytes, "test").Progress.Tensors["state0"]);
        int layersAt = 16 + model.Parameters.Parameters.Sum(p => 2 + System.Text.Encoding.UTF8.GetByteCount(p.Name) + 9);
        int hyperAt = layersAt + 4 + 4 + 2 + 4 + 8 + 4;
        int progressAt = hyperAt + 4 + adam.HyperParameters.Sum(p => 2 + p.Key.Length + 4);
        int tensorsAt = progressAt + 4 + 2 + "epoch".Length + 8;
        int lengthAt = tensorsAt + 4 + 2 + "state0".Length;

        byte[] Patched(int offset, byte[] value)
        {
            byte[] patched = bytes[..^4];
            value.CopyTo(patched, offset);
            return [.. patched, .. BitConverter.GetBytes(Crc32.Append(0, patched))];
        }
        Model target = Mlp(2);
        float[] before = target.Parameters.Values.ToArray();
        foreach ((int offset, string what) in new[] { (hyperAt, "optimizer hyper-parameters"), (progressAt, "progress counters"), (tensorsAt, "progress tensors") })
        {
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(Patched(offset, BitConverter.GetBytes(uint.MaxValue)), "test", target.Parameters, new Adam(0.01f, weightDecay: 1e-3f)));
            Assert.StartsWith($"test: corrupted checkpoint: 4294967295 {what} announced but only", error.Message);
        }
        Assert.Equal("test: corrupted checkpoint: progress tensor 'state0' has length -1",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Inspect(Patched(lengthAt, BitConverter.GetBytes(-1)), "test")).Message);
        Assert.StartsWith("test: truncated or padded checkpoint",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Inspect(Patched(lengthAt, BitConverter.GetBytes(4)), "test")).Message);

        // A saved β1 of 2 (valid checksum) is not an Adam this library accepts: refused by name, not by a crash.
        int beta1At = hyperAt + 4 + 2 + "lr".Length + 4 + 2 + "beta1".Length;
        Assert.Equal(0.9f, BitConverter.ToSingle(bytes, beta1At));
        CheckpointInfo bad = Checkpoint.Inspect(Patched(beta1At, BitConverter.GetBytes(2f)), "test");
        Assert.StartsWith("the file's adam (lr 0.01, beta1 2, beta2 0.999, epsilon 1E-08, weight_decay 0.001) is not a valid optimizer: β1 must be in [0, 1)",
            Assert.Throws<InvalidDataException>(bad.CreateOptimizer).Message);
        Assert.Equal(before, target.Parameters.Values.ToArray());

        // Every byte of the new sections is under the checksum too.
        for (int i = hyperAt; i < lengthAt + 4; i++)
        {
            byte[] corrupted = (byte[])bytes.Clone();
            corrupted[i] ^= 0x04;
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(corrupted, "test", target.Parameters, null));
        }
        Assert.Equal(before, target.Parameters.Values.ToArray());
    }

    [Fact]
    public void ANonFiniteProgressTensorIsNeverSaved()
    {
        var (model, adam) = Trained("adam");
        var progress = new TrainingProgress();
        progress.Tensors["state0"] = [0, float.NaN];
        string path = TempPath();
        var error = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(path, model, adam, null, progress));
        Assert.Equal("refusing to save: progress tensor state0[1] is NaN", error.Message);
        Assert.False(File.Exists(path));
    }
}
