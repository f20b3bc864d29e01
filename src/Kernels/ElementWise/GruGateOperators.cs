using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Simd.Kernels.VectorMath;

namespace Simd.Kernels;

/// <summary>
/// The first pass of one GRU step (see <see cref="RecurrentGates.GruForward"/>): from a row's input gates
/// [x_r x_z x_n] and hidden gates [h_r h_z h_n] (3·size each), r = σ(x_r + h_r) and z = σ(x_z + h_z) replace
/// x_r and x_z in place.
/// </summary>
internal readonly unsafe struct GruResetUpdateOperator(float* gates, float* hiddenGates, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        return new(Sigmoid(x[0] + h[0]), Sigmoid(x[size] + h[size]), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        return new(Sigmoid(Vector128.Load(x) + Vector128.Load(h)), Sigmoid(Vector128.Load(x + size) + Vector128.Load(h + size)), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        return new(Sigmoid(Vector256.Load(x) + Vector256.Load(h)), Sigmoid(Vector256.Load(x + size) + Vector256.Load(h + size)), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        return new(Sigmoid(Vector512.Load(x) + Vector512.Load(h)), Sigmoid(Vector512.Load(x + size) + Vector512.Load(h + size)), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        float* x = gates + row * 3 * size + column;
        x[0] = lanes.A; x[size] = lanes.B;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        float* x = gates + row * 3 * size + column;
        lanes.A.Store(x); lanes.B.Store(x + size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        float* x = gates + row * 3 * size + column;
        lanes.A.Store(x); lanes.B.Store(x + size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        float* x = gates + row * 3 * size + column;
        lanes.A.Store(x); lanes.B.Store(x + size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        nint cols = size;
        float* x = gates + row * 3 * cols + column, h = hiddenGates + row * 3 * cols + column;
        Vector512<float> r0 = Vector512.Load(x) + Vector512.Load(h), r1 = Vector512.Load(x + 16) + Vector512.Load(h + 16);
        Vector512<float> z0 = Vector512.Load(x + cols) + Vector512.Load(h + cols), z1 = Vector512.Load(x + cols + 16) + Vector512.Load(h + cols + 16);
        Sigmoid(ref r0, ref r1);
        Sigmoid(ref z0, ref z1);
        r0.Store(x); r1.Store(x + 16); z0.Store(x + cols); z1.Store(x + cols + 16);
    }
}

/// <summary>
/// The second pass of one GRU step, after <see cref="GruResetUpdateOperator"/>: with r and z in the row's
/// gates, n = tanh(x_n + r·h_n) replaces x_n in place and h′ = n + z·(h − n).
/// </summary>
internal readonly unsafe struct GruCandidateOperator(float* gates, float* hiddenGates, float* previous, float* next, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        float n = Tanh(x[2 * size] + x[0] * h[2 * size]);
        return new(n, n + x[size] * (previous[row * size + column] - n), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        Vector128<float> n = Tanh(Vector128.Load(x + 2 * size) + Vector128.Load(x) * Vector128.Load(h + 2 * size));
        return new(n, n + Vector128.Load(x + size) * (Vector128.Load(previous + row * size + column) - n), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        Vector256<float> n = Tanh(Vector256.Load(x + 2 * size) + Vector256.Load(x) * Vector256.Load(h + 2 * size));
        return new(n, n + Vector256.Load(x + size) * (Vector256.Load(previous + row * size + column) - n), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* x = gates + row * 3 * size + column, h = hiddenGates + row * 3 * size + column;
        Vector512<float> n = Tanh(Vector512.Load(x + 2 * size) + Vector512.Load(x) * Vector512.Load(h + 2 * size));
        return new(n, n + Vector512.Load(x + size) * (Vector512.Load(previous + row * size + column) - n), default, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        gates[row * 3 * size + 2 * size + column] = lanes.A;
        next[row * size + column] = lanes.B;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        lanes.A.Store(gates + row * 3 * size + 2 * size + column);
        lanes.B.Store(next + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        lanes.A.Store(gates + row * 3 * size + 2 * size + column);
        lanes.B.Store(next + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        lanes.A.Store(gates + row * 3 * size + 2 * size + column);
        lanes.B.Store(next + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        nint cols = size, at = row * cols + column;
        float* x = gates + row * 3 * cols + column, h = hiddenGates + row * 3 * cols + column;
        Vector512<float> n0 = Vector512.Load(x + 2 * cols) + Vector512.Load(x) * Vector512.Load(h + 2 * cols);
        Vector512<float> n1 = Vector512.Load(x + 2 * cols + 16) + Vector512.Load(x + 16) * Vector512.Load(h + 2 * cols + 16);
        Tanh(ref n0, ref n1);
        n0.Store(x + 2 * cols); n1.Store(x + 2 * cols + 16);
        (n0 + Vector512.Load(x + cols) * (Vector512.Load(previous + at) - n0)).Store(next + at);
        (n1 + Vector512.Load(x + cols + 16) * (Vector512.Load(previous + at + 16) - n1)).Store(next + at + 16);
    }
}

/// <summary>
/// One GRU step's gate gradients, per column j of a row (see <see cref="RecurrentGates.GruBackward"/>):
/// with dh = ∂J/∂h′, dn = dh·(1 − z)·(1 − n²), dz = dh·(h − n)·z(1 − z), dr = dn·h_n·r(1 − r); the input
/// gate gradient is [dr dz dn], the hidden gate gradient [dr dz dn·r], and dh·z is added to ∂J/∂h.
/// </summary>
internal readonly unsafe struct GruBackwardOperator(float* gates, float* hiddenGates, float* previous, float* hiddenGradient,
    float* previousGradient, float* inputGateGradient, float* hiddenGateGradient, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* a = gates + row * 3 * size + column;
        nint at = row * size + column;
        float r = a[0], z = a[size], n = a[2 * size], dh = hiddenGradient[at], direct = dh * z;
        float dn = (dh - direct) * (1f - n * n);
        float dz = dh * (previous[at] - n) * (z * (1f - z));
        float dr = dn * hiddenGates[row * 3 * size + 2 * size + column] * (r * (1f - r));
        return new(previousGradient[at] + direct, dr, dz, dn, dn * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* a = gates + row * 3 * size + column;
        nint at = row * size + column;
        Vector128<float> one = Vector128<float>.One;
        Vector128<float> r = Vector128.Load(a), z = Vector128.Load(a + size), n = Vector128.Load(a + 2 * size), dh = Vector128.Load(hiddenGradient + at), direct = dh * z;
        Vector128<float> dn = (dh - direct) * (one - n * n);
        Vector128<float> dz = dh * (Vector128.Load(previous + at) - n) * (z * (one - z));
        Vector128<float> dr = dn * Vector128.Load(hiddenGates + row * 3 * size + 2 * size + column) * (r * (one - r));
        return new(Vector128.Load(previousGradient + at) + direct, dr, dz, dn, dn * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* a = gates + row * 3 * size + column;
        nint at = row * size + column;
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> r = Vector256.Load(a), z = Vector256.Load(a + size), n = Vector256.Load(a + 2 * size), dh = Vector256.Load(hiddenGradient + at), direct = dh * z;
        Vector256<float> dn = (dh - direct) * (one - n * n);
        Vector256<float> dz = dh * (Vector256.Load(previous + at) - n) * (z * (one - z));
        Vector256<float> dr = dn * Vector256.Load(hiddenGates + row * 3 * size + 2 * size + column) * (r * (one - r));
        return new(Vector256.Load(previousGradient + at) + direct, dr, dz, dn, dn * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* a = gates + row * 3 * size + column;
        nint at = row * size + column;
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> r = Vector512.Load(a), z = Vector512.Load(a + size), n = Vector512.Load(a + 2 * size), dh = Vector512.Load(hiddenGradient + at), direct = dh * z;
        Vector512<float> dn = (dh - direct) * (one - n * n);
        Vector512<float> dz = dh * (Vector512.Load(previous + at) - n) * (z * (one - z));
        Vector512<float> dr = dn * Vector512.Load(hiddenGates + row * 3 * size + 2 * size + column) * (r * (one - r));
        return new(Vector512.Load(previousGradient + at) + direct, dr, dz, dn, dn * r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        nint gate = row * 3 * size + column;
        previousGradient[row * size + column] = lanes.A;
        inputGateGradient[gate] = lanes.B; inputGateGradient[gate + size] = lanes.C; inputGateGradient[gate + 2 * size] = lanes.D;
        hiddenGateGradient[gate] = lanes.B; hiddenGateGradient[gate + size] = lanes.C; hiddenGateGradient[gate + 2 * size] = lanes.E;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        float* di = inputGateGradient + row * 3 * size + column, dhid = hiddenGateGradient + row * 3 * size + column;
        lanes.A.Store(previousGradient + row * size + column);
        lanes.B.Store(di); lanes.C.Store(di + size); lanes.D.Store(di + 2 * size);
        lanes.B.Store(dhid); lanes.C.Store(dhid + size); lanes.E.Store(dhid + 2 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        float* di = inputGateGradient + row * 3 * size + column, dhid = hiddenGateGradient + row * 3 * size + column;
        lanes.A.Store(previousGradient + row * size + column);
        lanes.B.Store(di); lanes.C.Store(di + size); lanes.D.Store(di + 2 * size);
        lanes.B.Store(dhid); lanes.C.Store(dhid + size); lanes.E.Store(dhid + 2 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        float* di = inputGateGradient + row * 3 * size + column, dhid = hiddenGateGradient + row * 3 * size + column;
        lanes.A.Store(previousGradient + row * size + column);
        lanes.B.Store(di); lanes.C.Store(di + size); lanes.D.Store(di + 2 * size);
        lanes.B.Store(dhid); lanes.C.Store(dhid + size); lanes.E.Store(dhid + 2 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        // The next row's columns, inputs and outputs: in a training step they come from beyond L2.
        nint n = size, next = (row + 1) * n + column, gate = (row + 1) * 3 * n + column;
        float* a = gates + gate, di = inputGateGradient + gate, dh = hiddenGateGradient + gate;
        CachePrefetch.Pair(a); CachePrefetch.Pair(a + n); CachePrefetch.Pair(a + 2 * n); CachePrefetch.Pair(hiddenGates + gate + 2 * n);
        CachePrefetch.Pair(previous + next); CachePrefetch.Pair(hiddenGradient + next); CachePrefetch.Pair(previousGradient + next);
        CachePrefetch.Pair(di); CachePrefetch.Pair(di + n); CachePrefetch.Pair(di + 2 * n); CachePrefetch.Pair(dh); CachePrefetch.Pair(dh + n); CachePrefetch.Pair(dh + 2 * n);
        Store512(row, column, Compute512(row, column));
        Store512(row, column + 16, Compute512(row, column + 16));
    }
}
