using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Simd.Kernels.VectorMath;

namespace Simd.Kernels;

/// <summary>
/// One LSTM step's gates and cell update, per column j of a row (see <see cref="RecurrentGates.LstmForward"/>):
/// the row's gate pre-activations [i f g o] (4·size) become i = σ, f = σ, g = tanh, o = σ in place, then
/// c = f·c_prev + i·g, tanh c and h = o·tanh c.
/// </summary>
internal readonly unsafe struct LstmForwardOperator(float* gates, float* previousCell, float* cell, float* tanhCell, float* hidden, nint size) : IRowOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<float> Compute(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        float i = Sigmoid(a[0]), f = Sigmoid(a[size]), g = Tanh(a[2 * size]), o = Sigmoid(a[3 * size]);
        float c = f * previousCell[row * size + column] + i * g, t = Tanh(c);
        return new(i, f, g, o, c, t, o * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector128<float>> Compute128(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector128<float> i = Sigmoid(Vector128.Load(a)), f = Sigmoid(Vector128.Load(a + size)), g = Tanh(Vector128.Load(a + 2 * size)), o = Sigmoid(Vector128.Load(a + 3 * size));
        Vector128<float> c = f * Vector128.Load(previousCell + row * size + column) + i * g, t = Tanh(c);
        return new(i, f, g, o, c, t, o * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector256<float>> Compute256(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector256<float> i = Sigmoid(Vector256.Load(a)), f = Sigmoid(Vector256.Load(a + size)), g = Tanh(Vector256.Load(a + 2 * size)), o = Sigmoid(Vector256.Load(a + 3 * size));
        Vector256<float> c = f * Vector256.Load(previousCell + row * size + column) + i * g, t = Tanh(c);
        return new(i, f, g, o, c, t, o * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowLanes<Vector512<float>> Compute512(nint row, nint column)
    {
        float* a = gates + row * 4 * size + column;
        Vector512<float> i = Sigmoid(Vector512.Load(a)), f = Sigmoid(Vector512.Load(a + size)), g = Tanh(Vector512.Load(a + 2 * size)), o = Sigmoid(Vector512.Load(a + 3 * size));
        Vector512<float> c = f * Vector512.Load(previousCell + row * size + column) + i * g, t = Tanh(c);
        return new(i, f, g, o, c, t, o * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(nint row, nint column, in RowLanes<float> lanes)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        a[0] = lanes.A; a[size] = lanes.B; a[2 * size] = lanes.C; a[3 * size] = lanes.D;
        cell[at] = lanes.E; tanhCell[at] = lanes.F; hidden[at] = lanes.G;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(nint row, nint column, in RowLanes<Vector128<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
        lanes.E.Store(cell + at); lanes.F.Store(tanhCell + at); lanes.G.Store(hidden + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store256(nint row, nint column, in RowLanes<Vector256<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
        lanes.E.Store(cell + at); lanes.F.Store(tanhCell + at); lanes.G.Store(hidden + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store512(nint row, nint column, in RowLanes<Vector512<float>> lanes)
    {
        float* a = gates + row * 4 * size + column;
        nint at = row * size + column;
        lanes.A.Store(a); lanes.B.Store(a + size); lanes.C.Store(a + 2 * size); lanes.D.Store(a + 3 * size);
        lanes.E.Store(cell + at); lanes.F.Store(tanhCell + at); lanes.G.Store(hidden + at);
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
}
