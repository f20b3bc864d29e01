using Simd.Kernels;

namespace Simd.Network.Tests;

/// <summary>
/// A double-precision reference of <see cref="SequenceModel"/>: the same function, computed example by
/// example and step by step with no shared code, from a copy of the parameter arena as doubles.
/// Finite differences of it are the reference gradients.
/// </summary>
internal sealed class SequenceReference(SequenceModel model, int steps, int batch, SequenceReduction reduction)
{
    /// <summary>The arena's values as doubles; perturb them for finite differences.</summary>
    public double[] Theta { get; } = [.. model.Parameters.Values.ToArray().Select(v => (double)v)];

    /// <summary>Per layer, the initial state (batch × state size); zero unless set.</summary>
    public double[][] InitialStates { get; } = [.. model.Layers.Select(l => new double[batch * l.StateSize])];

    /// <summary>Per layer, the final state of the last <see cref="Loss"/> call.</summary>
    public double[][] FinalStates { get; } = [.. model.Layers.Select(l => new double[batch * l.StateSize])];

    /// <summary>When true, J is the last step's loss alone, averaged over the batch (what <see cref="GradientReach"/> differentiates).</summary>
    public bool LastStepOnly { get; set; }

    /// <summary>J for (batch, steps) inputs and targets.</summary>
    public double Loss(int[] inputs, int[] targets) => Run(Embed(inputs), targets);

    /// <summary>J for (batch, steps, features) float inputs of a model built by <see cref="SequenceModel.ForFeatures"/>.</summary>
    public double Loss(float[] features, int[] targets)
    {
        int e = model.EmbeddingSize;
        var x = new double[steps][][];
        for (int t = 0; t < steps; t++)
        {
            x[t] = new double[batch][];
            for (int b = 0; b < batch; b++)
                x[t][b] = [.. features.AsSpan((b * steps + t) * e, e).ToArray().Select(v => (double)v)];
        }
        return Run(x, targets);
    }

    private double[][][] Embed(int[] inputs)
    {
        int e = model.EmbeddingSize;
        // x[t][b] : features
        var x = new double[steps][][];
        for (int t = 0; t < steps; t++)
        {
            x[t] = new double[batch][];
            for (int b = 0; b < batch; b++)
            {
                x[t][b] = new double[e];
                int token = inputs[b * steps + t];
                for (int i = 0; i < e; i++) x[t][b][i] = Theta[model.EmbeddingTable.Offset + token * e + i];
            }
        }
        return x;
    }

    private double Run(double[][][] x, int[] targets)
    {
        for (int l = 0; l < model.Layers.Count; l++)
            x = model.Layers[l] switch
            {
                Elman elman => Elman(elman, x, InitialStates[l], FinalStates[l]),
                Gru gru => Gru(gru, x, InitialStates[l], FinalStates[l]),
                Lstm lstm => Lstm(lstm, x, InitialStates[l], FinalStates[l]),
                var other => throw new NotSupportedException(other.GetType().Name),
            };
        Dense output = model.Output;
        double sum = 0;
        for (int t = LastStepOnly ? steps - 1 : 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                var logits = new double[output.Outputs];
                for (int j = 0; j < output.Outputs; j++)
                {
                    double z = Theta[output.Bias.Offset + j];
                    for (int i = 0; i < output.Inputs; i++) z += x[t][b][i] * Theta[output.Weight.Offset + i * output.Outputs + j];
                    logits[j] = z;
                }
                double max = logits.Max(), s = logits.Sum(z => Math.Exp(z - max));
                sum += Math.Log(s) + max - logits[targets[b * steps + t]];
            }
        return reduction == SequenceReduction.MeanOverTokens && !LastStepOnly ? sum / (steps * batch) : sum / batch;
    }

    private double[][][] Elman(Elman layer, double[][][] x, double[] initial, double[] final)
    {
        int h = layer.Hidden, n = layer.Inputs;
        var state = new double[batch][];
        for (int b = 0; b < batch; b++) state[b] = initial.AsSpan(b * h, h).ToArray();
        var outputs = new double[steps][][];
        for (int t = 0; t < steps; t++)
        {
            outputs[t] = new double[batch][];
            for (int b = 0; b < batch; b++)
            {
                var next = new double[h];
                for (int j = 0; j < h; j++)
                {
                    double z = Theta[layer.Bias.Offset + j];
                    for (int i = 0; i < n; i++) z += x[t][b][i] * Theta[layer.InputWeight.Offset + i * h + j];
                    for (int k = 0; k < h; k++) z += state[b][k] * Theta[layer.RecurrentWeight.Offset + k * h + j];
                    next[j] = layer.Activation == Activation.Tanh ? Math.Tanh(z) : Math.Max(z, 0);
                }
                outputs[t][b] = next;
            }
            state = outputs[t];
        }
        for (int b = 0; b < batch; b++) state[b].CopyTo(final, b * h);
        return outputs;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Σ_i v[i]·W[i, column] + b[column] for a (rows × width) block of Theta.</summary>
    private double Affine(double[] v, int weight, int width, int column)
    {
        double z = 0;
        for (int i = 0; i < v.Length; i++) z += v[i] * Theta[weight + i * width + column];
        return z;
    }

    private double[][][] Gru(Gru layer, double[][][] x, double[] initial, double[] final)
    {
        int h = layer.Hidden, w = 3 * h;
        var state = new double[batch][];
        for (int b = 0; b < batch; b++) state[b] = initial.AsSpan(b * h, h).ToArray();
        var outputs = new double[steps][][];
        for (int t = 0; t < steps; t++)
        {
            outputs[t] = new double[batch][];
            for (int b = 0; b < batch; b++)
            {
                var next = new double[h];
                for (int j = 0; j < h; j++)
                {
                    double Input(int gate) => Affine(x[t][b], layer.InputWeight.Offset, w, gate * h + j) + Theta[layer.InputBias.Offset + gate * h + j];
                    double Hidden(int gate) => Affine(state[b], layer.RecurrentWeight.Offset, w, gate * h + j) + Theta[layer.RecurrentBias.Offset + gate * h + j];
                    double r = Sigmoid(Input(0) + Hidden(0)), z = Sigmoid(Input(1) + Hidden(1));
                    double n = Math.Tanh(Input(2) + r * Hidden(2));
                    next[j] = (1 - z) * n + z * state[b][j];
                }
                outputs[t][b] = next;
            }
            state = outputs[t];
        }
        for (int b = 0; b < batch; b++) state[b].CopyTo(final, b * h);
        return outputs;
    }

    private double[][][] Lstm(Lstm layer, double[][][] x, double[] initial, double[] final)
    {
        int h = layer.Hidden, w = 4 * h;
        var state = new double[batch][];
        var cell = new double[batch][];
        for (int b = 0; b < batch; b++)
        {
            state[b] = initial.AsSpan(b * h, h).ToArray();
            cell[b] = initial.AsSpan(batch * h + b * h, h).ToArray();
        }
        var outputs = new double[steps][][];
        for (int t = 0; t < steps; t++)
        {
            outputs[t] = new double[batch][];
            var cells = new double[batch][];
            for (int b = 0; b < batch; b++)
            {
                var next = new double[h];
                cells[b] = new double[h];
                for (int j = 0; j < h; j++)
                {
                    double Pre(int gate) => Affine(x[t][b], layer.InputWeight.Offset, w, gate * h + j) + Affine(state[b], layer.RecurrentWeight.Offset, w, gate * h + j) + Theta[layer.Bias.Offset + gate * h + j];
                    double i = Sigmoid(Pre(0)), f = Sigmoid(Pre(1)), g = Math.Tanh(Pre(2)), o = Sigmoid(Pre(3));
                    cells[b][j] = f * cell[b][j] + i * g;
                    next[j] = o * Math.Tanh(cells[b][j]);
                }
                outputs[t][b] = next;
            }
            state = outputs[t];
            cell = cells;
        }
        for (int b = 0; b < batch; b++)
        {
            state[b].CopyTo(final, b * h);
            cell[b].CopyTo(final, batch * h + b * h);
        }
        return outputs;
    }

    /// <summary>Central difference (J(θ + h·e_i) − J(θ − h·e_i)) / 2h of one arena element.</summary>
    public double ParameterDerivative(int index, int[] inputs, int[] targets, double step = 1e-6)
    {
        double original = Theta[index];
        Theta[index] = original + step;
        double plus = Loss(inputs, targets);
        Theta[index] = original - step;
        double minus = Loss(inputs, targets);
        Theta[index] = original;
        return (plus - minus) / (2 * step);
    }

    /// <summary>Central difference with respect to one element of a layer's initial state.</summary>
    public double StateDerivative(int layer, int index, int[] inputs, int[] targets, double step = 1e-6)
    {
        double original = InitialStates[layer][index];
        InitialStates[layer][index] = original + step;
        double plus = Loss(inputs, targets);
        InitialStates[layer][index] = original - step;
        double minus = Loss(inputs, targets);
        InitialStates[layer][index] = original;
        return (plus - minus) / (2 * step);
    }
}
