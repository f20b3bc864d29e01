namespace Simd.Kernels;

/// <summary>
/// The one degree-of-parallelism setting of the library: every kernel that uses threads (GEMM, the
/// optimizers, long element-wise updates) runs a call on at most <see cref="MaxDegreeOfParallelism"/>
/// threads, the caller included. Results are bitwise the same for any value.
/// </summary>
public static class Parallelism
{
    private static int s_processorLimit = Environment.ProcessorCount;
    private static int s_maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// The most threads one kernel call uses (the caller plus library workers); default
    /// <see cref="Environment.ProcessorCount"/>. A larger value is clamped to
    /// <see cref="Environment.ProcessorCount"/> (read the property back to see the value in effect): more
    /// threads than processors only adds contention, and every worker the library starts lives as long as
    /// the process. Calls below a work threshold run on the caller only, whatever the value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegreeOfParallelism;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxDegreeOfParallelism must be at least 1, but is {value}.");
            s_maxDegreeOfParallelism = Math.Min(value, s_processorLimit);
        }
    }

    /// <summary>
    /// The bound <see cref="MaxDegreeOfParallelism"/> is clamped to, and so the most threads the worker
    /// pool ever has (this many minus the caller); <see cref="Environment.ProcessorCount"/>. Tests raise it
    /// to exercise splits into more parts than the machine has processors; lowering it lowers the setting too.
    /// </summary>
    internal static int ProcessorLimit
    {
        get => s_processorLimit;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_processorLimit = value;
            s_maxDegreeOfParallelism = Math.Min(s_maxDegreeOfParallelism, value);
        }
    }
}
