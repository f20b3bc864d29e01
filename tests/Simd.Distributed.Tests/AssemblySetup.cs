using System.Runtime.CompilerServices;
using Simd.Kernels;

namespace Simd.Distributed.Tests;

internal static class AssemblySetup
{
    /// <summary>
    /// Ranks run as threads of one process in these tests, and the library's worker pool serves one caller at a time,
    /// so kernels stay on the calling thread (results are bitwise the same for any degree of parallelism).
    /// </summary>
    [ModuleInitializer]
    internal static void SingleThreadedKernels() => Parallelism.MaxDegreeOfParallelism = 1;
}
