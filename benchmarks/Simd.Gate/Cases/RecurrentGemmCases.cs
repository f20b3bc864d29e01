namespace Simd.Gate;

// The GEMM shapes of the character-model steps (hidden 256, 64 steps × batch 32 = 2048 rows, 65 outputs) that
// perf-results/rnn-steps.md found below the step's target; extended: run with simd-perf ab --all.

/// <summary>The LSTM's per-step recurrent product h·W_h into the gates (32×1024×256, accumulating).</summary>
[Extended]
public sealed class GemmLstmRecurrentStep() : GemmShapeCase(false, false, 32, 1024, 256, 1f);

/// <summary>The GRU's per-step recurrent product h·W_h (32×768×256).</summary>
[Extended]
public sealed class GemmGruRecurrentStep() : GemmShapeCase(false, false, 32, 768, 256, 0f);

/// <summary>The output logits of all steps, H·V (2048×65×256): one column past two full panels.</summary>
[Extended]
public sealed class GemmCharLogits() : GemmShapeCase(false, false, 2048, 65, 256, 0f);

/// <summary>The output weight gradient ∇V += Hᵀ·δ over all steps (256×65×2048, A transposed).</summary>
[Extended]
public sealed class GemmCharOutputWeightGradient() : GemmShapeCase(true, false, 256, 65, 2048, 1f);

/// <summary>The Elman recurrent weight gradient ∇W_h += Sᵀ·Δ over all steps (256×256×2048, A transposed).</summary>
[Extended]
public sealed class GemmElmanWeightGradient() : GemmShapeCase(true, false, 256, 256, 2048, 1f);

/// <summary>The LSTM recurrent weight gradient over all steps (256×1024×2048, A transposed).</summary>
[Extended]
public sealed class GemmLstmWeightGradient() : GemmShapeCase(true, false, 256, 1024, 2048, 1f);

