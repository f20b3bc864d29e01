namespace Simd.Distributed;

/// <summary>
/// One rank's contiguous part [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of <c>total</c> items
/// split over <c>size</c> ranks: the first total mod size ranks get ⌈total/size⌉ items, the rest ⌊total/size⌋, in rank
/// order, so the parts tile [0, total) and differ by at most one item.
/// </summary>
public readonly record struct Shard(int Start, int Count)
{
    /// <summary>The part of rank <paramref name="rank"/>: Start = rank·⌊total/size⌋ + min(rank, total mod size).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="total"/> is negative, <paramref name="size"/> not positive, or <paramref name="rank"/> outside [0, size).</exception>
    public static Shard Of(int total, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if ((uint)rank >= (uint)size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank {rank} is outside [0, {size - 1}]");
        int quotient = total / size, remainder = total % size;
        return new Shard(rank * quotient + Math.Min(rank, remainder), quotient + (rank < remainder ? 1 : 0));
    }

    /// <summary>One past the last item.</summary>
    public int End => Start + Count;
}
