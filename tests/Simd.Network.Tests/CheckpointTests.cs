namespace Simd.Network.Tests;

public class CheckpointTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"simd-ckpt-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");

    private static (Model Model, Adam Adam) Trained(ulong seed)
    {
        Model model = new ModelBuilder(4).Add(new Dense(4, 6, Kernels.Activation.Relu)).Add(new Dense(6, 3)).Build(seed);
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
        Model other = new ModelBuilder(4).Add(new Dense(4, 7, Kernels.Activation.Relu)).Add(new Dense(7, 3)).Build(1);
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
            Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, target.Parameters, null)).Message);
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

            // Version 1 is version 2 without the metadata count: drop it, set the version, recompute the checksum.
            byte[] v2 = Checkpoint.Serialize(model.Parameters, adam);
            int metadataAt = v2.Length - 4 - 4 * model.Parameters.Length * (1 + adam.State.Count) - 4;
            byte[] v1 = [.. v2[..metadataAt], .. v2[(metadataAt + 4)..^4]];
            BitConverter.GetBytes(1u).CopyTo(v1, 8);
            v1 = [.. v1, .. BitConverter.GetBytes(Crc32.Append(0, v1))];
            File.WriteAllBytes(path, v1);
            Assert.Empty(Checkpoint.ReadMetadata(path));
            var (third, thirdAdam) = Trained(3);
            Checkpoint.Load(path, third.Parameters, thirdAdam);
            Assert.True(model.Parameters.Values.SequenceEqual(third.Parameters.Values));
            Assert.Equal(adam.State[1], thirdAdam.State[1]);
        }
        finally { File.Delete(path); }
    }
}
