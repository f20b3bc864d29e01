namespace Simd.Perf;

/// <summary>Order statistics, a confidence interval for the median and the Mann–Whitney U test used to compare runs.</summary>
public static class Statistics
{
    /// <summary>Median of <paramref name="values"/> (mean of the middle two for even counts); NaN when empty.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
    }

    /// <summary>
    /// Two-sided p-value of the Mann–Whitney U test that <paramref name="x"/> and <paramref name="y"/>
    /// come from the same distribution. Exact (by counting rank-sum arrangements) when there are no ties
    /// and n·m ≤ 2500; otherwise the normal approximation with tie and continuity corrections.
    /// </summary>
    public static double MannWhitneyP(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count, m = y.Count;
        if (n == 0 || m == 0) return 1.0;

        var all = new (double Value, int Group)[n + m];
        for (int i = 0; i < n; i++) all[i] = (x[i], 0);
        for (int j = 0; j < m; j++) all[n + j] = (y[j], 1);
        Array.Sort(all, (a, b) => a.Value.CompareTo(b.Value));

        double rankSumX = 0, tieTerm = 0;
        bool ties = false;
        for (int start = 0; start < all.Length;)
        {
            int end = start;
            while (end + 1 < all.Length && all[end + 1].Value == all[start].Value) end++;
            int count = end - start + 1;
            double rank = 0.5 * (start + end) + 1;
            for (int t = start; t <= end; t++)
                if (all[t].Group == 0) rankSumX += rank;
            if (count > 1) { ties = true; tieTerm += (double)count * count * count - count; }
            start = end + 1;
        }
        double u = rankSumX - n * (n + 1) / 2.0;

        if (!ties && (long)n * m <= 2500)
            return ExactTwoSided(n, m, u);

        double mean = n * m / 2.0;
        int total = n + m;
        double variance = n * m / 12.0 * ((total + 1) - tieTerm / ((double)total * (total - 1)));
        if (variance <= 0) return 1.0;
        double z = (Math.Abs(u - mean) - 0.5) / Math.Sqrt(variance);
        return Math.Min(1.0, 2.0 * NormalUpperTail(Math.Max(z, 0)));
    }

    // Counts the arrangements with U ≤ u via the recurrence f(n, m, u) = f(n−1, m, u−m) + f(n, m−1, u).
    private static double ExactTwoSided(int n, int m, double u)
    {
        int maxU = n * m;
        var counts = new double[n + 1, m + 1, maxU + 1];
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= m; j++)
                for (int k = 0; k <= maxU; k++)
                {
                    if (i == 0 || j == 0) { counts[i, j, k] = k == 0 ? 1 : 0; continue; }
                    double take = k - j >= 0 ? counts[i - 1, j, k - j] : 0;
                    counts[i, j, k] = take + counts[i, j - 1, k];
                }
        double totalArrangements = 0;
        for (int k = 0; k <= maxU; k++) totalArrangements += counts[n, m, k];
        double lowU = Math.Min(u, maxU - u);
        double tail = 0;
        for (int k = 0; k <= (int)Math.Floor(lowU); k++) tail += counts[n, m, k];
        return Math.Min(1.0, 2.0 * tail / totalArrangements);
    }

    /// <summary>
    /// Distribution-free confidence interval for the median of <paramref name="values"/>: the order
    /// statistics x(k) and x(n+1-k) with the largest k such that P(Binomial(n, 1/2) &lt; k) is at most
    /// (1 - confidence)/2. Assumes only that the values are independent draws; with too few values for
    /// the confidence (fewer than 8 at 99%), the interval is unbounded.
    /// </summary>
    public static (double Lower, double Upper) MedianInterval(IReadOnlyList<double> values, double confidence)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "must be in (0, 1)");
        int n = values.Count;
        double[] sorted = [.. values];
        Array.Sort(sorted);
        double tail = (1 - confidence) / 2, below = 0, term = Math.Pow(0.5, n);
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            if (below + term > tail) break;
            below += term;
            k = i + 1;
            term = term * (n - i) / (i + 1);
        }
        return k == 0 ? (double.NegativeInfinity, double.PositiveInfinity) : (sorted[k - 1], sorted[n - k]);
    }

    /// <summary>P(Z &gt; z) for a standard normal Z (Abramowitz–Stegun 7.1.26 erfc, |error| &lt; 1.5e-7).</summary>
    public static double NormalUpperTail(double z)
    {
        double x = Math.Abs(z) / Math.Sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-x * x);
        double upper = 0.5 * erfc;
        return z >= 0 ? upper : 1 - upper;
    }
}
