namespace Simd.Gate;

// The GEMM paths the key cases do not reach, as shapes of the MLP 784-256-256-10; extended: run with simd-perf ab --all.

/// <summary>δ·Wᵀ of the first layer at batch 8 (8×784×256, B transposed): the wide dot path.</summary>
[Extended]
public sealed class GemmInputGradientBatch8() : GemmShapeCase(false, true, 8, 784, 256, 0f);

/// <summary>δ·Wᵀ of the output layer at batch 128 (128×256×10, B transposed): k = 10.</summary>
[Extended]
public sealed class GemmOutputGradientBatch128() : GemmShapeCase(false, true, 128, 256, 10, 0f);

/// <summary>The first layer's forward product at batch 8 (8×256×784): few rows, B read in place.</summary>
[Extended]
public sealed class GemmForwardBatch8() : GemmShapeCase(false, false, 8, 256, 784, 0f);

/// <summary>∇W += Xᵀ·δ of the first layer at batch 128 (784×256×128, A transposed, beta 1).</summary>
[Extended]
public sealed class GemmWeightGradientBatch128() : GemmShapeCase(true, false, 784, 256, 128, 1f);

/// <summary>∇W += xᵀ·δ of the output layer at batch 128 (256×10×128, A transposed, beta 1): n = 10.</summary>
[Extended]
public sealed class GemmOutputWeightGradient() : GemmShapeCase(true, false, 256, 10, 128, 1f);

/// <summary>A rank-1 update (784×256×1, beta 1): the rank-1 kernel GEMM shares with OuterProduct.</summary>
[Extended]
public sealed class GemmRankOne() : GemmShapeCase(false, false, 784, 256, 1, 1f);

/// <summary>A matrix–vector product (1×256×784): the dot rows of the matrix–vector path.</summary>
[Extended]
public sealed class GemmMatrixVector() : GemmShapeCase(false, false, 1, 256, 784, 0f);
