using Simd.Kernels;

namespace Simd.Network;

/// <summary>How a loss over a batch is reduced to one number J; ∂J/∂outputs is scaled the same way.</summary>
public enum Reduction
{
    /// <summary>J is the sum of the per-example losses.</summary>
    Sum = LossReduction.Sum,
    /// <summary>J is the sum divided by the batch size (the number of examples, not of outputs): the mean loss per example.</summary>
    Mean = LossReduction.Mean,
}

internal static class ReductionConversions
{
    /// <summary>The kernel reduction with the same meaning; the members share their values.</summary>
    public static LossReduction ToKernel(this Reduction reduction) => (LossReduction)reduction;
}
