namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>LSTM forward in double: returns (activations [i f g o], c, tanh c, h), each row-major.</summary>
    public static (double[] Gates, double[] Cell, double[] TanhCell, double[] Hidden) LstmForward(ReadOnlySpan<float> gates, ReadOnlySpan<float> previousCell, int rows, int size)
    {
        var act = new double[rows * 4 * size];
        var cell = new double[rows * size];
        var tanhCell = new double[rows * size];
        var hidden = new double[rows * size];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < size; j++)
            {
                int a = r * 4 * size + j, at = r * size + j;
                double i = Sigmoid(gates[a]), f = Sigmoid(gates[a + size]), g = Tanh(gates[a + 2 * size]), o = Sigmoid(gates[a + 3 * size]);
                double c = f * previousCell[at] + i * g;
                (act[a], act[a + size], act[a + 2 * size], act[a + 3 * size]) = (i, f, g, o);
                cell[at] = c;
                tanhCell[at] = Math.Tanh(c);
                hidden[at] = o * Math.Tanh(c);
            }
        return (act, cell, tanhCell, hidden);
    }

    /// <summary>LSTM backward in double from saved activations: returns (∂J/∂pre-activations, ∂J/∂c_{t−1}).</summary>
    public static (double[] GateGradient, double[] CellGradient) LstmBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> previousCell, ReadOnlySpan<float> tanhCell,
        ReadOnlySpan<float> hiddenGradient, ReadOnlySpan<float> cellGradient, int rows, int size)
    {
        var dGates = new double[rows * 4 * size];
        var dCell = new double[rows * size];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < size; j++)
            {
                int a = r * 4 * size + j, at = r * size + j;
                double i = gates[a], f = gates[a + size], g = gates[a + 2 * size], o = gates[a + 3 * size], dh = hiddenGradient[at], t = tanhCell[at];
                double dc = cellGradient[at] + dh * o * (1 - t * t);
                dGates[a] = dc * g * i * (1 - i);
                dGates[a + size] = dc * previousCell[at] * f * (1 - f);
                dGates[a + 2 * size] = dc * i * (1 - g * g);
                dGates[a + 3 * size] = dh * t * o * (1 - o);
                dCell[at] = dc * f;
            }
        return (dGates, dCell);
    }

    /// <summary>GRU forward in double: returns ([r z n], h′).</summary>
    public static (double[] Gates, double[] Next) GruForward(ReadOnlySpan<float> gates, ReadOnlySpan<float> hiddenGates, ReadOnlySpan<float> previous, int rows, int size)
    {
        var act = new double[rows * 3 * size];
        var next = new double[rows * size];
        for (int row = 0; row < rows; row++)
            for (int j = 0; j < size; j++)
            {
                int a = row * 3 * size + j, at = row * size + j;
                double r = Sigmoid((double)gates[a] + hiddenGates[a]), z = Sigmoid((double)gates[a + size] + hiddenGates[a + size]);
                double n = Math.Tanh(gates[a + 2 * size] + r * hiddenGates[a + 2 * size]);
                (act[a], act[a + size], act[a + 2 * size]) = (r, z, n);
                next[at] = (1 - z) * n + z * previous[at];
            }
        return (act, next);
    }

    /// <summary>GRU backward in double: returns (∂J/∂input gates, ∂J/∂hidden gates, previousGradient + dh·z).</summary>
    public static (double[] InputGates, double[] HiddenGates, double[] PreviousGradient) GruBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> hiddenGates,
        ReadOnlySpan<float> previous, ReadOnlySpan<float> hiddenGradient, ReadOnlySpan<float> previousGradient, int rows, int size)
    {
        var di = new double[rows * 3 * size];
        var dhid = new double[rows * 3 * size];
        var dp = new double[rows * size];
        for (int row = 0; row < rows; row++)
            for (int j = 0; j < size; j++)
            {
                int a = row * 3 * size + j, at = row * size + j;
                double r = gates[a], z = gates[a + size], n = gates[a + 2 * size], dh = hiddenGradient[at];
                double dn = dh * (1 - z) * (1 - n * n);
                double dz = dh * (previous[at] - n) * z * (1 - z);
                double dr = dn * hiddenGates[a + 2 * size] * r * (1 - r);
                (di[a], di[a + size], di[a + 2 * size]) = (dr, dz, dn);
                (dhid[a], dhid[a + size], dhid[a + 2 * size]) = (dr, dz, dn * r);
                dp[at] = previousGradient[at] + dh * z;
            }
        return (di, dhid, dp);
    }
}
