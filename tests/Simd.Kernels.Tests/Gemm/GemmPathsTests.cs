namespace Simd.Kernels.Tests;

/// <summary>
/// The path table itself: which path each kind of shape takes at each level. The GEMM tests check that
/// every path computes the right thing; these pin down that the shapes we train reach the path meant for
/// them, so a change to a threshold or to the order of the table shows up as a named failure.
/// </summary>
public class GemmPathsTests
{
    private const Transpose N = Transpose.None, T = Transpose.Transposed;

    // Paths by name: GemmPath is internal and theory methods are public.

    public static TheoryData<SimdLevel, Transpose, Transpose, int, int, int, string> Table() => new()
    {
        // Every level: nothing to multiply, one row or column of C, k = 1.
        { SimdLevel.Scalar, N, N, 9, 11, 0, nameof(GemmPath.ScaleOnly) },
        { SimdLevel.Vector512, T, T, 9, 11, 0, nameof(GemmPath.ScaleOnly) },
        { SimdLevel.Vector256, N, N, 1, 256, 784, nameof(GemmPath.Vector) },
        { SimdLevel.Vector128, N, T, 1, 784, 256, nameof(GemmPath.Vector) },
        { SimdLevel.Scalar, N, N, 256, 1, 10, nameof(GemmPath.Vector) },
        { SimdLevel.Vector512, T, N, 784, 256, 1, nameof(GemmPath.RankOne) },
        { SimdLevel.Vector256, T, N, 256, 10, 1, nameof(GemmPath.RankOne) },
        // No small kernels: everything else is blocked.
        { SimdLevel.Scalar, N, N, 40, 10, 33, nameof(GemmPath.Blocked) },
        { SimdLevel.Scalar, N, T, 8, 100, 256, nameof(GemmPath.Blocked) },
        // Vector512: the narrow kernel for n ≤ 16, no dot paths.
        { SimdLevel.Vector512, N, N, 32, 10, 256, nameof(GemmPath.Narrow) },
        { SimdLevel.Vector512, T, N, 256, 16, 32, nameof(GemmPath.Narrow) },
        { SimdLevel.Vector512, N, N, 32, 17, 256, nameof(GemmPath.Blocked) },
        { SimdLevel.Vector512, N, T, 8, 784, 256, nameof(GemmPath.Blocked) },
        // Vector256: dots for few rows or A's rows along a deep sum, columns otherwise; wide dots for a small
        // batch times a transposed B with k ≥ 8 per row of C.
        { SimdLevel.Vector256, N, N, 15, 10, 256, nameof(GemmPath.Dots) },
        { SimdLevel.Vector256, T, N, 15, 10, 256, nameof(GemmPath.Dots) },
        { SimdLevel.Vector256, N, N, 32, 10, 256, nameof(GemmPath.Dots) },
        { SimdLevel.Vector256, N, N, 32, 10, 255, nameof(GemmPath.Columns) },
        { SimdLevel.Vector256, T, N, 256, 10, 32, nameof(GemmPath.Columns) },
        { SimdLevel.Vector256, N, N, 15, 10, 7, nameof(GemmPath.Columns) },
        { SimdLevel.Vector256, N, T, 16, 784, 128, nameof(GemmPath.WideDots) },
        { SimdLevel.Vector256, N, T, 16, 784, 127, nameof(GemmPath.Blocked) },
        { SimdLevel.Vector256, N, T, 17, 784, 256, nameof(GemmPath.Blocked) },
        { SimdLevel.Vector256, N, N, 8, 784, 256, nameof(GemmPath.Blocked) },
        { SimdLevel.Vector256, T, T, 8, 784, 256, nameof(GemmPath.Blocked) },
        // Vector128: the same paths with its own thresholds (DotMinDepth 512, wide dots to 32 rows at 4 per row).
        { SimdLevel.Vector128, N, N, 32, 10, 512, nameof(GemmPath.Dots) },
        { SimdLevel.Vector128, N, N, 32, 10, 511, nameof(GemmPath.Columns) },
        { SimdLevel.Vector128, N, N, 7, 10, 4, nameof(GemmPath.Dots) },
        { SimdLevel.Vector128, N, N, 7, 10, 3, nameof(GemmPath.Columns) },
        { SimdLevel.Vector128, N, T, 32, 784, 128, nameof(GemmPath.WideDots) },
        { SimdLevel.Vector128, N, T, 33, 784, 256, nameof(GemmPath.Blocked) },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void ShapesTakeTheirPath(SimdLevel level, Transpose ta, Transpose tb, int m, int n, int k, string expected)
    {
        var choose = new ChoosePath { Job = new GemmJob { M = m, N = n, K = k, TransA = ta == T, TransB = tb == T, Level = level } };
        GemmPaths.WithKernel(level, ref choose);
        Assert.Equal(expected, choose.Path.ToString());
    }

    [Theory]
    [InlineData(SimdLevel.Vector512, 16, SimdLevel.Vector512, false)]
    [InlineData(SimdLevel.Vector512, 15, SimdLevel.Vector256, true)]
    [InlineData(SimdLevel.Vector512, 8, SimdLevel.Vector256, true)]
    [InlineData(SimdLevel.Vector512, 7, SimdLevel.Vector128, false)]
    [InlineData(SimdLevel.Vector256, 16, SimdLevel.Vector256, false)]
    [InlineData(SimdLevel.Vector256, 10, SimdLevel.Vector256, true)]
    [InlineData(SimdLevel.Vector256, 4, SimdLevel.Vector128, false)]
    [InlineData(SimdLevel.Vector128, 10, SimdLevel.Vector128, false)]
    [InlineData(SimdLevel.Scalar, 10, SimdLevel.Scalar, false)]
    public void MatrixVectorDotsUseTheWidestVectorsThatFit(SimdLevel level, int k, SimdLevel width, bool shortRows)
    {
        Assert.Equal(width, GemmPaths.DotRowsWidth(level, k, out bool rows));
        Assert.Equal(shortRows, rows);
    }

    private struct ChoosePath : IKernelAction
    {
        public GemmJob Job;
        public GemmPath Path;

        public void Invoke<TKernel>() where TKernel : IGemmKernel => Path = GemmPaths.Choose<TKernel>(ref Job);
    }
}
