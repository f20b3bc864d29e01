namespace Simd.Network;

/// <summary>
/// Where a training run stood when its checkpoint was saved, so that a resumed run can continue exactly as
/// if it had not stopped: named counters (epochs done, the next window of a text, a data order's shuffles)
/// and named float tensors (a recurrent model's carried state). What the names mean is the training loop's
/// business; <see cref="Checkpoint"/> stores them (format version 4) and gives them back.
/// </summary>
public sealed class TrainingProgress
{
    /// <summary>Counters by name (ordinal comparison), for example "epoch" → 30.</summary>
    public Dictionary<string, long> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>Tensors by name (ordinal comparison), for example "state0" → (batch × state size) floats; saved only when every value is finite.</summary>
    public Dictionary<string, float[]> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>True when there is neither a counter nor a tensor (a checkpoint of an older version, or saved without progress).</summary>
    public bool IsEmpty => Counters.Count == 0 && Tensors.Count == 0;

    /// <summary>The counter <paramref name="name"/>, or <paramref name="fallback"/> when there is none.</summary>
    public long Counter(string name, long fallback = 0) => Counters.TryGetValue(name, out long value) ? value : fallback;
}
