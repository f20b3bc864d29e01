using System.Globalization;

namespace Simd.Network;

/// <summary>
/// A labelled classification data set held in memory: <see cref="Count"/> examples of
/// <see cref="FeatureCount"/> floats each (row-major), and one label in [0, <see cref="ClassCount"/>) per example.
/// </summary>
public sealed class Dataset
{
    /// <summary>(Count, FeatureCount) row-major.</summary>
    public float[] Features { get; }
    /// <summary>(Count) labels in [0, ClassCount).</summary>
    public int[] Labels { get; }
    /// <summary>Floats per example.</summary>
    public int FeatureCount { get; }
    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }
    /// <summary>Where the data came from, for messages.</summary>
    public string Source { get; }
    /// <summary>Number of examples.</summary>
    public int Count => Labels.Length;

    /// <summary>Wraps the arrays after checking their shapes and labels.</summary>
    /// <exception cref="ArgumentException">Shapes disagree or a label is out of range.</exception>
    public Dataset(float[] features, int[] labels, int featureCount, int classCount, string source)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException($"{source}: features has {features.Length} floats but {labels.Length} examples × {featureCount} features need {(long)labels.Length * featureCount}", nameof(features));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"{source}: example {i} has label {labels[i]}, outside [0, {classCount})", nameof(labels));
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
        Source = source;
    }

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Example(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>
    /// Splits into a training and a test set after a seeded shuffle: the same seed gives the same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not in (0, 1).</exception>
    /// <exception cref="InvalidOperationException">The data set has fewer than 2 examples.</exception>
    public (Dataset Train, Dataset Test) Split(double testFraction, ulong seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "the test fraction must be in (0, 1)");
        if (Count < 2)
            throw new InvalidOperationException($"{Source} has {Count} example{(Count == 1 ? "" : "s")}; a training and a test set need at least 2");
        int[] order = [.. Enumerable.Range(0, Count)];
        new Rng(seed).Shuffle(order.AsSpan());
        int testCount = Math.Clamp((int)Math.Round(Count * testFraction), 1, Count - 1);
        return (Subset(order.AsSpan(testCount), "train"), Subset(order.AsSpan(0, testCount), "test"));
    }

    /// <summary>The examples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices, string name)
    {
        var features = new float[indices.Length * FeatureCount];
        var labels = new int[indices.Length];
        Gather(indices, features, labels);
        return new Dataset(features, labels, FeatureCount, ClassCount, $"{Source} ({name})");
    }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/>, in that order, into a batch without allocating:
    /// features[i·FeatureCount .. (i+1)·FeatureCount) and labels[i] for i &lt; indices.Length (a shuffled minibatch).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="features"/> holds fewer than indices.Length × FeatureCount floats, or
    /// <paramref name="labels"/> fewer than indices.Length entries.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Count); the entries before it were copied.</exception>
    public void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        if (features.Length < (long)indices.Length * FeatureCount)
            throw new ArgumentException($"features has {features.Length} floats but {indices.Length} examples × {FeatureCount} features need {(long)indices.Length * FeatureCount}", nameof(features));
        if (labels.Length < indices.Length)
            throw new ArgumentException($"labels has {labels.Length} entries for {indices.Length} examples", nameof(labels));
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"index {index} at position {i} is outside [0, {Count}) ({Source})");
            Example(index).CopyTo(features.Slice(i * FeatureCount, FeatureCount));
            labels[i] = Labels[index];
        }
    }

    /// <summary>
    /// Opens a file for reading, transparently decompressing gzip (detected by its magic bytes). A gzip
    /// file is decompressed into memory first and checked against its trailer (CRC-32 and length).
    /// </summary>
    /// <exception cref="InvalidDataException">The gzip data is truncated or corrupted; the message names the file.</exception>
    public static Stream OpenMaybeGzip(string path) => new MemoryStream(GzipFile.ReadAll(path), writable: false);

    /// <summary>
    /// Loads the 8×8 digits CSV (optionally gzip-compressed): per line 64 pixel values in 0..16, then the
    /// label 0..9. Pixels are scaled to [0, 1].
    /// </summary>
    /// <exception cref="InvalidDataException">A line has the wrong number of fields, a bad number, or a value out of range (the message names the
    /// line), or the gzip data is truncated or corrupted (the message names the file).</exception>
    public static Dataset LoadDigitsCsv(string path)
    {
        const int pixels = 64;
        var features = new List<float>();
        var labels = new List<int>();
        using var reader = new StreamReader(OpenMaybeGzip(path));
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(',');
            if (fields.Length != pixels + 1)
                throw new InvalidDataException($"{path}:{lineNumber}: {fields.Length} fields, expected {pixels} pixels and a label");
            for (int i = 0; i <= pixels; i++)
            {
                if (!int.TryParse(fields[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
                    throw new InvalidDataException($"{path}:{lineNumber}: field {i + 1} '{fields[i]}' is not an integer");
                if (i < pixels)
                {
                    if (value is < 0 or > 16) throw new InvalidDataException($"{path}:{lineNumber}: pixel {i + 1} is {value}, outside 0..16");
                    features.Add(value / 16f);
                }
                else
                {
                    if (value is < 0 or > 9) throw new InvalidDataException($"{path}:{lineNumber}: label {value} is outside 0..9");
                    labels.Add(value);
                }
            }
        }
        if (labels.Count == 0) throw new InvalidDataException($"{path}: no examples");
        return new Dataset([.. features], [.. labels], pixels, 10, Path.GetFileName(path));
    }

    /// <summary>
    /// Loads an MNIST-format pair of IDX files (optionally gzip-compressed): images with magic 0x00000803
    /// (count, rows, cols, unsigned bytes) and labels with magic 0x00000801 (count, unsigned bytes).
    /// Pixels are scaled to [0, 1]; the class count is 10.
    /// </summary>
    /// <exception cref="InvalidDataException">Bad magic, inconsistent counts, truncated data or labels above 9.</exception>
    public static Dataset LoadIdx(string imagesPath, string labelsPath)
    {
        byte[] images = ReadAll(imagesPath), labelBytes = ReadAll(labelsPath);
        if (images.Length < 16 || ReadBigEndian(images, 0) != 0x00000803)
            throw new InvalidDataException($"{imagesPath}: not an IDX image file (expected magic 0x00000803)");
        if (labelBytes.Length < 8 || ReadBigEndian(labelBytes, 0) != 0x00000801)
            throw new InvalidDataException($"{labelsPath}: not an IDX label file (expected magic 0x00000801)");
        int count = ReadBigEndian(images, 4), rows = ReadBigEndian(images, 8), cols = ReadBigEndian(images, 12);
        int labelCount = ReadBigEndian(labelBytes, 4);
        if (count <= 0 || rows <= 0 || cols <= 0 || (long)rows * cols > 1 << 20)
            throw new InvalidDataException($"{imagesPath}: implausible header: {count} images of {rows}×{cols}");
        if (labelCount != count)
            throw new InvalidDataException($"{labelsPath}: {labelCount} labels for {count} images in {imagesPath}");
        long expected = 16 + (long)count * rows * cols;
        if (images.Length != expected)
            throw new InvalidDataException($"{imagesPath}: {images.Length} bytes, header says {expected}");
        if (labelBytes.Length != 8 + count)
            throw new InvalidDataException($"{labelsPath}: {labelBytes.Length} bytes, header says {8 + count}");
        int featureCount = rows * cols;
        var features = new float[(long)count * featureCount];
        for (long i = 0; i < features.Length; i++) features[i] = images[16 + i] / 255f;
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = labelBytes[8 + i];
            if (labels[i] > 9) throw new InvalidDataException($"{labelsPath}: label {i} is {labels[i]}, outside 0..9");
        }
        return new Dataset(features, labels, featureCount, 10, Path.GetFileName(imagesPath));
    }

    /// <summary>
    /// Loads the MNIST / Fashion-MNIST training and test sets from <paramref name="directory"/>
    /// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz).
    /// </summary>
    public static (Dataset Train, Dataset Test) LoadMnistDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"data directory '{directory}' does not exist");
        string Find(string stem) =>
            new[] { stem, stem + ".gz" }.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{directory} has no {stem} or {stem}.gz (MNIST IDX layout expected)");
        return (LoadIdx(Find("train-images-idx3-ubyte"), Find("train-labels-idx1-ubyte")),
                LoadIdx(Find("t10k-images-idx3-ubyte"), Find("t10k-labels-idx1-ubyte")));
    }

    private static byte[] ReadAll(string path) => GzipFile.ReadAll(path);

    private static int ReadBigEndian(byte[] bytes, int offset) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset, 4));
}
