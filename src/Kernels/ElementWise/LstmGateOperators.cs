using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Simd.Kernels.VectorMath;

namespace Simd.Kernels;

/// <summary>
/// The first pass of one LSTM step (see <see cref="RecurrentGates.LstmForward"/>): a row's gate
/// pre-activations [i f g o] (4·size) become i = σ, f = σ, g = tanh, o = σ in place.
/// </summary>
internal readonly unsafe struct LstmGatesOperator(float* gates, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        return new(Sigmoid(a[0]), Sigmoid(a[size]), Tanh(a[2 * size]), Sigmoid(a[3 * size]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        return new(Sigmoid(Vector128.Load(a)), Sigmoid(Vector128.Load(a + size)), Tanh(Vector128.Load(a + 2 * size)), Sigmoid(Vector128.Load(a + 3 * size)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        return new(Sigmoid(Vector256.Load(a)), Sigmoid(Vector256.Load(a + size)), Tanh(Vector256.Load(a + 2 * size)), Sigmoid(Vector256.Load(a + 3 * size)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        return new(Sigmoid(Vector512.Load(a)), Sigmoid(Vector512.Load(a + size)), Tanh(Vector512.Load(a + 2 * size)), Sigmoid(Vector512.Load(a + 3 * size)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        float* a = gates + row * 4 * size + column;
        a[0] = lanes.A; a[size] = lanes.B; a[2 * size] = lanes.C; a[3 * size] = lanes.D;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        nint n = size;
        float* a = gates + row * 4 * n + column;
        Vector512<float> i0 = Vector512.Load(a), i1 = Vector512.Load(a + 16), f0 = Vector512.Load(a + n), f1 = Vector512.Load(a + n + 16);
        Sigmoid(ref i0, ref i1);
        Sigmoid(ref f0, ref f1);
        i0.Store(a); i1.Store(a + 16); f0.Store(a + n); f1.Store(a + n + 16);
        Vector512<float> g0 = Vector512.Load(a + 2 * n), g1 = Vector512.Load(a + 2 * n + 16), o0 = Vector512.Load(a + 3 * n), o1 = Vector512.Load(a + 3 * n + 16);
        Tanh(ref g0, ref g1);
        Sigmoid(ref o0, ref o1);
        g0.Store(a + 2 * n); g1.Store(a + 2 * n + 16); o0.Store(a + 3 * n); o1.Store(a + 3 * n + 16);
    }
}

/// <summary>
/// The second pass of one LSTM step, after <see cref="LstmGatesOperator"/>: from a row's activated gates
/// [i f g o], c = f·c_prev + i·g, tanh c and h = o·tanh c.
/// </summary>
internal readonly unsafe struct LstmCellOperator(float* gates, float* previousCell, float* cell, float* tanhCell, float* hidden, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        float c = a[size] * previousCell[row * size + column] + a[0] * a[2 * size], t = Tanh(c);
        return new(c, t, a[3 * size] * t, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector128<float> c = Vector128.Load(a + size) * Vector128.Load(previousCell + row * size + column) + Vector128.Load(a) * Vector128.Load(a + 2 * size), t = Tanh(c);
        return new(c, t, Vector128.Load(a + 3 * size) * t, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector256<float> c = Vector256.Load(a + size) * Vector256.Load(previousCell + row * size + column) + Vector256.Load(a) * Vector256.Load(a + 2 * size), t = Tanh(c);
        return new(c, t, Vector256.Load(a + 3 * size) * t, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector512<float> c = Vector512.Load(a + size) * Vector512.Load(previousCell + row * size + column) + Vector512.Load(a) * Vector512.Load(a + 2 * size), t = Tanh(c);
        return new(c, t, Vector512.Load(a + 3 * size) * t, default);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        nint at = row * size + column;
        cell[at] = lanes.A; tanhCell[at] = lanes.B; hidden[at] = lanes.C;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        nint at = row * size + column;
        lanes.A.Store(cell + at); lanes.B.Store(tanhCell + at); lanes.C.Store(hidden + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        nint at = row * size + column;
        lanes.A.Store(cell + at); lanes.B.Store(tanhCell + at); lanes.C.Store(hidden + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        nint at = row * size + column;
        lanes.A.Store(cell + at); lanes.B.Store(tanhCell + at); lanes.C.Store(hidden + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        nint n = size, at = row * n + column;
        float* a = gates + row * 4 * n + column;
        Vector512<float> c0 = Vector512.Load(a + n) * Vector512.Load(previousCell + at) + Vector512.Load(a) * Vector512.Load(a + 2 * n);
        Vector512<float> c1 = Vector512.Load(a + n + 16) * Vector512.Load(previousCell + at + 16) + Vector512.Load(a + 16) * Vector512.Load(a + 2 * n + 16);
        Vector512<float> t0 = c0, t1 = c1;
        Tanh(ref t0, ref t1);
        float* c = cell + at, t = tanhCell + at, h = hidden + at;
        c0.Store(c); c1.Store(c + 16); t0.Store(t); t1.Store(t + 16);
        (Vector512.Load(a + 3 * n) * t0).Store(h); (Vector512.Load(a + 3 * n + 16) * t1).Store(h + 16);
    }
}

/// <summary>
/// One LSTM step's gate gradients, per column j of a row (see <see cref="RecurrentGates.LstmBackward"/>):
/// dc = dc_in + dh·o·(1 − tanh²c); do = dh·tanh c·o(1 − o); di = dc·g·i(1 − i); dg = dc·i·(1 − g²);
/// df = dc·c_prev·f(1 − f); and the cell gradient carried back, dc·f, replaces dc_in.
/// </summary>
internal readonly unsafe struct LstmBackwardOperator(float* gates, float* previousCell, float* tanhCell, float* hiddenGradient, float* cellGradient, float* gateGradient, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        float i = a[0], f = a[size], g = a[2 * size], o = a[3 * size], dh = hiddenGradient[at], t = tanhCell[at];
        float dc = cellGradient[at] + dh * o * (1f - t * t);
        return new(dc * g * (i * (1f - i)), dc * previousCell[at] * (f * (1f - f)), dc * i * (1f - g * g), dh * t * (o * (1f - o)), dc * f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        Vector128<float> one = Vector128<float>.One;
        Vector128<float> i = Vector128.Load(a), f = Vector128.Load(a + size), g = Vector128.Load(a + 2 * size), o = Vector128.Load(a + 3 * size);
        Vector128<float> dh = Vector128.Load(hiddenGradient + at), t = Vector128.Load(tanhCell + at);
        Vector128<float> dc = Vector128.Load(cellGradient + at) + dh * o * (one - t * t);
        return new(dc * g * (i * (one - i)), dc * Vector128.Load(previousCell + at) * (f * (one - f)), dc * i * (one - g * g), dh * t * (o * (one - o)), dc * f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> i = Vector256.Load(a), f = Vector256.Load(a + size), g = Vector256.Load(a + 2 * size), o = Vector256.Load(a + 3 * size);
        Vector256<float> dh = Vector256.Load(hiddenGradient + at), t = Vector256.Load(tanhCell + at);
        Vector256<float> dc = Vector256.Load(cellGradient + at) + dh * o * (one - t * t);
        return new(dc * g * (i * (one - i)), dc * Vector256.Load(previousCell + at) * (f * (one - f)), dc * i * (one - g * g), dh * t * (o * (one - o)), dc * f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> i = Vector512.Load(a), f = Vector512.Load(a + size), g = Vector512.Load(a + 2 * size), o = Vector512.Load(a + 3 * size);
        Vector512<float> dh = Vector512.Load(hiddenGradient + at), t = Vector512.Load(tanhCell + at);
        Vector512<float> dc = Vector512.Load(cellGradient + at) + dh * o * (one - t * t);
        return new(dc * g * (i * (one - i)), dc * Vector512.Load(previousCell + at) * (f * (one - f)), dc * i * (one - g * g), dh * t * (o * (one - o)), dc * f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        float* d = gateGradient + row * 4 * size + column;
        d[0] = lanes.A; d[size] = lanes.B; d[2 * size] = lanes.C; d[3 * size] = lanes.D;
        cellGradient[row * size + column] = lanes.E;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        float* d = gateGradient + row * 4 * size + column;
        lanes.A.Store(d); lanes.B.Store(d + size); lanes.C.Store(d + 2 * size); lanes.D.Store(d + 3 * size);
        lanes.E.Store(cellGradient + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        float* d = gateGradient + row * 4 * size + column;
        lanes.A.Store(d); lanes.B.Store(d + size); lanes.C.Store(d + 2 * size); lanes.D.Store(d + 3 * size);
        lanes.E.Store(cellGradient + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        float* d = gateGradient + row * 4 * size + column;
        lanes.A.Store(d); lanes.B.Store(d + size); lanes.C.Store(d + 2 * size); lanes.D.Store(d + 3 * size);
        lanes.E.Store(cellGradient + row * size + column);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStorePair512(nint row, nint column)
    {
        // The next row's columns, inputs and outputs: in a training step they come from beyond L2.
        nint n = size, next = (row + 1) * n + column;
        float* a = gates + (row + 1) * 4 * n + column, d = gateGradient + (row + 1) * 4 * n + column;
        CachePrefetch.Pair(a); CachePrefetch.Pair(a + n); CachePrefetch.Pair(a + 2 * n); CachePrefetch.Pair(a + 3 * n);
        CachePrefetch.Pair(previousCell + next); CachePrefetch.Pair(tanhCell + next); CachePrefetch.Pair(hiddenGradient + next);
        CachePrefetch.Pair(d); CachePrefetch.Pair(d + n); CachePrefetch.Pair(d + 2 * n); CachePrefetch.Pair(d + 3 * n);
        Store512(row, column, Compute512(row, column));
        Store512(row, column + 16, Compute512(row, column + 16));
    }
}
