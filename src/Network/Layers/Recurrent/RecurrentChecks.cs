namespace Simd.Network;

/// <summary>Argument checks shared by the recurrent layers.</summary>
internal static class RecurrentChecks
{
    /// <summary>steps and batch within the buffers' capacity, and x holding (steps, batch, inputs).</summary>
    public static void Sizes(string layer, int inputs, ReadOnlySpan<float> x, int steps, int batch, RecurrentBuffers buffers)
    {
        Sizes(layer, steps, batch, buffers);
        if (x.Length < steps * batch * inputs)
            throw new ArgumentException($"{layer}: x has {x.Length} floats but ({steps} steps, {batch}, {inputs}) needs {steps * batch * inputs}", nameof(x));
    }

    /// <summary>steps and batch within the buffers' capacity.</summary>
    public static void Sizes(string layer, int steps, int batch, RecurrentBuffers buffers)
    {
        if (steps <= 0 || steps > buffers.MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"{layer}: steps must be in [1, {buffers.MaxSteps}] (the buffers' capacity)");
        if (batch <= 0 || batch > buffers.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{layer}: batch must be in [1, {buffers.MaxBatch}] (the buffers' capacity)");
    }

    /// <summary>∂J/∂outputs holding (steps·batch, hidden), and ∂J/∂x, unless empty, holding (steps·batch, inputs).</summary>
    public static void Gradients(string layer, int hidden, int inputs, Span<float> outputGradient, Span<float> inputGradient, int steps, int batch)
    {
        int rows = steps * batch;
        if (outputGradient.Length < rows * hidden)
            throw new ArgumentException($"{layer}: outputGradient has {outputGradient.Length} floats but ({steps} steps, {batch}, {hidden}) needs {rows * hidden}", nameof(outputGradient));
        if (!inputGradient.IsEmpty && inputGradient.Length < rows * inputs)
            throw new ArgumentException($"{layer}: inputGradient has {inputGradient.Length} floats but ({steps} steps, {batch}, {inputs}) needs {rows * inputs}", nameof(inputGradient));
    }
}
