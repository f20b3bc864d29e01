namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>e^x in double.</summary>
    public static double Exp(double x) => Math.Exp(x);

    /// <summary>1 / (1 + e^−x) in double, written so that it neither overflows nor loses tiny results.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    /// <summary>tanh x in double.</summary>
    public static double Tanh(double x) => Math.Tanh(x);

    /// <summary>max(x, 0) with NaN propagating.</summary>
    public static double Relu(double x) => double.IsNaN(x) ? x : (x > 0 ? x : 0.0);

    /// <summary>σ(x[i]) in double for every element.</summary>
    public static double[] Forward(ActivationFunction activation, ReadOnlySpan<float> x)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            result[i] = activation switch
            {
                ActivationFunction.Relu => Relu(x[i]),
                ActivationFunction.Sigmoid => Sigmoid(x[i]),
                ActivationFunction.Tanh => Tanh(x[i]),
                _ => x[i],
            };
        }
        return result;
    }

    /// <summary>
    /// gradient[i]·σ′ in double: ReLU g·H(saved) (H = 1 above 0, 0 at or below, NaN for NaN, IEEE product),
    /// Sigmoid g·y(1 − y), Tanh g·(1 − y²), None g.
    /// </summary>
    public static double[] Backward(ActivationFunction activation, ReadOnlySpan<float> gradient, ReadOnlySpan<float> saved)
    {
        var result = new double[gradient.Length];
        for (int i = 0; i < gradient.Length; i++)
        {
            double g = gradient[i], s = saved[i];
            result[i] = activation switch
            {
                ActivationFunction.Relu => g * (s > 0 ? 1.0 : double.IsNaN(s) ? double.NaN : 0.0),
                ActivationFunction.Sigmoid => g * s * (1.0 - s),
                ActivationFunction.Tanh => g * (1.0 - s * s),
                _ => g,
            };
        }
        return result;
    }
}

internal static partial class Reference
{
    /// <summary>σ(x[i]) evaluated in double and stored as float; the benchmark baseline (no allocation).</summary>
    public static void Forward(ActivationFunction activation, ReadOnlySpan<float> x, Span<float> destination)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            destination[i] = (float)(activation switch
            {
                ActivationFunction.Relu => Relu(v),
                ActivationFunction.Sigmoid => Sigmoid(v),
                ActivationFunction.Tanh => Tanh(v),
                _ => v,
            });
        }
    }

    /// <summary>e^x[i] evaluated in double and stored as float.</summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination)
    {
        for (int i = 0; i < x.Length; i++)
            destination[i] = (float)Math.Exp(x[i]);
    }

    /// <summary>gradient[i]·σ′ evaluated in double and stored as float; the benchmark baseline.</summary>
    public static void Backward(ActivationFunction activation, ReadOnlySpan<float> gradient, ReadOnlySpan<float> saved, Span<float> destination)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            double g = gradient[i], s = saved[i];
            destination[i] = (float)(activation switch
            {
                ActivationFunction.Relu => g * (s > 0 ? 1.0 : double.IsNaN(s) ? double.NaN : 0.0),
                ActivationFunction.Sigmoid => g * s * (1.0 - s),
                ActivationFunction.Tanh => g * (1.0 - s * s),
                _ => g,
            });
        }
    }
}
