using System.Diagnostics.CodeAnalysis;

namespace Simd.Kernels;

/// <summary>
/// Argument checks made once at the public boundary of every kernel. Messages name the parameters
/// and the lengths or shapes involved.
/// </summary>
internal static partial class Guard
{
    /// <summary>Throws unless <paramref name="y"/> has exactly the length of <paramref name="x"/>.</summary>
    public static void SameLength(ReadOnlySpan<float> x, ReadOnlySpan<float> y, string xName, string yName)
    {
        if (x.Length != y.Length)
            ThrowLengthMismatch(yName, xName, x.Length, y.Length);
    }

    /// <summary>Throws unless <paramref name="destination"/> holds at least <paramref name="required"/> elements.</summary>
    public static void DestinationLength(Span<float> destination, int required, string destinationName, string sourceName)
    {
        if (destination.Length < required)
            ThrowDestinationTooShort(destinationName, sourceName, required, destination.Length);
    }

    /// <summary>
    /// Throws when <paramref name="destination"/> overlaps <paramref name="input"/> other than exactly
    /// (same start): exact aliasing is in-place operation and allowed, partial overlap is not.
    /// </summary>
    public static void NoPartialOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> destination, string inputName, string destinationName)
    {
        if (input.Overlaps(destination, out int offset) && offset != 0)
            ThrowPartialOverlap(inputName, destinationName, offset);
    }

    /// <summary>Throws when <paramref name="value"/> is negative.</summary>
    public static void NonNegative(int value, string name)
    {
        if (value < 0)
            ThrowNegative(name, value);
    }

    /// <summary>Throws when <paramref name="value"/> is NaN, infinite or negative.</summary>
    public static void FiniteNonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and non-negative, but is {value}.");
    }

    [DoesNotReturn]
    public static void ThrowLengthMismatch(string name, string otherName, int expected, int actual) =>
        throw new ArgumentException($"{name} has {actual} elements but {otherName} has {expected}; they must have the same length.", name);

    [DoesNotReturn]
    public static void ThrowDestinationTooShort(string destinationName, string sourceName, int required, int actual) =>
        throw new ArgumentException($"{destinationName} has {actual} elements but {sourceName} needs {required}.", destinationName);

    [DoesNotReturn]
    public static void ThrowPartialOverlap(string inputName, string destinationName, int offset) =>
        throw new ArgumentException($"{destinationName} partially overlaps {inputName} (offset {offset} elements); it may only be exactly the same span (in place) or disjoint.", destinationName);

    [DoesNotReturn]
    public static void ThrowNegative(string name, int value) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name} must be non-negative, but is {value}.");
}
