namespace Simd.Kernels;

/// <summary>
/// The element-wise part of one step of a gated recurrent cell, fused into one pass over a batch of rows:
/// gate nonlinearities and state update (forward) and gate gradients (backward) of an LSTM and a GRU with
/// PyTorch's gate order. Each array is row-major with <c>rows</c> rows; <c>hidden</c> is the state size H,
/// a gate array holds one block of H columns per gate (LSTM [i f g o], 4·H columns; GRU [r z n], 3·H).
/// </summary>
/// <remarks>
/// Every output element depends only on the inputs at its own row and column, so the result does not
/// depend on how rows are grouped. The arrays named as updated in place are read and then overwritten;
/// no other pair of arrays may overlap. NaN in an input propagates to every output that depends on it.
/// σ and tanh are those of <see cref="Activations"/>, with its error bounds.
/// </remarks>
public static unsafe class RecurrentGates
{
    /// <summary>
    /// LSTM forward: with a = gates' row (pre-activations), i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
    /// replace a in place, then cell = f·previousCell + i·g, tanhCell = tanh(cell), hidden = o·tanhCell.
    /// </summary>
    /// <param name="gates">(rows × 4·hidden), updated in place.</param>
    /// <param name="previousCell">c_{t−1}, (rows × hidden).</param>
    /// <param name="cell">c_t, (rows × hidden).</param>
    /// <param name="tanhCell">tanh c_t, (rows × hidden), kept for the backward pass.</param>
    /// <param name="hidden">h_t, (rows × hidden).</param>
    /// <param name="rows">Rows (the batch).</param>
    /// <param name="hiddenSize">H.</param>
    /// <exception cref="ArgumentOutOfRangeException">rows is negative or hiddenSize is not positive.</exception>
    /// <exception cref="ArgumentException">An array does not hold its shape exactly, or two arrays overlap.</exception>
    public static void LstmForward(Span<float> gates, ReadOnlySpan<float> previousCell, Span<float> cell, Span<float> tanhCell, Span<float> hidden, int rows, int hiddenSize)
    {
        CheckSizes(rows, hiddenSize);
        Shape(gates, rows, 4 * hiddenSize, nameof(gates), "4·hidden");
        Shape(previousCell, rows, hiddenSize, nameof(previousCell), "hidden");
        Shape(cell, rows, hiddenSize, nameof(cell), "hidden");
        Shape(tanhCell, rows, hiddenSize, nameof(tanhCell), "hidden");
        Shape(hidden, rows, hiddenSize, nameof(hidden), "hidden");
        fixed (float* a = gates, c0 = previousCell, c = cell, t = tanhCell, h = hidden)
        {
            Disjoint([(nint)a, (nint)c0, (nint)c, (nint)t, (nint)h], [gates.Length, previousCell.Length, cell.Length, tanhCell.Length, hidden.Length], LstmForwardNames);
            if (rows > 0) Map.Rows(new LstmGatesOperator(a, hiddenSize), new LstmCellOperator(a, c0, c, t, h, hiddenSize), rows, hiddenSize, SimdLevels.Current);
        }
    }

    /// <summary>
    /// LSTM backward from the saved activations: with dh = hiddenGradient and dc = cellGradient (∂J/∂c_t from
    /// later steps), dc′ = dc + dh·o·(1 − tanh²c_t); gateGradient gets [dc′·g·i(1 − i), dc′·c_{t−1}·f(1 − f),
    /// dc′·i·(1 − g²), dh·tanh c_t·o(1 − o)] (the gradients of the pre-activations), and cellGradient becomes
    /// ∂J/∂c_{t−1} = dc′·f in place.
    /// </summary>
    /// <param name="gates">The activations [i f g o] written by <see cref="LstmForward"/>, (rows × 4·hidden).</param>
    /// <param name="previousCell">c_{t−1}, (rows × hidden).</param>
    /// <param name="tanhCell">tanh c_t, (rows × hidden).</param>
    /// <param name="hiddenGradient">∂J/∂h_t, (rows × hidden).</param>
    /// <param name="cellGradient">∂J/∂c_t in, ∂J/∂c_{t−1} out, (rows × hidden), updated in place.</param>
    /// <param name="gateGradient">∂J/∂(pre-activations), (rows × 4·hidden).</param>
    /// <param name="rows">Rows (the batch).</param>
    /// <param name="hiddenSize">H.</param>
    /// <exception cref="ArgumentOutOfRangeException">rows is negative or hiddenSize is not positive.</exception>
    /// <exception cref="ArgumentException">An array does not hold its shape exactly, or two arrays overlap.</exception>
    public static void LstmBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> previousCell, ReadOnlySpan<float> tanhCell, ReadOnlySpan<float> hiddenGradient,
        Span<float> cellGradient, Span<float> gateGradient, int rows, int hiddenSize)
    {
        CheckSizes(rows, hiddenSize);
        Shape(gates, rows, 4 * hiddenSize, nameof(gates), "4·hidden");
        Shape(previousCell, rows, hiddenSize, nameof(previousCell), "hidden");
        Shape(tanhCell, rows, hiddenSize, nameof(tanhCell), "hidden");
        Shape(hiddenGradient, rows, hiddenSize, nameof(hiddenGradient), "hidden");
        Shape(cellGradient, rows, hiddenSize, nameof(cellGradient), "hidden");
        Shape(gateGradient, rows, 4 * hiddenSize, nameof(gateGradient), "4·hidden");
        fixed (float* a = gates, c0 = previousCell, t = tanhCell, dh = hiddenGradient, dc = cellGradient, da = gateGradient)
        {
            Disjoint([(nint)a, (nint)c0, (nint)t, (nint)dh, (nint)dc, (nint)da], [gates.Length, previousCell.Length, tanhCell.Length, hiddenGradient.Length, cellGradient.Length, gateGradient.Length], LstmBackwardNames);
            if (rows > 0) Map.Rows(new LstmBackwardOperator(a, c0, t, dh, dc, da, hiddenSize), rows, hiddenSize, SimdLevels.Current);
        }
    }

    /// <summary>
    /// GRU forward: with x = gates' row (x·W_i + b_i) and h = hiddenGates' row (h_{t−1}·W_h + b_h),
    /// r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n) replace x in place, and
    /// next = n + z·(previous − n), which is (1 − z)·n + z·previous.
    /// </summary>
    /// <param name="gates">(rows × 3·hidden), updated in place to [r z n].</param>
    /// <param name="hiddenGates">(rows × 3·hidden).</param>
    /// <param name="previous">h_{t−1}, (rows × hidden).</param>
    /// <param name="next">h_t, (rows × hidden).</param>
    /// <param name="rows">Rows (the batch).</param>
    /// <param name="hiddenSize">H.</param>
    /// <exception cref="ArgumentOutOfRangeException">rows is negative or hiddenSize is not positive.</exception>
    /// <exception cref="ArgumentException">An array does not hold its shape exactly, or two arrays overlap.</exception>
    public static void GruForward(Span<float> gates, ReadOnlySpan<float> hiddenGates, ReadOnlySpan<float> previous, Span<float> next, int rows, int hiddenSize)
    {
        CheckSizes(rows, hiddenSize);
        Shape(gates, rows, 3 * hiddenSize, nameof(gates), "3·hidden");
        Shape(hiddenGates, rows, 3 * hiddenSize, nameof(hiddenGates), "3·hidden");
        Shape(previous, rows, hiddenSize, nameof(previous), "hidden");
        Shape(next, rows, hiddenSize, nameof(next), "hidden");
        fixed (float* x = gates, h = hiddenGates, p = previous, n = next)
        {
            Disjoint([(nint)x, (nint)h, (nint)p, (nint)n], [gates.Length, hiddenGates.Length, previous.Length, next.Length], GruForwardNames);
            if (rows > 0) Map.Rows(new GruResetUpdateOperator(x, h, hiddenSize), new GruCandidateOperator(x, h, p, n, hiddenSize), rows, hiddenSize, SimdLevels.Current);
        }
    }

    /// <summary>
    /// GRU backward from the saved [r z n] and hidden gates: with dh = hiddenGradient (∂J/∂h_t),
    /// dn = dh·(1 − z)·(1 − n²), dz = dh·(h_{t−1} − n)·z(1 − z), dr = dn·h_n·r(1 − r);
    /// inputGateGradient = [dr dz dn] (∂J/∂(x·W_i + b_i)), hiddenGateGradient = [dr dz dn·r]
    /// (∂J/∂(h·W_h + b_h)), and previousGradient += dh·z in place (the direct path of ∂J/∂h_{t−1}).
    /// </summary>
    /// <param name="gates">[r z n] written by <see cref="GruForward"/>, (rows × 3·hidden).</param>
    /// <param name="hiddenGates">h_{t−1}·W_h + b_h, (rows × 3·hidden).</param>
    /// <param name="previous">h_{t−1}, (rows × hidden).</param>
    /// <param name="hiddenGradient">∂J/∂h_t, (rows × hidden).</param>
    /// <param name="previousGradient">(rows × hidden), accumulated in place.</param>
    /// <param name="inputGateGradient">(rows × 3·hidden).</param>
    /// <param name="hiddenGateGradient">(rows × 3·hidden).</param>
    /// <param name="rows">Rows (the batch).</param>
    /// <param name="hiddenSize">H.</param>
    /// <exception cref="ArgumentOutOfRangeException">rows is negative or hiddenSize is not positive.</exception>
    /// <exception cref="ArgumentException">An array does not hold its shape exactly, or two arrays overlap.</exception>
    public static void GruBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> hiddenGates, ReadOnlySpan<float> previous, ReadOnlySpan<float> hiddenGradient,
        Span<float> previousGradient, Span<float> inputGateGradient, Span<float> hiddenGateGradient, int rows, int hiddenSize)
    {
        CheckSizes(rows, hiddenSize);
        Shape(gates, rows, 3 * hiddenSize, nameof(gates), "3·hidden");
        Shape(hiddenGates, rows, 3 * hiddenSize, nameof(hiddenGates), "3·hidden");
        Shape(previous, rows, hiddenSize, nameof(previous), "hidden");
        Shape(hiddenGradient, rows, hiddenSize, nameof(hiddenGradient), "hidden");
        Shape(previousGradient, rows, hiddenSize, nameof(previousGradient), "hidden");
        Shape(inputGateGradient, rows, 3 * hiddenSize, nameof(inputGateGradient), "3·hidden");
        Shape(hiddenGateGradient, rows, 3 * hiddenSize, nameof(hiddenGateGradient), "3·hidden");
        fixed (float* a = gates, h = hiddenGates, p = previous, dh = hiddenGradient, dp = previousGradient, di = inputGateGradient, dhid = hiddenGateGradient)
        {
            Disjoint([(nint)a, (nint)h, (nint)p, (nint)dh, (nint)dp, (nint)di, (nint)dhid],
                [gates.Length, hiddenGates.Length, previous.Length, hiddenGradient.Length, previousGradient.Length, inputGateGradient.Length, hiddenGateGradient.Length], GruBackwardNames);
            if (rows > 0) Map.Rows(new GruBackwardOperator(a, h, p, dh, dp, di, dhid, hiddenSize), rows, hiddenSize, SimdLevels.Current);
        }
    }

    private static void CheckSizes(int rows, int hiddenSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
    }

    private static void Shape(ReadOnlySpan<float> array, int rows, int columns, string name, string columnsName)
    {
        if (array.Length != (long)rows * columns)
            throw new ArgumentException($"{name} has {array.Length} floats but rows × {columnsName} is {rows}×{columns} = {(long)rows * columns}", name);
    }

    private static readonly string[] LstmForwardNames = ["gates", "previousCell", "cell", "tanhCell", "hidden"];
    private static readonly string[] LstmBackwardNames = ["gates", "previousCell", "tanhCell", "hiddenGradient", "cellGradient", "gateGradient"];
    private static readonly string[] GruForwardNames = ["gates", "hiddenGates", "previous", "next"];
    private static readonly string[] GruBackwardNames = ["gates", "hiddenGates", "previous", "hiddenGradient", "previousGradient", "inputGateGradient", "hiddenGateGradient"];

    /// <summary>
    /// Throws when any two arrays (start addresses and lengths in floats) share memory; an array updated
    /// in place is one argument, so it is never compared with itself.
    /// </summary>
    private static void Disjoint(ReadOnlySpan<nint> starts, ReadOnlySpan<int> lengths, string[] names)
    {
        for (int i = 0; i < starts.Length; i++)
            for (int j = i + 1; j < starts.Length; j++)
            {
                nint endI = starts[i] + lengths[i] * sizeof(float), endJ = starts[j] + lengths[j] * sizeof(float);
                if (lengths[i] > 0 && lengths[j] > 0 && starts[i] < endJ && starts[j] < endI)
                    throw new ArgumentException($"{names[j]} overlaps {names[i]}; the arrays must be disjoint", names[j]);
            }
    }
}
