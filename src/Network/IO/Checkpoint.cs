using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Simd.Network;

/// <summary>
/// Saves and loads a model's parameters and its optimizer's state.
/// </summary>
/// <remarks>
/// <para>Format, version 4, little-endian (versions 1 to 3 are still read: version 3 lacks the hyper-parameters
/// and the progress, version 2 also the layers, version 1 also the metadata):</para>
/// <code>
/// magic          8 bytes  "SIMDNET1"
/// version        u32      4
/// parameters     u32      P, then P × { name length u16, name UTF-8, rows i32, cols i32, is-weight u8 }
/// layers         u32      L, then L × { name length u16, name UTF-8, architecture length u16, architecture UTF-8 }
/// arena length   i32      floats in the parameter arena (padding included)
/// optimizer      name length u16, name UTF-8 ("" when none), step i64, state arrays u32 S,
///                hyper-parameters u32 H, then H × { name length u16, name UTF-8, value f32 }
/// progress       counters u32 C, then C × { name length u16, name UTF-8, value i64 };
///                tensors u32 T, then T × { name length u16, name UTF-8, length i32 }
/// metadata       u32      M, then M × { key length u16, key UTF-8, value length u16, value UTF-8 }
/// values         arena length × f32
/// state          S × arena length × f32
/// tensors        the T progress tensors' floats, in order
/// checksum       u32      CRC-32 of every byte before it
/// </code>
/// <para>Saving writes a temporary file beside the target, flushes it to disk and renames it over the
/// target, so a crash leaves either the old file or the new one, never a half-written model. Loading
/// checks magic, version, length, checksum and that every parameter's name and shape match the
/// model, and reads into the model only after all checks passed: a bad file changes nothing.
/// Saving refuses parameters, optimizer state or progress tensors holding NaN or ±∞: such a file is never written.</para>
/// <para>Layers: the overloads that take a <see cref="Model"/> or a <see cref="SequenceModel"/> record each
/// layer's name and architecture (<see cref="Layer.Architecture"/>: kind, sizes, activation), and loading
/// into a model refuses a file whose layers differ, naming both, even when every parameter shape matches
/// (a ReLU model's weights are not a tanh model's). Files saved from a bare <see cref="ParameterArena"/>
/// (L = 0) and files of versions 1 and 2 carry no layers; for them only names and shapes are checked.</para>
/// <para>Optimizer: saving writes the kind, hyper-parameters (<see cref="Optimizer.HyperParameters"/>), step and
/// state (Adam's moments, momentum's velocity) of an optimizer bound to this model (one that never trained
/// has none and is written as no optimizer). Loading with an optimizer binds it to the model and restores its
/// state and step; a file whose optimizer is of another kind or (version 4) has other hyper-parameters is
/// refused, naming both. Pass no optimizer (null) to load the parameters only. An optimizer bound to another
/// model is refused by both (InvalidOperationException), before anything is written or changed.</para>
/// <para>Resuming: parameters, optimizer state and step, and the <see cref="TrainingProgress"/> a loop saves
/// (epochs done, its data order, a carried recurrent state) are everything a deterministic loop needs to continue
/// bit for bit as if it had not stopped; <see cref="ReadInfo"/> gives the progress and the optimizer's settings
/// back (<see cref="CheckpointInfo.CreateOptimizer"/>).</para>
/// </remarks>
public static partial class Checkpoint
{
    private static ReadOnlySpan<byte> Magic => "SIMDNET1"u8;
    /// <summary>Magic, version, parameter count, arena length, empty optimizer name, step, state count, checksum.</summary>
    private const int MinimumLength = 8 + 4 + 4 + 4 + 2 + 8 + 4 + 4;
    /// <summary>The format version this code writes (it also reads versions 1 to 3).</summary>
    public const uint Version = 4;

    /// <summary>
    /// Writes <paramref name="model"/>'s layers (names and architectures) and parameters,
    /// <paramref name="optimizer"/>'s kind, hyper-parameters, step and state, <paramref name="metadata"/> and
    /// <paramref name="progress"/> to <paramref name="path"/> atomically.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter, an optimizer state value or a progress tensor value is NaN or infinite (the message names the first one); no file was written.</exception>
    /// <exception cref="ArgumentException">The path is empty or a directory (see <see cref="CheckWritable"/>).</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void Save(string path, Model model, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null, TrainingProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(path, model.Parameters, LayersOf(model), optimizer, metadata, progress);
    }

    /// <summary>Writes a sequence model (its embedding or input size, recurrent layers and output layer, and parameters) like <see cref="Save(string, Model, Optimizer?, IReadOnlyDictionary{string, string}?, TrainingProgress?)"/>.</summary>
    /// <exception cref="InvalidOperationException">A parameter, an optimizer state value or a progress tensor value is NaN or infinite; no file was written.</exception>
    public static void Save(string path, SequenceModel model, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null, TrainingProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(path, model.Parameters, LayersOf(model), optimizer, metadata, progress);
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="model"/> and, when the file holds optimizer state and
    /// <paramref name="optimizer"/> is not null, into the optimizer (state and <see cref="Optimizer.Step"/>), after
    /// checking that the file's layers (when it records them) and parameters are the model's and its optimizer
    /// is <paramref name="optimizer"/>'s kind with the same hyper-parameters. With a null optimizer only the
    /// parameters are read. The training progress is not needed here; <see cref="ReadInfo"/> returns it.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or its
    /// layers, parameters, optimizer kind or hyper-parameters differ from the model's or the optimizer's (the
    /// message names both). Nothing was changed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already updates another model.</exception>
    public static void Load(string path, Model model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        Deserialize(ReadFile(path), path, model.Parameters, LayersOf(model), optimizer);
    }

    /// <summary>Reads <paramref name="path"/> into a sequence model, like <see cref="Load(string, Model, Optimizer?)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, or its layers, parameters, optimizer kind or hyper-parameters differ from the model's or the optimizer's. Nothing was changed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already updates another model.</exception>
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
        Write(path, arena, [], optimizer, metadata, null);

    private static void Write(string path, ParameterArena arena, LayerRecord[] layers, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata, TrainingProgress? progress)
    {
        ArgumentNullException.ThrowIfNull(arena);
        string full = TargetPath(path);
        if (!arena.IsSealed) throw new InvalidOperationException("cannot save a model whose parameters are not allocated");
        optimizer?.CheckAttachable(arena);
        if (optimizer is not null && !optimizer.IsAttachedTo(arena)) optimizer = null; // never used: no state to save
        RequireFinite(arena, optimizer, progress);
        byte[] bytes = Serialize(arena, layers, optimizer, metadata, progress);
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
    /// Reads <paramref name="path"/> into <paramref name="arena"/> (and into <paramref name="optimizer"/>, when
    /// not null and the file holds optimizer state, as <see cref="Load(string, Model, Optimizer?)"/> does). Only
    /// parameter names and shapes are checked: prefer the overload that takes the model, which also checks the layers.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of another version, its
    /// parameters do not match the model's names and shapes, or its optimizer is of another kind or has other
    /// hyper-parameters. Nothing was changed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already updates another model.</exception>
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

    private static void RequireFinite(ParameterArena arena, Optimizer? optimizer, TrainingProgress? progress)
    {
        foreach ((string name, float[] tensor) in progress?.Tensors ?? [])
        {
            ArgumentNullException.ThrowIfNull(tensor, $"progress tensor '{name}'");
            int index = FirstNonFinite(tensor);
            if (index >= 0)
                throw new InvalidOperationException($"refusing to save: progress tensor {name}[{index}] is {tensor[index]}");
        }
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
}
