namespace Simd.Kernels.Tests;

/// <summary>
/// A level's GEMM kernel constants, read through the level registry (<see cref="GemmPaths.WithKernel"/>), so
/// that tests name no kernel struct and a new level needs no test edits. The dot thresholds are 0 at a level
/// without dot kernels.
/// </summary>
internal readonly record struct GemmKernelFacts(int Mr, int Nr, int Kc, int Mc, int Nc, int BInPlaceRows, int EdgeStep,
    SmallKernels SmallKernels, int DotMinDepth, int WideDotMaxRows, int WideDotDepthPerRow)
{
    public static GemmKernelFacts Of(SimdLevel level)
    {
        var read = new Read();
        GemmPaths.WithKernel(level, ref read);
        return read.Facts;
    }

    private struct Read : IKernelAction
    {
        public GemmKernelFacts Facts;

        public void Invoke<TKernel>() where TKernel : IGemmKernel
        {
            bool dots = TKernel.SmallKernels == SmallKernels.DotsAndColumns;
            Facts = new(TKernel.MR, TKernel.NR, TKernel.KC, TKernel.MC, TKernel.NC, TKernel.BInPlaceRows, TKernel.EdgeStep, TKernel.SmallKernels,
                dots ? TKernel.DotMinDepth : 0, dots ? TKernel.WideDotMaxRows : 0, dots ? TKernel.WideDotDepthPerRow : 0);
        }
    }
}
