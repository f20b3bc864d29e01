namespace Simd.Kernels.Tests;

internal static partial class Reference
{
    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C in double, naive triple loop, over the m×n view of C (ldc).
    /// Returns the m×n result densely, and in <paramref name="magnitude"/> the per-element error scale
    /// |alpha|·Σ_p |op(A)(i,p)|·|op(B)(p,j)| + |beta·c(i,j)| (beta = 0 never reads C).
    /// </summary>
    public static double[] Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, double beta, ReadOnlySpan<float> c, int ldc,
        out double[] magnitude)
    {
        var result = new double[m * n];
        magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p * lda + i] : a[i * lda + p];
                    double y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                    abs += Math.Abs(x * y);
                }
                double old = beta == 0 ? 0 : beta * c[i * ldc + j];
                result[i * n + j] = alpha * sum + old;
                magnitude[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(old);
            }
        }
        return result;
    }

    /// <summary>σ(z) in double for the activations of <see cref="ActivationFunction"/>.</summary>
    public static double Activate(ActivationFunction activation, double z) => activation switch
    {
        ActivationFunction.None => z,
        ActivationFunction.Relu => z > 0 ? z : 0,
        ActivationFunction.Sigmoid => 1 / (1 + Math.Exp(-z)),
        ActivationFunction.Tanh => Math.Tanh(z),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>A += alpha·x·yᵀ over the m×n view of A (lda), in double; returns the view densely.</summary>
    public static double[] OuterProduct(int m, int n, double alpha, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> a, int lda)
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                result[i * n + j] = a[i * lda + j] + alpha * x[i] * y[j];
        return result;
    }
}
