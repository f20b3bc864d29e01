using System.IO.Compression;

namespace Simd.Network.Tests;

public class DatasetTests
{
    internal static string RepositoryFile(params string[] parts)
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
            if (File.Exists(Path.Combine(directory, "Simd.sln"))) return Path.Combine([directory, .. parts]);
        throw new InvalidOperationException("repository root not found");
    }

    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"simd-{Environment.ProcessId}-{Guid.NewGuid():N}-{name}");

    [Fact]
    public void ShippedDigitsLoad()
    {
        Dataset digits = Dataset.LoadDigitsCsv(RepositoryFile("data", "digits", "digits.csv.gz"));
        Assert.Equal(1797, digits.Count);
        Assert.Equal(64, digits.FeatureCount);
        Assert.Equal(10, digits.ClassCount);
        Assert.All(digits.Features, f => Assert.InRange(f, 0f, 1f));
        Assert.Equal(10, digits.Labels.Distinct().Count());
    }

    [Fact]
    public void GatherCopiesTheListedExamplesInOrderAndChecksItsArguments()
    {
        var data = new Dataset([0, 1, 10, 11, 20, 21, 30, 31], [5, 6, 7, 8], featureCount: 2, classCount: 9, "four");
        float[] features = new float[6];
        int[] labels = new int[3];
        data.Gather([3, 0, 3], features, labels);
        Assert.Equal([30f, 31, 0, 1, 30, 31], features);
        Assert.Equal([8, 5, 8], labels);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => data.Gather([0, 1, 2, 3], features, new int[4])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => data.Gather([0, 1, 2], features, new int[2])).ParamName);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => data.Gather([1, 4], features, labels));
        Assert.Equal("indices", outside.ParamName);
        Assert.Contains("position 1", outside.Message);
    }

    [Fact]
    public void SplitIsSeededAndDisjoint()
    {
        Dataset digits = Dataset.LoadDigitsCsv(RepositoryFile("data", "digits", "digits.csv.gz"));
        var (train, test) = digits.Split(0.2, seed: 11);
        var (train2, test2) = digits.Split(0.2, seed: 11);
        Assert.Equal(1797, train.Count + test.Count);
        Assert.Equal(359, test.Count);
        Assert.Equal(train.Features, train2.Features);
        Assert.Equal(test.Labels, test2.Labels);
        Assert.NotEqual(test.Labels, digits.Split(0.2, seed: 12).Test.Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => digits.Split(1.0, 1));
    }

    [Theory]
    [InlineData("1,2,3\n", "fields")]
    [InlineData("x" + ",0" + ",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n", "not an integer")]
    [InlineData("17,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n", "outside 0..16")]
    [InlineData("0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,10\n", "label 10")]
    [InlineData("", "no examples")]
    public void MalformedDigitsGiveClearErrors(string content, string expected)
    {
        string path = TempFile("digits.csv");
        File.WriteAllText(path, content);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => Dataset.LoadDigitsCsv(path));
            Assert.Contains(expected, error.Message);
        }
        finally { File.Delete(path); }
    }

    private static byte[] IdxImages(int count, int rows, int cols, Func<int, byte> pixel)
    {
        var bytes = new byte[16 + count * rows * cols];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = pixel(i - 16);
        return bytes;
    }

    private static byte[] IdxLabels(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    private static void WriteGzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes);
    }

    [Fact]
    public void IdxLoadsPlainAndGzip()
    {
        string images = TempFile("images"), labels = TempFile("labels.gz");
        File.WriteAllBytes(images, IdxImages(3, 2, 2, i => (byte)(i * 20)));
        WriteGzip(labels, IdxLabels(7, 0, 9));
        try
        {
            Dataset data = Dataset.LoadIdx(images, labels);
            Assert.Equal(3, data.Count);
            Assert.Equal(4, data.FeatureCount);
            Assert.Equal([7, 0, 9], data.Labels);
            Assert.Equal(20 / 255f, data.Features[1]);
        }
        finally { File.Delete(images); File.Delete(labels); }
    }

    [Fact]
    public void MalformedIdxGivesClearErrors()
    {
        string images = TempFile("images"), labels = TempFile("labels");
        try
        {
            File.WriteAllBytes(images, IdxImages(3, 2, 2, _ => 1));
            File.WriteAllBytes(labels, IdxLabels(1, 2));
            Assert.Contains("2 labels for 3 images", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels)).Message);

            File.WriteAllBytes(labels, IdxLabels(1, 2, 3));
            File.WriteAllBytes(images, IdxImages(3, 2, 2, _ => 1)[..^1]);
            Assert.Contains("header says", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels)).Message);

            File.WriteAllBytes(images, IdxLabels(1, 2, 3));
            Assert.Contains("0x00000803", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels)).Message);

            File.WriteAllBytes(images, IdxImages(3, 2, 2, _ => 1));
            File.WriteAllBytes(labels, IdxLabels(1, 12, 3));
            Assert.Contains("outside 0..9", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels)).Message);

            File.WriteAllBytes(labels, [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
            Assert.Equal($"{labels}: truncated gzip file (13 bytes; a gzip file has at least 18)", Assert.Throws<InvalidDataException>(() => Dataset.LoadIdx(images, labels)).Message);
        }
        finally { File.Delete(images); File.Delete(labels); }
    }

    [Fact]
    public void MissingMnistFilesAreNamed()
    {
        string directory = Directory.CreateTempSubdirectory("simd-mnist").FullName;
        try
        {
            Assert.Contains("train-images-idx3-ubyte", Assert.Throws<FileNotFoundException>(() => Dataset.LoadMnistDirectory(directory)).Message);
        }
        finally { Directory.Delete(directory, true); }
        Assert.Throws<DirectoryNotFoundException>(() => Dataset.LoadMnistDirectory(directory));
    }

    [Fact]
    public void ATruncatedOrCorruptedGzipIsAnErrorNamingTheFile()
    {
        byte[] full = File.ReadAllBytes(RepositoryFile("data", "digits", "digits.csv.gz"));
        string path = TempFile("digits.csv.gz");
        try
        {
            // Every 41st cut point, and the cut that used to load 46 of 1,797 rows silently: before the
            // trailer check 27 of 593 cuts taken every 97 bytes loaded without an error.
            foreach (int cut in Enumerable.Range(1, full.Length - 1).Where(c => c % 41 == 0 || c >= full.Length - 9))
            {
                File.WriteAllBytes(path, full[..cut]);
                var error = Assert.Throws<InvalidDataException>(() => Dataset.LoadDigitsCsv(path));
                Assert.StartsWith(path + ": ", error.Message);
                Assert.Contains(cut < 18 ? "truncated gzip file" : "gzip", error.Message);
            }
            byte[] garbage = (byte[])full.Clone();
            for (int i = 100; i < 200; i++) garbage[i] ^= 0x5A;
            File.WriteAllBytes(path, garbage);
            Assert.StartsWith(path + ": ", Assert.Throws<InvalidDataException>(() => Dataset.LoadDigitsCsv(path)).Message);

            // Two members concatenated are one valid gzip file.
            using (var file = File.Create(path))
            {
                foreach (string part in new[] { string.Join(",", Enumerable.Repeat("1", 64)) + ",3\n", string.Join(",", Enumerable.Repeat("2", 64)) + ",4\n" })
                    using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
                        gzip.Write(System.Text.Encoding.ASCII.GetBytes(part));
            }
            Assert.Equal([3, 4], Dataset.LoadDigitsCsv(path).Labels);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SplittingTooFewExamplesSaysSo()
    {
        var one = new Dataset([0.5f, 0.25f], [1], 2, 3, "one.csv");
        Assert.Equal("one.csv has 1 example; a training and a test set need at least 2", Assert.Throws<InvalidOperationException>(() => one.Split(0.5, 1)).Message);
        var (train, test) = new Dataset([0.5f, 0.25f, 1, 0], [1, 2], 2, 3, "two.csv").Split(0.5, 1);
        Assert.Equal(1, train.Count);
        Assert.Equal(1, test.Count);
    }
}
