using System.Diagnostics.CodeAnalysis;

namespace Simd.Kernels;

/// <summary>Argument checks for shaped kernels (rows × cols), hyper-parameters and disjoint state arrays.</summary>
internal static partial class Guard
{
    /// <summary>Throws unless <paramref name="rows"/> and <paramref name="cols"/> are non-negative.</summary>
    public static void Shape(int rows, int cols)
    {
        NonNegative(rows, nameof(rows));
        NonNegative(cols, nameof(cols));
    }

    /// <summary>
    /// Throws unless a row-major matrix argument holds exactly rows × cols elements. Exact rather than
    /// "at least": with explicit shapes, a longer span is almost always a shape bug upstream.
    /// </summary>
    public static void MatrixLength(int length, int rows, int cols, string name)
    {
        if ((long)rows * cols != length)
            ThrowMatrixLength(name, length, rows, cols);
    }

    /// <summary>Throws unless a per-column vector argument holds exactly <paramref name="cols"/> elements.</summary>
    public static void ColumnVectorLength(int length, int cols, string name)
    {
        if (length != cols)
            throw new ArgumentException($"{name} has {length} elements but cols {cols} needs {cols}.", name);
    }

    /// <summary>
    /// Throws when <paramref name="a"/> and <paramref name="b"/> share any element. For arguments that are
    /// read again after the other is written (a bias read for every row, optimizer state arrays), even
    /// exact aliasing gives wrong results.
    /// </summary>
    public static void Disjoint(ReadOnlySpan<float> a, ReadOnlySpan<float> b, string aName, string bName)
    {
        if (a.Overlaps(b))
            ThrowNotDisjoint(aName, bName);
    }

    /// <summary>Throws when <paramref name="value"/> is NaN or infinite.</summary>
    public static void Finite(float value, string name)
    {
        if (!float.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite, but is {value}.");
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and strictly positive.</summary>
    public static void FinitePositive(float value, string name)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and positive, but is {value}.");
    }

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; 1 (decay rates: momentum, Adam's β1 and β2).</summary>
    public static void UnitInterval(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1), but is {value}.");
    }

    /// <summary>Throws unless <paramref name="value"/> ≥ 1.</summary>
    public static void AtLeastOne(int value, string name)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1, but is {value}.");
    }

    [DoesNotReturn]
    public static void ThrowMatrixLength(string name, int length, int rows, int cols) =>
        throw new ArgumentException($"{name} has {length} elements but rows {rows} × cols {cols} needs {(long)rows * cols}.", name);

    [DoesNotReturn]
    public static void ThrowNotDisjoint(string aName, string bName) =>
        throw new ArgumentException($"{bName} overlaps {aName}; they must be disjoint.", bName);
}
