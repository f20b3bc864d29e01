namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>w[i] −= lr·g[i] in double.</summary>
    public static void Sgd(ReadOnlySpan<float> gradients, Span<double> weights, double learningRate)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] -= learningRate * gradients[i];
    }

    /// <summary>v = μv + g; w −= lr·v (or lr·(g + μv) for Nesterov), in double.</summary>
    public static void SgdMomentum(ReadOnlySpan<float> gradients, Span<double> weights, Span<double> velocity,
        double learningRate, double momentum, bool nesterov)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            velocity[i] = momentum * velocity[i] + gradients[i];
            weights[i] -= learningRate * (nesterov ? gradients[i] + momentum * velocity[i] : velocity[i]);
        }
    }

    /// <summary>
    /// Textbook Adam in double: m, v moving averages, bias-corrected m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t),
    /// w −= lr·λ·w (decoupled decay, applied to the old w) + lr·m̂/(√v̂ + ε).
    /// </summary>
    public static void Adam(ReadOnlySpan<float> gradients, Span<double> weights, Span<double> m, Span<double> v, int step,
        double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
    {
        double c1 = 1 - Math.Pow(beta1, step), c2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < weights.Length; i++)
        {
            double g = gradients[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double mHat = m[i] / c1, vHat = v[i] / c2;
            weights[i] = weights[i] - learningRate * weightDecay * weights[i] - learningRate * mHat / (Math.Sqrt(vHat) + epsilon);
        }
    }
}
