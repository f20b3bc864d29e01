namespace Simd.Network;

/// <summary>How a weight matrix is initialized. Biases always start at zero.</summary>
public enum Initializer
{
    /// <summary>Chosen from the activation that follows: He for ReLU, Xavier/Glorot otherwise.</summary>
    Auto = 0,
    /// <summary>He (Kaiming) normal: N(0, 2 / fanIn). For ReLU layers.</summary>
    HeNormal,
    /// <summary>Xavier/Glorot uniform: U(−√(6 / (fanIn + fanOut)), +√(6 / (fanIn + fanOut))). For sigmoid / tanh / linear layers.</summary>
    XavierUniform,
    /// <summary>Normal with standard deviation 0.1: the default for embedding tables.</summary>
    SmallNormal,
}

/// <summary>Seeded weight initialization.</summary>
public static class Initializers
{
    /// <summary>Fills <paramref name="weights"/> (fanIn × fanOut) according to <paramref name="initializer"/>.</summary>
    public static void Fill(Initializer initializer, Span<float> weights, int fanIn, int fanOut, Rng rng)
    {
        switch (initializer)
        {
            case Initializer.HeNormal:
                double std = Math.Sqrt(2.0 / Math.Max(fanIn, 1));
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)(std * rng.NextNormal());
                break;
            case Initializer.XavierUniform:
                double limit = Math.Sqrt(6.0 / Math.Max(fanIn + fanOut, 1));
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)(limit * (2 * rng.NextDouble() - 1));
                break;
            case Initializer.SmallNormal:
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)(0.1 * rng.NextNormal());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Resolve Auto against the activation before filling.");
        }
    }
}
