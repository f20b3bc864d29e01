using Simd.Kernels;

namespace Simd.Distributed;

/// <summary>
/// A sum over ranks whose float additions happen in an order fixed by the rank count alone, so a run with R ranks
/// repeats bit for bit and every rank ends with the same bits. A ring, as in bandwidth-optimal all-reduce: the
/// vector is cut into R chunks (<see cref="Shard.Of"/>); in R − 1 reduce-scatter steps rank r sends chunk
/// (r − s) mod R to rank r + 1 and adds the chunk (r − s − 1) mod R it receives from rank r − 1 to its own, so chunk c
/// is summed as (((g_c + g_{c+1}) + g_{c+2}) + … + g_{c+R−1}), ranks taken mod R; then R − 1 all-gather steps pass
/// each finished chunk around the ring unchanged. Each rank sends and receives 2·(R − 1)/R of the vector.
/// Buffers are allocated once; a steady-state call allocates nothing of its own.
/// </summary>
public sealed class FixedOrderAllReduce
{
    private readonly ICollectives _collectives;
    private readonly float[] _received;

    /// <summary>Prepares sums of vectors of exactly <paramref name="length"/> floats over <paramref name="collectives"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public FixedOrderAllReduce(ICollectives collectives, int length)
    {
        ArgumentNullException.ThrowIfNull(collectives);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _collectives = collectives;
        Length = length;
        _received = new float[Shard.Of(length, 0, collectives.Size).Count];
    }

    /// <summary>The vector length every call sums.</summary>
    public int Length { get; }

    /// <summary>
    /// data[i] = Σ_r data_r[i] in place on every rank, in the order stated on the class. NaN and ±∞ propagate as in
    /// any float sum. Every rank must call it with the same length.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not hold <see cref="Length"/> floats.</exception>
    public void Sum(Span<float> data)
    {
        if (data.Length != Length) throw new ArgumentException($"data has {data.Length} floats but this all-reduce sums {Length}", nameof(data));
        int size = _collectives.Size, rank = _collectives.Rank;
        if (size == 1) return;
        int next = (rank + 1) % size, previous = (rank + size - 1) % size;
        for (int step = 0; step < size - 1; step++)
        {
            Shard send = Chunk(rank - step), receive = Chunk(rank - step - 1);
            Span<float> received = _received.AsSpan(0, receive.Count);
            _collectives.SendReceive(data.Slice(send.Start, send.Count), next, received, previous);
            Span<float> own = data.Slice(receive.Start, receive.Count);
            Blas1.Add(received, own, own);
        }
        for (int step = 0; step < size - 1; step++)
        {
            Shard send = Chunk(rank + 1 - step), receive = Chunk(rank - step);
            _collectives.SendReceive(data.Slice(send.Start, send.Count), next, data.Slice(receive.Start, receive.Count), previous);
        }
    }

    private Shard Chunk(int index)
    {
        int size = _collectives.Size;
        return Shard.Of(Length, ((index % size) + size) % size, size);
    }
}
