using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// The element-wise nonlinearity σ of a layer: a = σ(z). The Network's own name for the kernels'
/// <see cref="ActivationFunction"/> (same members, same math), so that a Network user needs only
/// <c>using Simd.Network;</c>.
/// </summary>
public enum Activation
{
    /// <summary>σ(z) = z.</summary>
    None = ActivationFunction.None,
    /// <summary>σ(z) = max(z, 0); σ′(0) = 0.</summary>
    Relu = ActivationFunction.Relu,
    /// <summary>σ(z) = 1 / (1 + e^−z).</summary>
    Sigmoid = ActivationFunction.Sigmoid,
    /// <summary>σ(z) = tanh z.</summary>
    Tanh = ActivationFunction.Tanh,
}

internal static class ActivationConversions
{
    /// <summary>The kernel function that computes <paramref name="activation"/>; the members share their values.</summary>
    public static ActivationFunction ToKernel(this Activation activation) => (ActivationFunction)activation;
}
