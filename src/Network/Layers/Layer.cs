namespace Simd.Network;

/// <summary>
/// A layer: a forward/backward pair over a batch of row-major examples. Forward maps
/// x (batch, <see cref="InputSize"/>) to y (batch, <see cref="OutputSize"/>); backward receives
/// dy = ∂J/∂y, accumulates ∂J/∂θ into the arena's gradients, and writes dx = ∂J/∂x when asked.
/// </summary>
/// <remarks>
/// The contract is public so that users write layers the way the library does: declare parameters in
/// <see cref="DeclareParameters"/> (keep the returned <see cref="Parameter"/>s), fill them in
/// <see cref="InitializeParameters"/>, and in <see cref="Backward"/> only add to gradients, through
/// <see cref="ParameterArena.AccumulateProduct"/>, <see cref="ParameterArena.AccumulateRowSums"/> or
/// <see cref="ParameterArena.GradientOf(Parameter)"/>; how and when gradients are zeroed is the arena's business.
/// </remarks>
public abstract class Layer
{
    /// <summary>Unique name within the model; parameter names start with it.</summary>
    public string Name { get; internal set; } = "";

    /// <summary>The <see cref="ModelBuilder"/> this layer was added to (null until then): a layer belongs to one model.</summary>
    internal ModelBuilder? Owner { get; set; }

    /// <summary>Floats per example going in (for an embedding: the window's token count).</summary>
    public abstract int InputSize { get; }

    /// <summary>Floats per example coming out.</summary>
    public abstract int OutputSize { get; }

    /// <summary>
    /// What the layer computes, without its name or initialization: kind, sizes and any setting that changes
    /// the function (an activation). A checkpoint stores it and refuses to load into a layer whose value
    /// differs, so override it when a setting other than the sizes changes what the parameters mean.
    /// The default is "TypeName InputSize → OutputSize".
    /// </summary>
    public virtual string Architecture => $"{GetType().Name} {InputSize} → {OutputSize}";

    /// <summary>Declares this layer's parameters in the model's arena.</summary>
    public abstract void DeclareParameters(ParameterArena arena);

    /// <summary>Seeded initialization of this layer's parameters (called once after the arena is allocated).</summary>
    public abstract void InitializeParameters(ParameterArena arena, Rng rng);

    /// <summary>y = f(x) for <paramref name="batch"/> examples.</summary>
    public abstract void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, ParameterArena arena);

    /// <summary>
    /// Backward pass. <paramref name="dy"/> holds ∂J/∂y on entry and may be overwritten (with δ).
    /// Parameter gradients are accumulated (+=). <paramref name="dx"/> is empty when the input needs
    /// no gradient (the first layer); otherwise it receives ∂J/∂x (overwritten, not accumulated).
    /// </summary>
    public abstract void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy, Span<float> dx, int batch, ParameterArena arena);

    /// <summary>A one-line description, e.g. "dense1: Dense 64 → 128, ReLU".</summary>
    public abstract override string ToString();
}
