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
}
