namespace Simd.Kernels;

/// <summary>How a loss over a (rows × cols) batch is reduced to one number; the gradient is scaled the same way.</summary>
public enum LossReduction
{
    /// <summary>The sum over all rows (examples) and columns (outputs).</summary>
    Sum = 0,
    /// <summary>
    /// The sum divided by the number of ROWS (the batch size), not by the element count: the loss per
    /// example, whose gradient does not shrink when a layer has more outputs.
    /// </summary>
    Mean,
}
