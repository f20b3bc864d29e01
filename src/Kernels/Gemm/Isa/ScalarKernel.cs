namespace Simd.Kernels;

/// <summary>
/// Plain scalar code: a 4×4 register tile of 16 float accumulators (fits the 16 xmm registers of x64).
/// Plain multiply and add, not MathF.FusedMultiplyAdd, so that CPUs without FMA do not fall back to a
/// software fmaf per element. Block sizes as for the vector levels; the scalar level is the reference
/// path and is not tuned.
/// </summary>
internal readonly unsafe struct ScalarKernel : IGemmKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static int KCInPlace => 256;
    public static int MC => 128;
    public static int NC => 2048;
    /// <summary>Not measured: the scalar level is the reference, so B is always packed.</summary>
    public static int BInPlaceRows => 0;
    public static SimdLevel Level => SimdLevel.Scalar;

    public static void MicroKernel(int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += bStride;
        }
        if (beta == 0f)
        {
            c[0 * ldc + 0] = alpha * c00; c[0 * ldc + 1] = alpha * c01; c[0 * ldc + 2] = alpha * c02; c[0 * ldc + 3] = alpha * c03;
            c[1 * ldc + 0] = alpha * c10; c[1 * ldc + 1] = alpha * c11; c[1 * ldc + 2] = alpha * c12; c[1 * ldc + 3] = alpha * c13;
            c[2 * ldc + 0] = alpha * c20; c[2 * ldc + 1] = alpha * c21; c[2 * ldc + 2] = alpha * c22; c[2 * ldc + 3] = alpha * c23;
            c[3 * ldc + 0] = alpha * c30; c[3 * ldc + 1] = alpha * c31; c[3 * ldc + 2] = alpha * c32; c[3 * ldc + 3] = alpha * c33;
        }
        else
        {
            c[0 * ldc + 0] = alpha * c00 + beta * c[0 * ldc + 0];
            c[0 * ldc + 1] = alpha * c01 + beta * c[0 * ldc + 1];
            c[0 * ldc + 2] = alpha * c02 + beta * c[0 * ldc + 2];
            c[0 * ldc + 3] = alpha * c03 + beta * c[0 * ldc + 3];
            c[1 * ldc + 0] = alpha * c10 + beta * c[1 * ldc + 0];
            c[1 * ldc + 1] = alpha * c11 + beta * c[1 * ldc + 1];
            c[1 * ldc + 2] = alpha * c12 + beta * c[1 * ldc + 2];
            c[1 * ldc + 3] = alpha * c13 + beta * c[1 * ldc + 3];
            c[2 * ldc + 0] = alpha * c20 + beta * c[2 * ldc + 0];
            c[2 * ldc + 1] = alpha * c21 + beta * c[2 * ldc + 1];
            c[2 * ldc + 2] = alpha * c22 + beta * c[2 * ldc + 2];
            c[2 * ldc + 3] = alpha * c23 + beta * c[2 * ldc + 3];
            c[3 * ldc + 0] = alpha * c30 + beta * c[3 * ldc + 0];
            c[3 * ldc + 1] = alpha * c31 + beta * c[3 * ldc + 1];
            c[3 * ldc + 2] = alpha * c32 + beta * c[3 * ldc + 2];
            c[3 * ldc + 3] = alpha * c33 + beta * c[3 * ldc + 3];
        }
    }

    /// <summary>Packs the panel (<see cref="Pack.B"/>), then runs <see cref="MicroKernel"/> on it: the reference path is not tuned.</summary>
    public static void MicroKernelPackingB(int kc, float* a, float* b, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        Pack.B<ScalarKernel>(transposed: false, b, ldb, row0: 0, col0: 0, kc, NR, packedB);
        MicroKernel(kc, a, packedB, NR, c, ldc, alpha, beta);
    }

    public static int EdgeStep => 1;

    /// <summary>4 × width (1 to 3) with the micro-kernel's operations per element: in order over p, multiply then add.</summary>
    public static void EdgeKernel(int tiles, int kc, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta, int width)
    {
        for (; tiles > 0; tiles--, a += 4 * kc, c += 4 * ldc)
        {
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < width; j++)
                {
                    float sum = 0f;
                    for (int p = 0; p < kc; p++) sum += a[p * 4 + i] * b[p * bStride + j];
                    float* target = c + i * ldc + j;
                    *target = beta == 0f ? alpha * sum : alpha * sum + beta * *target;
                }
        }
    }
}
