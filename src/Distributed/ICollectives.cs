namespace Simd.Distributed;

/// <summary>
/// The collective operations data-parallel training needs from a group of <see cref="Size"/> processes
/// (ranks 0 to Size − 1). Every member must make the same calls in the same order with the same lengths;
/// a call returns on a rank once that rank's part is done. <see cref="MpiCommunicator"/> implements it over
/// MPI; tests implement it over threads.
/// </summary>
public interface ICollectives
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int Size { get; }

    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into <paramref name="data"/> of every rank (same length everywhere).</summary>
    void Broadcast(Span<float> data, int root);

    /// <summary>
    /// all[r·n + i] = rank r's mine[i] for every rank r and i &lt; n = mine.Length, on every rank: the values of
    /// all ranks, in rank order. <paramref name="all"/> has Size · n entries.
    /// </summary>
    void AllGather(ReadOnlySpan<double> mine, Span<double> all);

    /// <summary>
    /// Sends <paramref name="send"/> to rank <paramref name="destination"/> and receives receive.Length floats from
    /// rank <paramref name="source"/> into <paramref name="receive"/>, both at once (so a ring of these never deadlocks).
    /// The two spans must not overlap.
    /// </summary>
    void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source);
}
