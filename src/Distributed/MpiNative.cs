using System.Runtime.InteropServices;

namespace Simd.Distributed;

/// <summary>
/// The few Open MPI entry points the data-parallel trainer needs, bound to <c>libmpi.so.40</c> (Open MPI 4.x).
/// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_ERRORS_RETURN) are the addresses of exported
/// globals, so they are read with <see cref="NativeLibrary.GetExport"/> rather than compiled in as constants
/// (which is why bindings built against MS-MPI's integer handles crash here).
/// </summary>
internal static partial class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int Success = 0;
    public const int MaxErrorString = 256; // MPI_MAX_ERROR_STRING in Open MPI 4.1
    /// <summary>MPI_IN_PLACE: ((void *) 1) in Open MPI's mpi.h.</summary>
    public static readonly nint InPlace = 1;

    private static readonly Lazy<Handles> s_handles = new(LoadHandles);

    /// <summary>The predefined handles, resolved on first use; throws <see cref="DllNotFoundException"/> when Open MPI is not installed.</summary>
    public static Handles Predefined => s_handles.Value;

    /// <summary>Addresses of Open MPI's predefined objects.</summary>
    public sealed record Handles(nint CommWorld, nint Float, nint Double, nint Byte, nint Sum, nint ErrorsReturn);

    private static Handles LoadHandles()
    {
        nint library = NativeLibrary.Load(Library, typeof(MpiNative).Assembly, null);
        nint Export(string name) => NativeLibrary.GetExport(library, name);
        return new Handles(Export("ompi_mpi_comm_world"), Export("ompi_mpi_float"), Export("ompi_mpi_double"),
            Export("ompi_mpi_byte"), Export("ompi_mpi_op_sum"), Export("ompi_mpi_errors_return"));
    }

    [LibraryImport(Library)] public static partial int MPI_Init(nint argc, nint argv);
    [LibraryImport(Library)] public static partial int MPI_Initialized(out int flag);
    [LibraryImport(Library)] public static partial int MPI_Finalized(out int flag);
    [LibraryImport(Library)] public static partial int MPI_Finalize();
    [LibraryImport(Library)] public static partial int MPI_Comm_rank(nint comm, out int rank);
    [LibraryImport(Library)] public static partial int MPI_Comm_size(nint comm, out int size);
    [LibraryImport(Library)] public static partial int MPI_Comm_set_errhandler(nint comm, nint errhandler);
    [LibraryImport(Library)] public static partial int MPI_Allreduce(nint sendbuf, ref byte recvbuf, int count, nint datatype, nint op, nint comm);
    [LibraryImport(Library)] public static partial int MPI_Bcast(ref byte buffer, int count, nint datatype, int root, nint comm);
    [LibraryImport(Library)] public static partial int MPI_Allgather(in byte sendbuf, int sendcount, nint sendtype, ref byte recvbuf, int recvcount, nint recvtype, nint comm);
    [LibraryImport(Library)]
    public static partial int MPI_Sendrecv(in byte sendbuf, int sendcount, nint sendtype, int dest, int sendtag,
        ref byte recvbuf, int recvcount, nint recvtype, int source, int recvtag, nint comm, nint status);
    [LibraryImport(Library)] public static partial int MPI_Barrier(nint comm);
    [LibraryImport(Library)] public static partial int MPI_Abort(nint comm, int errorcode);
    [LibraryImport(Library)] public static partial int MPI_Error_string(int errorcode, ref byte text, out int length);
}
