using System.Diagnostics.CodeAnalysis;

namespace Simd.Kernels;

internal static partial class Guard
{
    /// <summary>
    /// Throws unless a row-major matrix of <paramref name="rows"/>×<paramref name="cols"/> stored with
    /// leading dimension <paramref name="ld"/> fits in <paramref name="length"/> elements:
    /// ld ≥ cols (ld ≥ 1) and length ≥ (rows − 1)·ld + cols when the matrix is not empty.
    /// <paramref name="dims"/> names the logical shape for messages (e.g. "m×k"); when
    /// <paramref name="transposed"/> the matrix is stored as the transpose of that shape.
    /// </summary>
    public static void Matrix(int length, int rows, int cols, int ld, string name, string ldName, string dims, bool transposed = false)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"{ldName} is {ld} but {Describe(name, rows, cols, dims, transposed)}; the leading dimension must be at least the stored width {Math.Max(1, cols)}.");
        long required = Required(rows, cols, ld);
        if (length < required)
            ThrowMatrixTooShort(name, rows, cols, ld, dims, transposed, required, length);
    }

    /// <summary>Elements a rows×cols matrix with leading dimension ld spans: (rows − 1)·ld + cols, or 0 when empty.</summary>
    public static long Required(int rows, int cols, int ld) =>
        rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;

    /// <summary>Throws unless a dense rows×cols matrix has exactly rows·cols elements.</summary>
    public static void DenseMatrix(int length, int rows, int cols, string name, string dims)
    {
        long required = (long)rows * cols;
        if (length != required)
            throw new ArgumentException($"{name} has {length} elements but {name} is {dims} = {rows}×{cols}, which needs {required}.", name);
    }

    private static string Describe(string name, int rows, int cols, string dims, bool transposed) =>
        transposed
            ? $"op({name}) = {name}ᵀ is {dims} = {cols}×{rows}, so {name} is stored as {rows}×{cols}"
            : $"{name} is {dims} = {rows}×{cols}";

    [DoesNotReturn]
    private static void ThrowMatrixTooShort(string name, int rows, int cols, int ld, string dims, bool transposed, long required, int length) =>
        throw new ArgumentException(
            $"{name} has {length} elements but {Describe(name, rows, cols, dims, transposed)} with leading dimension {ld}, which needs {required}.", name);
}
