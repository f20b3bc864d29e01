using System.Runtime.InteropServices;
using Simd.Network;

namespace Simd.Distributed;

/// <summary>Makes and checks the ranks' model replicas equal: same parameters, same optimizer state and step.</summary>
public static class Replicas
{
    /// <summary>
    /// Copies rank <paramref name="root"/>'s parameter values, and the state arrays of <paramref name="optimizer"/> when it
    /// has them, to every rank. The optimizer's step count is not sent: every rank must have made (or loaded) the same
    /// number of updates, which <see cref="Verify"/> checks.
    /// </summary>
    public static void Broadcast(ICollectives collectives, ParameterArena parameters, Optimizer? optimizer, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        ArgumentNullException.ThrowIfNull(parameters);
        collectives.Broadcast(parameters.Values, root);
        if (optimizer is null) return;
        foreach (float[] state in optimizer.State) collectives.Broadcast(state, root);
    }

    /// <summary>
    /// A 64-bit FNV-1a hash of the parameter values' bits, the optimizer's step and its state's bits, gathered from every
    /// rank; throws unless all ranks hold the same bits. Returns the hash.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some rank's replica differs; the message lists every rank's hash.</exception>
    public static ulong Verify(ICollectives collectives, ParameterArena parameters, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        ArgumentNullException.ThrowIfNull(parameters);
        ulong hash = Hash(parameters, optimizer);
        var all = new double[2 * collectives.Size];
        collectives.AllGather([(double)(uint)hash, (double)(uint)(hash >> 32)], all);
        var hashes = new ulong[collectives.Size];
        for (int r = 0; r < hashes.Length; r++) hashes[r] = (ulong)all[2 * r] | ((ulong)all[2 * r + 1] << 32);
        if (hashes.Any(h => h != hash))
            throw new InvalidOperationException($"the replicas differ (parameter and optimizer hashes by rank: {string.Join(", ", hashes.Select(h => h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)))})");
        return hash;
    }

    /// <summary>FNV-1a over the 32-bit words of the values, the optimizer step (two words) and the state arrays, in that order.</summary>
    public static ulong Hash(ParameterArena parameters, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ulong hash = 14695981039346656037UL;
        hash = Mix(hash, MemoryMarshal.Cast<float, uint>(parameters.Values));
        if (optimizer is null) return hash;
        hash = Mix(hash, [(uint)optimizer.Step, (uint)(optimizer.Step >> 32)]);
        foreach (float[] state in optimizer.State) hash = Mix(hash, MemoryMarshal.Cast<float, uint>(state.AsSpan()));
        return hash;
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<uint> words)
    {
        foreach (uint word in words) hash = (hash ^ word) * 1099511628211UL;
        return hash;
    }
}
