using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Simd.Network;

/// <summary>The checkpoint's byte layout (see <see cref="Checkpoint"/>'s remarks): writing, and reading with every check.</summary>
public static partial class Checkpoint
{
    /// <summary>The metadata saved with a checkpoint (empty for version 1 files), after checking magic, version and checksum.</summary>
    /// <exception cref="InvalidDataException">The file is not an intact checkpoint.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path) => ReadInfo(path).Metadata;

    /// <summary>
    /// Everything <paramref name="path"/> holds except the tensors' values: version, layers, parameter shapes, the
    /// optimizer's kind, step and hyper-parameters, the training progress (with its tensors) and the metadata,
    /// after checking magic, version, lengths and checksum.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an intact checkpoint; the message names <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException">The path is empty or a directory.</exception>
    public static CheckpointInfo ReadInfo(string path) => Inspect(ReadFile(path), path);

    internal static CheckpointInfo Inspect(ReadOnlySpan<byte> bytes, string source)
    {
        FileHeader header = Parse(bytes, source, out ReadOnlySpan<byte> tensors);
        var progress = new TrainingProgress();
        foreach ((string name, long value) in header.Counters) progress.Counters[name] = value;
        int offset = header.ArenaLength * 4 * (1 + header.StateCount);
        foreach ((string name, int length) in header.Tensors)
        {
            progress.Tensors[name] = MemoryMarshal.Cast<byte, float>(tensors.Slice(offset, length * 4)).ToArray();
            offset += length * 4;
        }
        return new CheckpointInfo(header.Version, [.. header.Layers.Select(l => $"{l.Name}: {l.Architecture}")],
            [.. header.Parameters.Select(p => (p.Name, p.Rows, p.Cols))], header.OptimizerName, header.Step, header.HyperParameters, progress, header.Metadata);
    }

    internal static byte[] Serialize(ParameterArena arena, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null, TrainingProgress? progress = null) =>
        Serialize(arena, [], optimizer, metadata, progress);

    internal static byte[] Serialize(ParameterArena arena, IReadOnlyList<LayerRecord> layers, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null, TrainingProgress? progress = null)
    {
        IReadOnlyList<float[]> state = optimizer?.State ?? [];
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((uint)arena.Parameters.Count);
            foreach (Parameter parameter in arena.Parameters)
            {
                WriteName(writer, parameter.Name);
                writer.Write(parameter.Rows);
                writer.Write(parameter.Cols);
                writer.Write(parameter.IsWeight ? (byte)1 : (byte)0);
            }
            writer.Write((uint)layers.Count);
            foreach (LayerRecord layer in layers)
            {
                WriteName(writer, layer.Name);
                WriteName(writer, layer.Architecture);
            }
            writer.Write(arena.Length);
            WriteName(writer, optimizer?.Name ?? "");
            writer.Write(optimizer?.Step ?? 0L);
            writer.Write((uint)state.Count);
            IReadOnlyList<KeyValuePair<string, float>> hyperParameters = optimizer?.HyperParameters ?? [];
            writer.Write((uint)hyperParameters.Count);
            foreach ((string name, float value) in hyperParameters)
            {
                WriteName(writer, name);
                writer.Write(value);
            }
            writer.Write((uint)(progress?.Counters.Count ?? 0));
            foreach ((string name, long value) in progress?.Counters ?? [])
            {
                WriteName(writer, name);
                writer.Write(value);
            }
            writer.Write((uint)(progress?.Tensors.Count ?? 0));
            foreach ((string name, float[] tensor) in progress?.Tensors ?? [])
            {
                WriteName(writer, name);
                writer.Write(tensor.Length);
            }
            writer.Write((uint)(metadata?.Count ?? 0));
            foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
            {
                WriteName(writer, key);
                WriteName(writer, value);
            }
            writer.Write(MemoryMarshal.AsBytes(arena.Values));
            foreach (float[] buffer in state) writer.Write(MemoryMarshal.AsBytes(buffer.AsSpan()));
            if (progress is not null)
                foreach (float[] tensor in progress.Tensors.Values) writer.Write(MemoryMarshal.AsBytes(tensor.AsSpan()));
        }
        uint crc = Crc32.Append(0, stream.GetBuffer().AsSpan(0, (int)stream.Length));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
        stream.Write(tail);
        return stream.ToArray();
    }

    internal static void Deserialize(ReadOnlySpan<byte> bytes, string source, ParameterArena arena, Optimizer? optimizer) =>
        Deserialize(bytes, source, arena, null, optimizer);

    /// <summary>
    /// Checks <paramref name="bytes"/> against the arena, the layers (when both the file and <paramref name="layers"/> have them)
    /// and the optimizer (kind and, from version 4, hyper-parameters); then copies.
    /// </summary>
    internal static void Deserialize(ReadOnlySpan<byte> bytes, string source, ParameterArena arena, IReadOnlyList<LayerRecord>? layers, Optimizer? optimizer)
    {
        optimizer?.CheckAttachable(arena);
        FileHeader header = Parse(bytes, source, out ReadOnlySpan<byte> tensors);
        LayerRecord[] fileLayers = header.Layers;
        if (layers is not null && fileLayers.Length > 0)
        {
            if (fileLayers.Length != layers.Count)
                throw new InvalidDataException($"{source}: holds {fileLayers.Length} layers ({Describe(fileLayers)}), the model has {layers.Count} ({Describe(layers)})");
            for (int i = 0; i < fileLayers.Length; i++)
                if (fileLayers[i] != layers[i])
                    throw new InvalidDataException($"{source}: layer {i + 1} is {fileLayers[i].Name}: {fileLayers[i].Architecture} in the file but {layers[i].Name}: {layers[i].Architecture} in the model");
        }

        List<Parameter> parameters = header.Parameters;
        if (parameters.Count != arena.Parameters.Count)
            throw new InvalidDataException($"{source}: has {parameters.Count} parameters, the model has {arena.Parameters.Count}");
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter file = parameters[i], model = arena.Parameters[i];
            if (file.Name != model.Name || file.Rows != model.Rows || file.Cols != model.Cols)
                throw new InvalidDataException($"{source}: parameter {i} is '{file.Name}' {file.Rows}×{file.Cols}, the model's is '{model.Name}' {model.Rows}×{model.Cols}");
        }
        int arenaLength = header.ArenaLength;
        if (arenaLength != arena.Length)
            throw new InvalidDataException($"{source}: arena of {arenaLength} floats, the model's has {arena.Length}");
        bool loadState = optimizer is not null && header.OptimizerName.Length > 0;
        if (loadState)
        {
            string saved = header.Version >= 4 ? Optimizer.Describe(header.OptimizerName, header.HyperParameters) : header.OptimizerName;
            if (header.OptimizerName != optimizer!.Name)
                throw new InvalidDataException($"{source}: holds the state of a {saved} optimizer, not of this {optimizer}; give a {header.OptimizerName} optimizer, or none to read the parameters only");
            if (header.Version >= 4 && !SameHyperParameters(header.HyperParameters, optimizer.HyperParameters))
                throw new InvalidDataException($"{source}: holds the state of a {saved} optimizer, but this one is {optimizer}; give one with the saved hyper-parameters, or none to read the parameters only");
            optimizer.Attach(arena);
            if (header.StateCount != optimizer.State.Count)
                throw new InvalidDataException($"{source}: {header.StateCount} {header.OptimizerName} state arrays, this {optimizer.Name} optimizer has {optimizer.State.Count}");
        }

        int arenaBytes = arenaLength * 4;
        MemoryMarshal.Cast<byte, float>(tensors[..arenaBytes]).CopyTo(arena.Values);
        if (loadState)
        {
            for (int s = 0; s < header.StateCount; s++)
                MemoryMarshal.Cast<byte, float>(tensors.Slice(arenaBytes * (1 + s), arenaBytes)).CopyTo(optimizer!.State[s]);
            optimizer!.Step = header.Step;
        }
    }

    /// <summary>Same names in the same order and bitwise the same values.</summary>
    private static bool SameHyperParameters(IReadOnlyList<KeyValuePair<string, float>> saved, IReadOnlyList<KeyValuePair<string, float>> given)
    {
        if (saved.Count != given.Count) return false;
        for (int i = 0; i < saved.Count; i++)
            if (saved[i].Key != given[i].Key || BitConverter.SingleToInt32Bits(saved[i].Value) != BitConverter.SingleToInt32Bits(given[i].Value)) return false;
        return true;
    }

    /// <summary>Everything before the tensors, as read (and checked for consistency with the file's length).</summary>
    private sealed class FileHeader
    {
        public uint Version;
        public List<Parameter> Parameters = [];
        public LayerRecord[] Layers = [];
        public int ArenaLength;
        public string OptimizerName = "";
        public long Step;
        public int StateCount;
        public List<KeyValuePair<string, float>> HyperParameters = [];
        public List<KeyValuePair<string, long>> Counters = [];
        public List<KeyValuePair<string, int>> Tensors = [];
        public Dictionary<string, string> Metadata = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Checks magic, version and checksum, reads the header of any version, and checks that the tensors that follow
    /// have exactly the announced length; <paramref name="tensors"/> is the values, the state arrays and the progress tensors.
    /// </summary>
    private static FileHeader Parse(ReadOnlySpan<byte> bytes, string source, out ReadOnlySpan<byte> tensors)
    {
        var reader = Header(bytes, source, out uint version);
        var header = new FileHeader { Version = version };
        int count = reader.Count("parameter");
        for (int i = 0; i < count; i++)
            header.Parameters.Add(new Parameter(reader.Name(), reader.Int32(), reader.Int32(), 0, reader.Byte() != 0));
        if (version >= 3) header.Layers = ReadLayers(ref reader);
        header.ArenaLength = reader.Int32();
        header.OptimizerName = reader.Name();
        header.Step = reader.Int64();
        header.StateCount = reader.Count("optimizer state array");
        long tensorFloats = 0;
        if (version >= 4)
        {
            int hyperParameters = reader.Count("optimizer hyper-parameter");
            for (int i = 0; i < hyperParameters; i++) header.HyperParameters.Add(new(reader.Name(), reader.Single()));
            int counters = reader.Count("progress counter");
            for (int i = 0; i < counters; i++) header.Counters.Add(new(reader.Name(), reader.Int64()));
            int progressTensors = reader.Count("progress tensor");
            for (int i = 0; i < progressTensors; i++)
            {
                string name = reader.Name();
                int length = reader.Int32();
                if (length < 0) throw new InvalidDataException($"{source}: corrupted checkpoint: progress tensor '{name}' has length {length}");
                header.Tensors.Add(new(name, length));
                tensorFloats += length;
            }
        }
        if (version >= 2) header.Metadata = ReadMetadata(ref reader);
        long payload = ((long)header.ArenaLength * (1 + header.StateCount) + tensorFloats) * 4;
        if (header.ArenaLength < 0 || reader.Remaining != payload)
            throw new InvalidDataException($"{source}: truncated or padded checkpoint: {reader.Remaining} bytes of tensors, header says {payload}");
        tensors = reader.Rest;
        return header;
    }

    /// <summary>Checks magic, version and checksum; returns a reader positioned after the version.</summary>
    private static Reader Header(ReadOnlySpan<byte> bytes, string source, out uint version)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints are little-endian");
        int prefix = Math.Min(bytes.Length, Magic.Length);
        if (!bytes[..prefix].SequenceEqual(Magic[..prefix]))
            throw new InvalidDataException($"{source}: not a Simd checkpoint (it does not start with \"SIMDNET1\")");
        if (bytes.Length < MinimumLength)
            throw new InvalidDataException($"{source}: truncated Simd checkpoint ({bytes.Length} bytes; even an empty one has {MinimumLength})");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Magic.Length..]);
        if (version is < 1 or > Version) throw new InvalidDataException($"{source}: checkpoint version {version}, this program reads versions 1 to {Version}");
        uint actual = Crc32.Append(0, bytes[..^4]);
        if (actual != stored)
            throw new InvalidDataException($"{source}: checksum mismatch (stored {stored:X8}, computed {actual:X8}): the file is truncated or corrupted");
        return new Reader(bytes[..^4], source, Magic.Length + 4);
    }

    private static LayerRecord[] ReadLayers(ref Reader reader)
    {
        int count = reader.Count("layer");
        var layers = new List<LayerRecord>();
        for (int i = 0; i < count; i++) layers.Add(new LayerRecord(reader.Name(), reader.Name()));
        return [.. layers];
    }

    private static string Describe(IEnumerable<LayerRecord> layers) => string.Join("; ", layers.Select(l => $"{l.Name}: {l.Architecture}"));

    private static Dictionary<string, string> ReadMetadata(ref Reader reader)
    {
        int count = reader.Count("metadata entry");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = reader.Name();
            metadata[key] = reader.Name();
        }
        return metadata;
    }

    private static void WriteName(BinaryWriter writer, string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        if (utf8.Length > ushort.MaxValue) throw new ArgumentException($"name '{name[..32]}…' is too long for a checkpoint");
        writer.Write((ushort)utf8.Length);
        writer.Write(utf8);
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes, string source, int position)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position = position;

        public readonly long Remaining => _bytes.Length - _position;
        public readonly ReadOnlySpan<byte> Rest => _bytes[_position..];

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _position + count > _bytes.Length)
                throw new InvalidDataException($"{source}: truncated checkpoint (header ends at byte {_bytes.Length})");
            ReadOnlySpan<byte> slice = _bytes.Slice(_position, count);
            _position += count;
            return slice;
        }

        /// <summary>
        /// A count of <paramref name="what"/> items. Each item takes at least one byte, so a count above the
        /// bytes left is corruption (reported here rather than as an overflow or a huge allocation).
        /// </summary>
        public int Count(string what)
        {
            uint count = UInt32();
            if (count > Remaining)
                throw new InvalidDataException($"{source}: corrupted checkpoint: {count} {what}s announced but only {Remaining} bytes follow");
            return (int)count;
        }

        public byte Byte() => Take(1)[0];
        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        public string Name() => Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadUInt16LittleEndian(Take(2))));
    }
}
