namespace Simd.Network;

/// <summary>How the recurrent (hidden-to-hidden) matrix of a recurrent layer is initialized.</summary>
public enum RecurrentInitializer
{
    /// <summary>Uniform in ±1/√hidden, as PyTorch initializes every recurrent weight.</summary>
    Uniform = 0,
    /// <summary>A random orthogonal matrix (Gram–Schmidt on a Gaussian one): every singular value is 1.</summary>
    Orthogonal,
    /// <summary>A scaled identity s·I (IRNN, for ReLU cells); s is the layer's identity scale.</summary>
    ScaledIdentity,
}

/// <summary>Seeded fills for recurrent weights.</summary>
public static class RecurrentInitializers
{
    /// <summary>weights[i] uniform in [−limit, +limit).</summary>
    public static void Uniform(Span<float> weights, double limit, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(limit * (2 * rng.NextDouble() - 1));
    }

    /// <summary>
    /// Fills the (n × n) matrix <paramref name="weights"/>, or each of its consecutive (n × n) column blocks
    /// when it is (n × g·n) for a gated cell, as <paramref name="initializer"/> says.
    /// </summary>
    /// <exception cref="ArgumentException">The span is not (n × g·n).</exception>
    public static void Fill(RecurrentInitializer initializer, Span<float> weights, int n, double identityScale, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (n <= 0 || weights.Length % (n * n) != 0)
            throw new ArgumentException($"weights has {weights.Length} floats, not a multiple of {n}×{n}", nameof(weights));
        int blocks = weights.Length / (n * n), width = blocks * n;
        switch (initializer)
        {
            case RecurrentInitializer.Uniform:
                Uniform(weights, 1 / Math.Sqrt(n), rng);
                break;
            case RecurrentInitializer.ScaledIdentity:
                weights.Clear();
                for (int g = 0; g < blocks; g++)
                    for (int i = 0; i < n; i++) weights[i * width + g * n + i] = (float)identityScale;
                break;
            case RecurrentInitializer.Orthogonal:
                for (int g = 0; g < blocks; g++)
                {
                    double[,] q = RandomOrthogonal(n, rng);
                    for (int i = 0; i < n; i++)
                        for (int j = 0; j < n; j++) weights[i * width + g * n + j] = (float)q[i, j];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "unknown recurrent initializer");
        }
    }

    /// <summary>Modified Gram–Schmidt on the rows of an n×n standard normal matrix, in double.</summary>
    private static double[,] RandomOrthogonal(int n, Rng rng)
    {
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            double norm;
            do
            {
                for (int j = 0; j < n; j++) q[i, j] = rng.NextNormal();
                for (int p = 0; p < i; p++)
                {
                    double dot = 0;
                    for (int j = 0; j < n; j++) dot += q[i, j] * q[p, j];
                    for (int j = 0; j < n; j++) q[i, j] -= dot * q[p, j];
                }
                norm = 0;
                for (int j = 0; j < n; j++) norm += q[i, j] * q[i, j];
                norm = Math.Sqrt(norm);
            }
            while (norm < 1e-6);
            for (int j = 0; j < n; j++) q[i, j] /= norm;
        }
        return q;
    }
}
