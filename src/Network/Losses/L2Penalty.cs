using Simd.Kernels;

namespace Simd.Network;

/// <summary>
/// The L2 penalty P = λ·Σ_W ‖W‖² over every weight parameter (<see cref="Parameter.IsWeight"/>: weight
/// matrices and embedding tables, not biases), and its gradient ∂P/∂W = 2λ·W.
/// </summary>
public sealed class L2Penalty
{
    /// <summary>Creates the penalty; λ = 0 makes every method a no-op returning 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite.</exception>
    public L2Penalty(float lambda)
    {
        if (!(lambda >= 0 && float.IsFinite(lambda))) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be finite and non-negative");
        Lambda = lambda;
    }

    /// <summary>λ.</summary>
    public float Lambda { get; }

    /// <summary>
    /// Adds 2λ·W to every weight's gradient and returns P, summed in float in declaration order (each
    /// parameter's term as <see cref="Regularization.L2Penalty"/> computes it). A row-sparse table's rows
    /// all count as touched afterwards.
    /// </summary>
    public float AddTo(ParameterArena parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Lambda == 0) return 0;
        float penalty = 0;
        IReadOnlyList<Parameter> all = parameters.Parameters;
        for (int i = 0; i < all.Count; i++)
        {
            Parameter parameter = all[i];
            if (!parameter.IsWeight) continue;
            penalty += Regularization.L2Penalty(Lambda, parameters.ValuesOf(parameter));
            Regularization.L2Gradient(Lambda, parameters.ValuesOf(parameter), parameters.GradientOf(parameter));
            if (parameter.IsRowSparse) parameters.TouchedRowsOf(parameter).TouchAll();
        }
        return penalty;
    }

    /// <summary>P accumulated in double, for references and finite differences.</summary>
    public double Evaluate(ParameterArena parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Lambda == 0) return 0;
        double penalty = 0;
        foreach (Parameter parameter in parameters.Parameters)
            if (parameter.IsWeight)
                foreach (float w in parameters.ValuesOf(parameter)) penalty += (double)Lambda * w * w;
        return penalty;
    }
}
