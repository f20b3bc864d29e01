using System.Runtime.InteropServices;
using System.Text;

namespace Simd.Distributed;

/// <summary>
/// MPI_COMM_WORLD of Open MPI 4.x (<c>libmpi.so.40</c>), initialized once per process by <see cref="InitializeWorld"/>
/// and finalized by <see cref="Dispose"/>. Errors are returned, not fatal (MPI_ERRORS_RETURN), and become
/// <see cref="MpiException"/>s naming the function and MPI's message. A rank that cannot go on should call
/// <see cref="Abort"/>: the other ranks may be waiting in a collective and would otherwise wait forever.
/// </summary>
public sealed class MpiCommunicator : ICollectives, IDisposable
{
    private static MpiCommunicator? s_world;
    private readonly MpiNative.Handles _handles;
    private bool _disposed;

    private MpiCommunicator(MpiNative.Handles handles, int rank, int size)
    {
        _handles = handles;
        Rank = rank;
        Size = size;
    }

    /// <summary>
    /// True when this process was started by Open MPI's <c>mpirun</c>/<c>mpiexec</c> (it sets OMPI_COMM_WORLD_SIZE),
    /// including <c>mpirun -np 1</c>.
    /// </summary>
    public static bool IsLaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>
    /// MPI_Init(NULL, NULL) on the first call, then the world communicator (the same object on every later call,
    /// until it is disposed). Without mpirun Open MPI starts a one-process world (a singleton).
    /// </summary>
    /// <exception cref="DllNotFoundException">Open MPI's <c>libmpi.so.40</c> is not installed (Debian: <c>apt-get install openmpi-bin libopenmpi-dev</c>).</exception>
    /// <exception cref="MpiException">MPI_Init or a query failed.</exception>
    /// <exception cref="InvalidOperationException">The world was already finalized (MPI cannot be initialized twice in one process).</exception>
    public static MpiCommunicator InitializeWorld()
    {
        if (s_world is { _disposed: false }) return s_world;
        if (s_world is not null) throw new InvalidOperationException("MPI was finalized in this process and cannot be initialized again");
        MpiNative.Handles handles = MpiNative.Predefined;
        Check(MpiNative.MPI_Initialized(out int initialized), "MPI_Initialized");
        if (initialized == 0) Check(MpiNative.MPI_Init(0, 0), "MPI_Init");
        Check(MpiNative.MPI_Comm_set_errhandler(handles.CommWorld, handles.ErrorsReturn), "MPI_Comm_set_errhandler");
        Check(MpiNative.MPI_Comm_rank(handles.CommWorld, out int rank), "MPI_Comm_rank");
        Check(MpiNative.MPI_Comm_size(handles.CommWorld, out int size), "MPI_Comm_size");
        s_world = new MpiCommunicator(handles, rank, size);
        return s_world;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>
    /// data[i] = Σ over ranks of data[i], in place, on every rank (MPI_Allreduce with MPI_IN_PLACE and MPI_SUM).
    /// The order of the float additions is whatever Open MPI's chosen algorithm does; MPI does not promise the
    /// same bits on every rank or in every run (see <see cref="FixedOrderAllReduce"/> for a sum that does).
    /// </summary>
    public void AllReduceSum(Span<float> data)
    {
        ThrowIfDisposed();
        Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(data)), data.Length,
            _handles.Float, _handles.Sum, _handles.CommWorld), "MPI_Allreduce");
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> data, int root)
    {
        ThrowIfDisposed();
        CheckRank(root, nameof(root));
        Check(MpiNative.MPI_Bcast(ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(data)), data.Length, _handles.Float, root, _handles.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        ThrowIfDisposed();
        if (all.Length != (long)Size * mine.Length)
            throw new ArgumentException($"all has {all.Length} entries but {Size} ranks × {mine.Length} need {(long)Size * mine.Length}", nameof(all));
        Check(MpiNative.MPI_Allgather(in MemoryMarshal.GetReference(MemoryMarshal.AsBytes(mine)), mine.Length, _handles.Double,
            ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(all)), mine.Length, _handles.Double, _handles.CommWorld), "MPI_Allgather");
    }

    /// <inheritdoc/>
    public void SendReceive(ReadOnlySpan<float> send, int destination, Span<float> receive, int source)
    {
        ThrowIfDisposed();
        CheckRank(destination, nameof(destination));
        CheckRank(source, nameof(source));
        Check(MpiNative.MPI_Sendrecv(in MemoryMarshal.GetReference(MemoryMarshal.AsBytes(send)), send.Length, _handles.Float, destination, 0,
            ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(receive)), receive.Length, _handles.Float, source, 0, _handles.CommWorld, 0), "MPI_Sendrecv");
    }

    /// <summary>Returns once every rank has called it (MPI_Barrier).</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        Check(MpiNative.MPI_Barrier(_handles.CommWorld), "MPI_Barrier");
    }

    /// <summary>
    /// Ends every process of the job (MPI_Abort on MPI_COMM_WORLD); mpirun exits with a nonzero status and its own
    /// message. Does not return normally: if MPI_Abort comes back, the process exits with <paramref name="exitCode"/>.
    /// </summary>
    public void Abort(int exitCode)
    {
        MpiNative.MPI_Abort(_handles.CommWorld, exitCode);
        Environment.Exit(exitCode);
    }

    /// <summary>MPI_Finalize (collective: every rank must call it). Later calls do nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Check(MpiNative.MPI_Finalized(out int finalized), "MPI_Finalized");
        if (finalized == 0) Check(MpiNative.MPI_Finalize(), "MPI_Finalize");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void CheckRank(int rank, string name)
    {
        if ((uint)rank >= (uint)Size) throw new ArgumentOutOfRangeException(name, rank, $"rank {rank} is outside [0, {Size - 1}]");
    }

    private static void Check(int code, string function)
    {
        if (code == MpiNative.Success) return;
        Span<byte> text = stackalloc byte[MpiNative.MaxErrorString];
        string message = MpiNative.MPI_Error_string(code, ref text[0], out int length) == MpiNative.Success
            ? Encoding.UTF8.GetString(text[..Math.Clamp(length, 0, text.Length)])
            : "(no message)";
        throw new MpiException(function, code, message);
    }
}
