namespace Simd.Kernels.Tests;

public class RecurrentGatesTests
{
    // Values are O(1) and each output is a product of at most five rounded factors (σ and tanh within
    // 2 ulp), so a few float ulps relative plus a small absolute term for cancellation in c and dc.
    private const double Relative = 1e-5, Absolute = 4e-6;

    public static TheoryData<SimdLevel> Levels => TestSupport.Levels;

    /// <summary>Every remainder of every width (1..40), around the widths' multiples, and the trained size.</summary>
    private static IEnumerable<int> Sizes()
    {
        for (int n = 1; n <= 40; n++) yield return n;
        foreach (int n in new[] { 63, 64, 65, 256, 257 }) yield return n;
    }

    private static readonly int[] RowCounts = [1, 3];

    /// <summary>A guarded copy: the span sits at an unaligned offset between NaN sentinels.</summary>
    private sealed class Guarded(ReadOnlySpan<float> values, int offset)
    {
        private readonly (float[] Buffer, int Start) _storage = TestSupport.Unaligned(values, offset);
        private readonly int _length = values.Length;

        public Span<float> Span => _storage.Buffer.AsSpan(_storage.Start, _length);

        public void AssertSentinels(string context)
        {
            Assert.True(float.IsNaN(_storage.Buffer[_storage.Start - 1]), $"{context}: wrote before the start");
            Assert.True(float.IsNaN(_storage.Buffer[^1]), $"{context}: wrote past the end");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LstmForwardMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int size in Sizes())
            foreach (int rows in RowCounts)
            {
                string context = $"{level} LSTM forward, {rows} rows, hidden {size}";
                float[] pre = TestSupport.Uniform(rows * 4 * size, size * 31 + rows, -4f, 4f);
                if (size >= 5) pre[rows * 4 * size - size - 2] = float.NaN;   // one o pre-activation of the last row
                float[] previousCell = TestSupport.Uniform(rows * size, size * 37 + rows, -2f, 2f);
                var expected = Reference.LstmForward(pre, previousCell, rows, size);
                var gates = new Guarded(pre, 1 + size % 3);
                Guarded cell = new(new float[rows * size], 2), tanhCell = new(new float[rows * size], 3), hidden = new(new float[rows * size], 1);
                RecurrentGates.LstmForward(gates.Span, previousCell, cell.Span, tanhCell.Span, hidden.Span, rows, size);
                TestSupport.AssertClose(expected.Gates, gates.Span, Relative, Absolute, context + " gates");
                TestSupport.AssertClose(expected.Cell, cell.Span, Relative, Absolute, context + " cell");
                TestSupport.AssertClose(expected.TanhCell, tanhCell.Span, Relative, Absolute, context + " tanh cell");
                TestSupport.AssertClose(expected.Hidden, hidden.Span, Relative, Absolute, context + " hidden");
                foreach (Guarded g in new[] { gates, cell, tanhCell, hidden }) g.AssertSentinels(context);
            }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LstmBackwardMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int size in Sizes())
            foreach (int rows in RowCounts)
            {
                string context = $"{level} LSTM backward, {rows} rows, hidden {size}";
                float[] gates = TestSupport.Uniform(rows * 4 * size, size * 41 + rows, 0f, 1f);
                for (int r = 0; r < rows; r++)                                   // g = tanh(·) lies in (−1, 1)
                    for (int j = 0; j < size; j++) gates[r * 4 * size + 2 * size + j] = 2 * gates[r * 4 * size + 2 * size + j] - 1;
                float[] previousCell = TestSupport.Uniform(rows * size, size * 43 + rows, -2f, 2f);
                float[] tanhCell = TestSupport.Uniform(rows * size, size * 47 + rows, -1f, 1f);
                float[] dh = TestSupport.Uniform(rows * size, size * 53 + rows);
                float[] dcIn = TestSupport.Uniform(rows * size, size * 59 + rows);
                if (size >= 5) dh[rows * size - 3] = float.NaN;
                var expected = Reference.LstmBackward(gates, previousCell, tanhCell, dh, dcIn, rows, size);
                Guarded cellGradient = new(dcIn, 2), gateGradient = new(new float[rows * 4 * size], 1 + size % 3);
                RecurrentGates.LstmBackward(gates, previousCell, tanhCell, dh, cellGradient.Span, gateGradient.Span, rows, size);
                TestSupport.AssertClose(expected.GateGradient, gateGradient.Span, Relative, Absolute, context + " gate gradient");
                TestSupport.AssertClose(expected.CellGradient, cellGradient.Span, Relative, Absolute, context + " cell gradient");
                cellGradient.AssertSentinels(context);
                gateGradient.AssertSentinels(context);
            }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void GruForwardMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int size in Sizes())
            foreach (int rows in RowCounts)
            {
                string context = $"{level} GRU forward, {rows} rows, hidden {size}";
                float[] inputGates = TestSupport.Uniform(rows * 3 * size, size * 61 + rows, -3f, 3f);
                float[] hiddenGates = TestSupport.Uniform(rows * 3 * size, size * 67 + rows, -3f, 3f);
                if (size >= 5) hiddenGates[rows * 3 * size - 4] = float.NaN;      // one h_n of the last row
                float[] previous = TestSupport.Uniform(rows * size, size * 71 + rows);
                var expected = Reference.GruForward(inputGates, hiddenGates, previous, rows, size);
                Guarded gates = new(inputGates, 1 + size % 3), next = new(new float[rows * size], 2);
                RecurrentGates.GruForward(gates.Span, hiddenGates, previous, next.Span, rows, size);
                TestSupport.AssertClose(expected.Gates, gates.Span, Relative, Absolute, context + " gates");
                TestSupport.AssertClose(expected.Next, next.Span, Relative, Absolute, context + " next");
                gates.AssertSentinels(context);
                next.AssertSentinels(context);
            }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void GruBackwardMatchesReference(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        foreach (int size in Sizes())
            foreach (int rows in RowCounts)
            {
                string context = $"{level} GRU backward, {rows} rows, hidden {size}";
                float[] gates = TestSupport.Uniform(rows * 3 * size, size * 73 + rows, 0f, 1f);
                for (int r = 0; r < rows; r++)                                   // n = tanh(·) lies in (−1, 1)
                    for (int j = 0; j < size; j++) gates[r * 3 * size + 2 * size + j] = 2 * gates[r * 3 * size + 2 * size + j] - 1;
                float[] hiddenGates = TestSupport.Uniform(rows * 3 * size, size * 79 + rows, -3f, 3f);
                float[] previous = TestSupport.Uniform(rows * size, size * 83 + rows);
                float[] dh = TestSupport.Uniform(rows * size, size * 89 + rows);
                float[] dpIn = TestSupport.Uniform(rows * size, size * 97 + rows);
                if (size >= 5) previous[rows * size - 2] = float.NaN;
                var expected = Reference.GruBackward(gates, hiddenGates, previous, dh, dpIn, rows, size);
                Guarded previousGradient = new(dpIn, 3), inputGradient = new(new float[rows * 3 * size], 1), hiddenGradient = new(new float[rows * 3 * size], 2 + size % 2);
                RecurrentGates.GruBackward(gates, hiddenGates, previous, dh, previousGradient.Span, inputGradient.Span, hiddenGradient.Span, rows, size);
                TestSupport.AssertClose(expected.InputGates, inputGradient.Span, Relative, Absolute, context + " input gates");
                TestSupport.AssertClose(expected.HiddenGates, hiddenGradient.Span, Relative, Absolute, context + " hidden gates");
                TestSupport.AssertClose(expected.PreviousGradient, previousGradient.Span, Relative, Absolute, context + " previous gradient");
                foreach (Guarded g in new[] { previousGradient, inputGradient, hiddenGradient }) g.AssertSentinels(context);
            }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void RowsGiveTheSameBitsWhateverTheirGrouping(SimdLevel level)
    {
        using var _ = SimdLevels.Force(level);
        const int rows = 5, size = 37;
        float[] pre = TestSupport.Uniform(rows * 4 * size, 1, -4f, 4f), previousCell = TestSupport.Uniform(rows * size, 2);
        float[] together = (float[])pre.Clone(), apart = (float[])pre.Clone();
        float[] cellA = new float[rows * size], tanhA = new float[rows * size], hA = new float[rows * size];
        float[] cellB = new float[rows * size], tanhB = new float[rows * size], hB = new float[rows * size];
        RecurrentGates.LstmForward(together, previousCell, cellA, tanhA, hA, rows, size);
        for (int r = 0; r < rows; r++)
            RecurrentGates.LstmForward(apart.AsSpan(r * 4 * size, 4 * size), previousCell.AsSpan(r * size, size), cellB.AsSpan(r * size, size),
                tanhB.AsSpan(r * size, size), hB.AsSpan(r * size, size), 1, size);
        Assert.Equal(together, apart);
        Assert.Equal(cellA, cellB);
        Assert.Equal(tanhA, tanhB);
        Assert.Equal(hA, hB);
    }

    [Fact]
    public void BadArgumentsNameTheParameterAndChangeNothing()
    {
        const int rows = 2, size = 8;
        float[] gates = TestSupport.Uniform(rows * 4 * size, 5), original = (float[])gates.Clone();
        float[] previousCell = new float[rows * size], cell = new float[rows * size], tanhCell = new float[rows * size], hidden = new float[rows * size];
        var shape = Assert.Throws<ArgumentException>(() => RecurrentGates.LstmForward(gates, previousCell, new float[rows * size - 1], tanhCell, hidden, rows, size));
        Assert.Equal("cell", shape.ParamName);
        Assert.Contains("2×8", shape.Message);
        var overlap = Assert.Throws<ArgumentException>(() => RecurrentGates.LstmForward(gates, previousCell, cell, cell, hidden, rows, size));
        Assert.Equal("tanhCell", overlap.ParamName);
        Assert.Equal(original, gates);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => RecurrentGates.GruForward([], [], [], [], -1, size)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => RecurrentGates.GruForward([], [], [], [], 0, 0)).ParamName);
        float[] gru = new float[rows * 3 * size], state = new float[rows * size];
        var partial = Assert.Throws<ArgumentException>(() => RecurrentGates.GruBackward(gru, new float[rows * 3 * size], state, new float[rows * size],
            new float[rows * size], gru, new float[rows * 3 * size], rows, size));
        Assert.Equal("inputGateGradient", partial.ParamName);
    }

    [Fact]
    public void ZeroRowsIsANoOp()
    {
        RecurrentGates.LstmForward([], [], [], [], [], 0, 4);
        RecurrentGates.LstmBackward([], [], [], [], [], [], 0, 4);
        RecurrentGates.GruForward([], [], [], [], 0, 4);
        RecurrentGates.GruBackward([], [], [], [], [], [], [], 0, 4);
    }

    [Fact]
    public void SteadyStateCallsAllocateNothing()
    {
        const int rows = 4, size = 33;
        float[] g4 = TestSupport.Uniform(rows * 4 * size, 9, 0f, 1f), g3 = TestSupport.Uniform(rows * 3 * size, 10, 0f, 1f), h3 = TestSupport.Uniform(rows * 3 * size, 11);
        float[] a = TestSupport.Uniform(rows * size, 12), b = TestSupport.Uniform(rows * size, 13), c = new float[rows * size], d = new float[rows * size], e = new float[rows * size];
        float[] o4 = new float[rows * 4 * size], o3 = new float[rows * 3 * size], p3 = new float[rows * 3 * size];
        TestSupport.AssertNoAllocation(() => RecurrentGates.LstmForward(o4, a, c, d, e, rows, size), "LstmForward");
        TestSupport.AssertNoAllocation(() => RecurrentGates.LstmBackward(g4, a, b, d, c, o4, rows, size), "LstmBackward");
        TestSupport.AssertNoAllocation(() => RecurrentGates.GruForward(o3, h3, a, c, rows, size), "GruForward");
        TestSupport.AssertNoAllocation(() => RecurrentGates.GruBackward(g3, h3, a, b, c, o3, p3, rows, size), "GruBackward");
    }
}
