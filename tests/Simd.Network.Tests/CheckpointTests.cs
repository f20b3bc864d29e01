namespace Simd.Network.Tests;

public class CheckpointTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"simd-ckpt-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");

    private static (Model Model, Adam Adam) Trained(ulong seed)
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 6, Activation.Relu)).Add(new Dense(6, 3)).Build(seed);
        var adam = new Adam(1e-2f);
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), adam, 2);
        for (int i = 0; i < 3; i++) trainer.Step([0.1f, 0.2f, -0.3f, 0.4f, 1, -1, 0.5f, 0], [2, 0], 2);
        return (model, adam);
    }

    [Fact]
    public void RoundTripRestoresParametersAndOptimizerState()
    {
        var (model, adam) = Trained(1);
        string path = TempPath();
        try
        {
            Checkpoint.Save(path, model.Parameters, adam);
            var (other, otherAdam) = Trained(2);
            Assert.False(model.Parameters.Values.SequenceEqual(other.Parameters.Values));
            Checkpoint.Load(path, other.Parameters, otherAdam);
            Assert.True(model.Parameters.Values.SequenceEqual(other.Parameters.Values));
            Assert.Equal(adam.State[0], otherAdam.State[0]);
            Assert.Equal(adam.State[1], otherAdam.State[1]);
            Assert.Equal(3, otherAdam.Step);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".tmp*"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EveryCorruptedByteIsDetectedAndChangesNothing()
    {
        var (model, adam) = Trained(1);
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);
        var (target, targetAdam) = Trained(2);
        float[] before = target.Parameters.Values.ToArray();
        for (int i = 0; i < bytes.Length; i += 7)
        {
            byte[] corrupted = (byte[])bytes.Clone();
            corrupted[i] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(corrupted, "test", target.Parameters, targetAdam));
            Assert.Equal(before, target.Parameters.Values.ToArray());
        }
    }

    [Fact]
    public void TruncatedFilesAreRejected()
    {
        var (model, adam) = Trained(1);
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);
        var (target, _) = Trained(2);
        foreach (int length in new[] { 0, 4, 12, 40, bytes.Length / 2, bytes.Length - 1 })
        {
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes.AsSpan(0, length), "test", target.Parameters, null));
            Assert.Contains("test", error.Message);
        }
    }

    [Fact]
    public void MismatchedModelIsRejectedWithNames()
    {
        var (model, adam) = Trained(1);
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);
        Model other = new ModelBuilder(4).Add(new Dense(4, 7, Activation.Relu)).Add(new Dense(7, 3)).Build(1);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes, "test", other.Parameters, null));
        Assert.Contains("dense1.weight", error.Message);
        Assert.Contains("4×6", error.Message);
        Assert.Contains("4×7", error.Message);
    }

    [Fact]
    public void SaveReplacesAnExistingFileWhole()
    {
        var (model, adam) = Trained(1);
        string path = TempPath();
        try
        {
            File.WriteAllText(path, "an older, different file that is longer than nothing");
            Checkpoint.Save(path, model.Parameters, adam);
            Assert.Equal(Checkpoint.Serialize(model.Parameters, adam), File.ReadAllBytes(path));
            Checkpoint.Save(path, model.Parameters, null);
            var (target, _) = Trained(3);
            Checkpoint.Load(path, target.Parameters, null);
            Assert.True(model.Parameters.Values.SequenceEqual(target.Parameters.Values));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NotACheckpoint()
    {
        string path = TempPath();
        try
        {
            File.WriteAllText(path, "hello, this is not a model");
            var (target, _) = Trained(1);
            Assert.Contains("not a Simd checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target.Parameters, null)).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MetadataRoundTripsAndVersionOneFilesStillLoad()
    {
        var (model, adam) = Trained(1);
        string path = TempPath();
        try
        {
            var metadata = new Dictionary<string, string> { ["model"] = "charrnn", ["alphabet"] = "ab\n\"é", ["hidden"] = "256" };
            Checkpoint.Save(path, model.Parameters, adam, metadata);
            Assert.Equal(metadata, Checkpoint.ReadMetadata(path));
            var (other, otherAdam) = Trained(2);
            Checkpoint.Load(path, other.Parameters, otherAdam);
            Assert.True(model.Parameters.Values.SequenceEqual(other.Parameters.Values));

            byte[] v1 = OlderVersion(CheckpointResumeTests.Version3(Checkpoint.Serialize(model.Parameters, adam), model.Parameters, adam), model.Parameters, adam, version: 1);
            File.WriteAllBytes(path, v1);
            Assert.Empty(Checkpoint.ReadMetadata(path));
            var (third, thirdAdam) = Trained(3);
            Checkpoint.Load(path, third.Parameters, thirdAdam);
            Assert.True(model.Parameters.Values.SequenceEqual(third.Parameters.Values));
            Assert.Equal(adam.State[1], thirdAdam.State[1]);

            File.WriteAllBytes(path, OlderVersion(CheckpointResumeTests.Version3(Checkpoint.Serialize(model.Parameters, adam, metadata), model.Parameters, adam), model.Parameters, adam, version: 2));
            Assert.Equal(metadata, Checkpoint.ReadMetadata(path));
            var (fourth, fourthAdam) = Trained(4);
            Checkpoint.Load(path, fourth, fourthAdam);
            Assert.True(model.Parameters.Values.SequenceEqual(fourth.Parameters.Values));
        }
        finally { File.Delete(path); }
    }

    /// <summary>
    /// A version 1 or 2 file made from a version 3 serialization without layers: version 2 lacks the layer
    /// count after the parameters, version 1 also the metadata count (and must have no metadata).
    /// </summary>
    private static byte[] OlderVersion(byte[] v3, ParameterArena arena, Optimizer optimizer, uint version)
    {
        int layersAt = 16 + arena.Parameters.Sum(p => 2 + System.Text.Encoding.UTF8.GetByteCount(p.Name) + 9);
        Assert.Equal(0u, BitConverter.ToUInt32(v3, layersAt));
        var bytes = new List<byte>(v3[..layersAt]);
        if (version == 1)
        {
            int metadataAt = v3.Length - 4 - 4 * arena.Length * (1 + optimizer.State.Count) - 4;
            Assert.Equal(0u, BitConverter.ToUInt32(v3, metadataAt));
            bytes.AddRange(v3[(layersAt + 4)..metadataAt]);
            bytes.AddRange(v3[(metadataAt + 4)..^4]);
        }
        else bytes.AddRange(v3[(layersAt + 4)..^4]);
        byte[] older = [.. bytes];
        BitConverter.GetBytes(version).CopyTo(older, 8);
        return [.. older, .. BitConverter.GetBytes(Crc32.Append(0, older))];
    }

    [Fact]
    public void ACheckpointOfAReluModelIsRefusedByATanhModelOfTheSameShapes()
    {
        var (relu, adam) = Trained(1);
        Model tanh = new ModelBuilder(4).Add(new Dense(4, 6, Activation.Tanh)).Add(new Dense(6, 3)).Build(2);
        float[] before = tanh.Parameters.Values.ToArray();
        string path = TempPath();
        try
        {
            Checkpoint.Save(path, relu, adam);
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, tanh, null));
            Assert.Contains(path, error.Message);
            Assert.Contains("layer 1 is dense1: Dense 4 → 6, Relu in the file but dense1: Dense 4 → 6, Tanh in the model", error.Message);
            Assert.Equal(before, tanh.Parameters.Values.ToArray());

            Model deeper = new ModelBuilder(4).Add(new Dense(4, 6, Activation.Relu)).Add(new Dense(6, 3)).Add(new Dense(3, 3)).Build(2);
            Assert.Contains("holds 2 layers", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, deeper, null)).Message);

            var (same, sameAdam) = Trained(2);
            Checkpoint.Load(path, same, sameAdam);
            Assert.True(relu.Parameters.Values.SequenceEqual(same.Parameters.Values));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ASequenceCheckpointRecordsTheCellAndItsNonlinearity()
    {
        static SequenceModel Elman(Activation activation) => new(5, 3, [new Elman(3, 4, activation)], 1);
        SequenceModel tanh = Elman(Activation.Tanh), relu = Elman(Activation.Relu);
        string path = TempPath();
        try
        {
            Checkpoint.Save(path, tanh, null);
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, relu, null));
            Assert.Contains("layer 2 is elman1: Elman 3 → 4, Tanh in the file but elman1: Elman 3 → 4, Relu in the model", error.Message);
            var gru = new SequenceModel(5, 3, [new Gru(3, 4)], 1);
            Assert.Contains("Gru 3 → 4", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, gru, null)).Message);
            SequenceModel again = Elman(Activation.Tanh);
            again.Parameters.Values.Clear();
            Checkpoint.Load(path, again, null);
            Assert.True(tanh.Parameters.Values.SequenceEqual(again.Parameters.Values));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void CorruptCountsShortFilesAndDirectoriesGiveClearMessages()
    {
        var (model, adam) = Trained(1);
        byte[] bytes = Checkpoint.Serialize(model.Parameters, adam);
        var (target, targetAdam) = Trained(2);

        // A count of 0xFFFFFFFF with a valid checksum: corruption before the checksum was computed.
        int layersAt = 16 + model.Parameters.Parameters.Sum(p => 2 + System.Text.Encoding.UTF8.GetByteCount(p.Name) + 9);
        foreach ((int offset, string what) in new[] { (12, "parameters"), (layersAt, "layers") })
        {
            byte[] patched = bytes[..^4];
            BitConverter.GetBytes(uint.MaxValue).CopyTo(patched, offset);
            patched = [.. patched, .. BitConverter.GetBytes(Crc32.Append(0, patched))];
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(patched, "test", target.Parameters, targetAdam));
            Assert.Contains($"test: corrupted checkpoint: 4294967295 {what} announced but only", error.Message);
        }

        Assert.Equal("test: truncated Simd checkpoint (12 bytes; even an empty one has 38)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(bytes.AsSpan(0, 12), "test", target.Parameters, null)).Message);
        Assert.Equal("test: not a Simd checkpoint (it does not start with \"SIMDNET1\")",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize("twelve bytes"u8, "test", target.Parameters, null)).Message);

        string directory = Path.GetTempPath();
        var isDirectory = Assert.Throws<ArgumentException>(() => Checkpoint.Load(directory, target, null));
        Assert.Contains($"'{directory}' is a directory, not a checkpoint file", isDirectory.Message);
        Assert.Throws<ArgumentException>(() => Checkpoint.ReadMetadata(directory));
    }

    [Fact]
    public void BadSavePathsAreFoundBeforeWritingAndNamedAsGiven()
    {
        var (model, adam) = Trained(1);
        string missing = Path.Combine(Path.GetTempPath(), $"simd-missing-{Guid.NewGuid():N}", "model.ckpt");
        string expected = $"cannot write '{missing}': the directory '{Path.GetDirectoryName(missing)}' does not exist";
        Assert.Equal(expected, Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.CheckWritable(missing)).Message);
        Assert.Equal(expected, Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(missing, model, adam)).Message);

        Assert.StartsWith("the checkpoint path is empty", Assert.Throws<ArgumentException>(() => Checkpoint.CheckWritable("")).Message);
        Assert.StartsWith("the checkpoint path is empty", Assert.Throws<ArgumentException>(() => Checkpoint.Save(" ", model, adam)).Message);
        string directory = Path.GetTempPath();
        Assert.StartsWith($"'{directory}' is a directory; a checkpoint needs a file name", Assert.Throws<ArgumentException>(() => Checkpoint.CheckWritable(directory)).Message);
        Assert.StartsWith($"'{directory}' is a directory", Assert.Throws<ArgumentException>(() => Checkpoint.Save(directory, model.Parameters, adam)).Message);

        string path = TempPath();
        Checkpoint.CheckWritable(path);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"));
    }
}
