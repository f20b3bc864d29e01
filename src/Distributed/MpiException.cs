namespace Simd.Distributed;

/// <summary>An MPI call returned an error code; the message carries MPI's own text for it.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for <paramref name="errorCode"/> returned by <paramref name="function"/>.</summary>
    public MpiException(string function, int errorCode, string mpiMessage)
        : base($"{function} failed with MPI error {errorCode}: {mpiMessage}")
    {
        Function = function;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed, e.g. "MPI_Allreduce".</summary>
    public string Function { get; }

    /// <summary>MPI's error code (never MPI_SUCCESS).</summary>
    public int ErrorCode { get; }
}
