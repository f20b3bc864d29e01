using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Simd.Network;

/// <summary>
/// Saves and loads a model's parameters and its optimizer's state.
/// </summary>
/// <remarks>
/// <para>Format, version 3, little-endian (versions 1 and 2, without the layers and, for 1, the metadata, are still read):</para>
/// <code>
/// magic          8 bytes  "SIMDNET1"
/// version        u32      3
/// parameters     u32      P, then P × { name length u16, name UTF-8, rows i32, cols i32, is-weight u8 }
/// layers         u32      L, then L × { name length u16, name UTF-8, architecture length u16, architecture UTF-8 }
/// arena length   i32      floats in the parameter arena (padding included)
/// optimizer      name length u16, name UTF-8 ("" when none), step i64, state arrays u32 S
/// metadata       u32      M, then M × { key length u16, key UTF-8, value length u16, value UTF-8 }
/// values         arena length × f32
/// state          S × arena length × f32
/// checksum       u32      CRC-32 of every byte before it
/// </code>
/// <para>Saving writes a temporary file beside the target, flushes it to disk and renames it over the
/// target, so a crash leaves either the old file or the new one, never a half-written model. Loading
/// checks magic, version, length, checksum and that every parameter's name and shape match the
/// model, and reads into the model only after all checks passed: a bad file changes nothing.
/// Saving refuses parameters or optimizer state holding NaN or ±∞: such a file is never written.</para>
/// <para>Layers: the overloads that take a <see cref="Model"/> or a <see cref="SequenceModel"/> record each
/// layer's name and architecture (<see cref="Layer.Architecture"/>: kind, sizes, activation), and loading
/// into a model refuses a file whose layers differ, naming both, even when every parameter shape matches
/// (a ReLU model's weights are not a tanh model's). Files saved from a bare <see cref="ParameterArena"/>
/// (L = 0) and files of versions 1 and 2 carry no layers; for them only names and shapes are checked.</para>
/// <para>Optimizer: saving writes the state of an optimizer bound to this model (one that never trained
/// has none and is written as no optimizer); loading binds an unbound optimizer of the file's kind to the
/// model and restores its state and step. An optimizer bound to another model is refused by both
/// (InvalidOperationException), before anything is written or changed.</para>
/// </remarks>
public static class Checkpoint
{
    private static ReadOnlySpan<byte> Magic => "SIMDNET1"u8;
    /// <summary>Magic, version, parameter count, arena length, empty optimizer name, step, state count, checksum.</summary>
    private const int MinimumLength = 8 + 4 + 4 + 4 + 2 + 8 + 4 + 4;
    /// <summary>The format version this code writes (it also reads versions 1 and 2).</summary>
    public const uint Version = 3;

    /// <summary>
    /// Writes <paramref name="model"/>'s layers (names and architectures) and parameters,
    /// <paramref name="optimizer"/>'s state and <paramref name="metadata"/> to <paramref name="path"/> atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter or an optimizer state value is NaN or infinite (the message names the first one); no file was written.</exception>
    /// <exception cref="ArgumentException">The path is empty or a directory (see <see cref="CheckWritable"/>).</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void Save(string path, Model model, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(path, model.Parameters, LayersOf(model), optimizer, metadata);
    }

    /// <summary>Writes a sequence model (its embedding or input size, recurrent layers and output layer, and parameters) like <see cref="Save(string, Model, Optimizer?, IReadOnlyDictionary{string, string}?)"/>.</summary>
    /// <exception cref="InvalidOperationException">A parameter or an optimizer state value is NaN or infinite; no file was written.</exception>
    public static void Save(string path, SequenceModel model, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(path, model.Parameters, LayersOf(model), optimizer, metadata);
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="model"/> (and the optimizer's state when the file
    /// has it and <paramref name="optimizer"/> is of the same kind), after checking that the file's layers
    /// (when it records them) and parameters are the model's.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or its
    /// layers or parameters differ from the model's (the message names both). Nothing was changed.</exception>
    public static void Load(string path, Model model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        Deserialize(ReadFile(path), path, model.Parameters, LayersOf(model), optimizer);
    }

    /// <summary>Reads <paramref name="path"/> into a sequence model, like <see cref="Load(string, Model, Optimizer?)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or its layers or parameters differ from the model's. Nothing was changed.</exception>
    public static void Load(string path, SequenceModel model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        Deserialize(ReadFile(path), path, model.Parameters, LayersOf(model), optimizer);
    }

    /// <summary>The bytes of a checkpoint file; a directory is refused by name rather than as "access denied".</summary>
    private static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new ArgumentException($"'{path}' is a directory, not a checkpoint file", nameof(path));
        return File.ReadAllBytes(path);
    }

    /// <summary>Writes <paramref name="arena"/> and <paramref name="optimizer"/> state to <paramref name="path"/> atomically, without layers (prefer the overload that takes the model).</summary>
    /// <exception cref="InvalidOperationException">A parameter or an optimizer state value is NaN or infinite (the message names the first one); no file was written.</exception>
    public static void Save(string path, ParameterArena arena, Optimizer? optimizer) => Save(path, arena, optimizer, null);

    /// <summary>
    /// Writes <paramref name="arena"/>, <paramref name="optimizer"/> state and <paramref name="metadata"/>
    /// (what a program needs to rebuild the model: cell type, sizes, alphabet) to <paramref name="path"/> atomically,
    /// without layers (prefer the overload that takes the model).
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter or an optimizer state value is NaN or infinite (the message names the first one); no file was written.</exception>
    public static void Save(string path, ParameterArena arena, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata) =>
        Write(path, arena, [], optimizer, metadata);

    private static void Write(string path, ParameterArena arena, LayerRecord[] layers, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(arena);
        string full = TargetPath(path);
        if (!arena.IsSealed) throw new InvalidOperationException("cannot save a model whose parameters are not allocated");
        optimizer?.CheckAttachable(arena);
        if (optimizer is not null && !optimizer.IsAttachedTo(arena)) optimizer = null; // never used: no state to save
        RequireFinite(arena, optimizer);
        byte[] bytes = Serialize(arena, layers, optimizer, metadata);
        string temporary = TemporaryPath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(path, temporary, error);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Checks, without writing it, that a checkpoint can be saved at <paramref name="path"/>: the path is a
    /// file name (not empty, not a directory) in an existing directory where a new file can be created
    /// (a temporary file is created and deleted). Call it before training, so a bad path fails first.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty, invalid or a directory.</exception>
    /// <exception cref="DirectoryNotFoundException">Its directory does not exist.</exception>
    /// <exception cref="IOException">A file cannot be created there (the message names <paramref name="path"/>).</exception>
    public static void CheckWritable(string path)
    {
        string full = TargetPath(path);
        string temporary = TemporaryPath(full);
        try
        {
            using (new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(path, temporary, error);
        }
    }

    /// <summary>The full path of a checkpoint to write, after the checks that need no file system write.</summary>
    private static string TargetPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Trim().Length == 0) throw new ArgumentException("the checkpoint path is empty", nameof(path));
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception error) when (error is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"'{path}' is not a valid file path ({error.Message})", nameof(path), error);
        }
        if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path))
            throw new ArgumentException($"'{path}' is a directory; a checkpoint needs a file name", nameof(path));
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"cannot write '{path}': the directory '{directory}' does not exist");
        return full;
    }

    /// <summary>Written beside the target and renamed over it, so a crash never leaves half a checkpoint under the target's name.</summary>
    private static string TemporaryPath(string full) => $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>A write error that names the user's path rather than the temporary file.</summary>
    private static IOException WriteFailure(string path, string temporary, Exception error) =>
        new($"cannot write '{path}': {(error is UnauthorizedAccessException ? $"no permission to create files in '{Path.GetDirectoryName(temporary)}'" : error.Message.Replace(temporary, path, StringComparison.Ordinal))}", error);

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="arena"/> (and the optimizer's state when the
    /// file has it and <paramref name="optimizer"/> is of the same kind). Only parameter names and shapes
    /// are checked: prefer the overload that takes the model, which also checks the layers.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or
    /// its parameters do not match the model's names and shapes. Nothing was changed.</exception>
    public static void Load(string path, ParameterArena arena, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(arena);
        Deserialize(ReadFile(path), path, arena, null, optimizer);
    }

    /// <summary>One layer as a checkpoint records it.</summary>
    internal readonly record struct LayerRecord(string Name, string Architecture);

    private static LayerRecord[] LayersOf(Model model) => [.. model.Layers.Select(l => new LayerRecord(l.Name, l.Architecture))];

    private static LayerRecord[] LayersOf(SequenceModel model)
    {
        var layers = new List<LayerRecord>
        {
            model.ReadsTokens ? new("embedding", $"Embedding {model.Vocabulary} × {model.EmbeddingSize}") : new("input", $"Features {model.EmbeddingSize}"),
        };
        foreach (RecurrentLayer layer in model.Layers)
            layers.Add(new(layer.Name, layer is Elman elman
                ? $"Elman {elman.InputSize} → {elman.HiddenSize}, {elman.Activation}"
                : $"{layer.GetType().Name} {layer.InputSize} → {layer.HiddenSize}"));
        layers.Add(new(model.Output.Name, model.Output.Architecture));
        return [.. layers];
    }

    private static void RequireFinite(ParameterArena arena, Optimizer? optimizer)
    {
        foreach (Parameter parameter in arena.Parameters)
        {
            int index = FirstNonFinite(arena.ValuesOf(parameter));
            if (index >= 0)
                throw new InvalidOperationException($"refusing to save: {parameter.Name}[{index}] is {arena.ValuesOf(parameter)[index]}");
        }
        IReadOnlyList<float[]> state = optimizer?.State ?? [];
        for (int s = 0; s < state.Count; s++)
        {
            int index = FirstNonFinite(state[s]);
            if (index >= 0)
                throw new InvalidOperationException($"refusing to save: {optimizer!.Name} state array {s} holds {state[s][index]} at arena offset {index}");
        }
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>The metadata saved with a checkpoint (empty for version 1 files), after checking magic, version and checksum.</summary>
    /// <exception cref="InvalidDataException">The file is not an intact checkpoint.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        byte[] bytes = ReadFile(path);
        var reader = Header(bytes, path, out uint version);
        int count = reader.Count("parameter");
        for (int i = 0; i < count; i++) { reader.Name(); reader.Int32(); reader.Int32(); reader.Byte(); }
        if (version >= 3) ReadLayers(ref reader);
        reader.Int32();
        reader.Name();
        reader.Int64();
        reader.UInt32();
        return version >= 2 ? ReadMetadata(ref reader) : new Dictionary<string, string>();
    }

    internal static byte[] Serialize(ParameterArena arena, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null) =>
        Serialize(arena, [], optimizer, metadata);

    internal static byte[] Serialize(ParameterArena arena, IReadOnlyList<LayerRecord> layers, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null)
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
            writer.Write((uint)(metadata?.Count ?? 0));
            foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
            {
                WriteName(writer, key);
                WriteName(writer, value);
            }
            writer.Write(MemoryMarshal.AsBytes(arena.Values));
            foreach (float[] buffer in state) writer.Write(MemoryMarshal.AsBytes(buffer.AsSpan()));
        }
        uint crc = Crc32.Append(0, stream.GetBuffer().AsSpan(0, (int)stream.Length));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
        stream.Write(tail);
        return stream.ToArray();
    }

    internal static void Deserialize(ReadOnlySpan<byte> bytes, string source, ParameterArena arena, Optimizer? optimizer) =>
        Deserialize(bytes, source, arena, null, optimizer);

    /// <summary>Checks <paramref name="bytes"/> against the arena and, when both the file and <paramref name="layers"/> have them, the layers; then copies.</summary>
    internal static void Deserialize(ReadOnlySpan<byte> bytes, string source, ParameterArena arena, IReadOnlyList<LayerRecord>? layers, Optimizer? optimizer)
    {
        optimizer?.CheckAttachable(arena);
        var reader = Header(bytes, source, out uint version);
        int count = reader.Count("parameter");
        var parameters = new List<Parameter>();
        for (int i = 0; i < count; i++)
            parameters.Add(new Parameter(reader.Name(), reader.Int32(), reader.Int32(), 0, reader.Byte() != 0));
        LayerRecord[] fileLayers = version >= 3 ? ReadLayers(ref reader) : [];
        int arenaLength = reader.Int32();
        string optimizerName = reader.Name();
        long step = reader.Int64();
        int stateCount = reader.Count("optimizer state array");
        if (version >= 2) ReadMetadata(ref reader);
        long payload = (long)arenaLength * 4 * (1 + stateCount);
        if (arenaLength < 0 || reader.Remaining != payload)
            throw new InvalidDataException($"{source}: truncated or padded checkpoint: {reader.Remaining} bytes of tensors, header says {payload}");

        if (layers is not null && fileLayers.Length > 0)
        {
            if (fileLayers.Length != layers.Count)
                throw new InvalidDataException($"{source}: holds {fileLayers.Length} layers ({Describe(fileLayers)}), the model has {layers.Count} ({Describe(layers)})");
            for (int i = 0; i < fileLayers.Length; i++)
                if (fileLayers[i] != layers[i])
                    throw new InvalidDataException($"{source}: layer {i + 1} is {fileLayers[i].Name}: {fileLayers[i].Architecture} in the file but {layers[i].Name}: {layers[i].Architecture} in the model");
        }

        if (parameters.Count != arena.Parameters.Count)
            throw new InvalidDataException($"{source}: has {parameters.Count} parameters, the model has {arena.Parameters.Count}");
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter file = parameters[i], model = arena.Parameters[i];
            if (file.Name != model.Name || file.Rows != model.Rows || file.Cols != model.Cols)
                throw new InvalidDataException($"{source}: parameter {i} is '{file.Name}' {file.Rows}×{file.Cols}, the model's is '{model.Name}' {model.Rows}×{model.Cols}");
        }
        if (arenaLength != arena.Length)
            throw new InvalidDataException($"{source}: arena of {arenaLength} floats, the model's has {arena.Length}");
        bool loadState = optimizer is not null && optimizerName == optimizer.Name;
        if (loadState)
        {
            optimizer!.Attach(arena);
            if (stateCount != optimizer.State.Count)
                throw new InvalidDataException($"{source}: {stateCount} {optimizerName} state arrays, this {optimizer.Name} optimizer has {optimizer.State.Count}");
        }

        ReadOnlySpan<byte> tensors = reader.Rest;
        int arenaBytes = arenaLength * 4;
        MemoryMarshal.Cast<byte, float>(tensors[..arenaBytes]).CopyTo(arena.Values);
        if (loadState)
        {
            for (int s = 0; s < stateCount; s++)
                MemoryMarshal.Cast<byte, float>(tensors.Slice(arenaBytes * (1 + s), arenaBytes)).CopyTo(optimizer!.State[s]);
            optimizer!.Step = step;
        }
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
        public string Name() => Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadUInt16LittleEndian(Take(2))));
    }
}
