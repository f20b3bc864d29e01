using System.Runtime.Intrinsics;

namespace Simd.Kernels;

/// <summary>
/// Fused one-pass optimizer updates: each reads the gradient once and updates weights and optimizer state
/// in place, element by element.
/// </summary>
/// <remarks>
/// <para>All arithmetic is float with separate IEEE multiply, add, divide and square root (no fused
/// multiply-add), so every level gives bitwise the same result as the scalar level. Scalars derived from
/// hyper-parameters (bias corrections, 1 − β) are computed once per call, in double where noted, then
/// rounded to float.</para>
/// <para>Weights, state arrays and gradients must be pairwise disjoint: any overlap throws. NaN in a
/// gradient or state element propagates to that element's weight and state.</para>
/// <para>Threads: an update of at least 65,536 elements is split into contiguous ranges across up to
/// <see cref="Parallelism.MaxDegreeOfParallelism"/> threads (the library's persistent workers; no allocation).
/// Because the arithmetic is position-independent, the result is bitwise the same for any thread count.</para>
/// </remarks>
public static class OptimizerUpdates
{
    /// <summary>
    /// Plain SGD: weights[i] = weights[i] − lr·gradients[i] (product rounded before the subtract).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate is negative, NaN or infinite.</exception>
    /// <exception cref="ArgumentException">The spans differ in length or overlap.</exception>
    public static void Sgd(ReadOnlySpan<float> gradients, Span<float> weights, float learningRate)
    {
        Guard.FiniteNonNegative(learningRate, nameof(learningRate));
        Guard.SameLength(gradients, weights, nameof(gradients), nameof(weights));
        Guard.Disjoint(gradients, weights, nameof(gradients), nameof(weights));
        ParallelMap.Binary(gradients, weights, weights, new AxpyOperator(-learningRate), SimdLevels.Current);
    }

    /// <summary>
    /// SGD with momentum in the PyTorch convention (no dampening): velocity[i] = μ·velocity[i] + g[i], then
    /// weights[i] = weights[i] − lr·velocity[i] with the new velocity. With <paramref name="nesterov"/>,
    /// weights[i] = weights[i] − lr·(g[i] + μ·velocity[i]) with the new velocity instead. Start with
    /// velocity all zero; the first step is then plain SGD (Nesterov: lr·(1 + μ)·g).
    /// Unlike Adam's first moment, a subnormal velocity is kept: this update only multiplies and adds,
    /// which x64 does at full speed on subnormals, so flushing would only add work; Adam divides its first
    /// moment, and there subnormals cost (see <see cref="Adam"/> and perf-results/tuning/element-wise.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate is negative or not finite; momentum is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">The spans differ in length or overlap.</exception>
    public static void SgdMomentum(ReadOnlySpan<float> gradients, Span<float> weights, Span<float> velocity,
        float learningRate, float momentum, bool nesterov = false)
    {
        Guard.FiniteNonNegative(learningRate, nameof(learningRate));
        Guard.UnitInterval(momentum, nameof(momentum));
        Guard.SameLength(gradients, weights, nameof(gradients), nameof(weights));
        Guard.SameLength(gradients, velocity, nameof(gradients), nameof(velocity));
        Guard.Disjoint(gradients, weights, nameof(gradients), nameof(weights));
        Guard.Disjoint(gradients, velocity, nameof(gradients), nameof(velocity));
        Guard.Disjoint(weights, velocity, nameof(weights), nameof(velocity));
        SimdLevel level = SimdLevels.Current;
        if (nesterov)
            ParallelMap.Update2(weights, velocity, gradients, new NesterovOperator(learningRate, momentum), level);
        else
            ParallelMap.Update2(weights, velocity, gradients, new MomentumOperator(learningRate, momentum), level);
    }

    /// <summary>
    /// One Adam step (Kingma and Ba), with optional decoupled weight decay (AdamW, Loshchilov and Hutter):
    /// <code>
    /// m[i] = β1·m[i] + (1 − β1)·g[i]
    /// v[i] = β2·v[i] + (1 − β2)·g[i]²
    /// w[i] = w[i]·(1 − lr·λ) − a·m[i] / (√(v[i]·c) + ε)
    /// </code>
    /// where a = lr / (1 − β1^t) and c = 1 / (1 − β2^t) are the bias corrections (computed in double,
    /// rounded to float), so m[i]·a/lr = m̂ and v[i]·c = v̂. λ = <paramref name="weightDecay"/> shrinks the
    /// weights directly, not through m and v (PyTorch AdamW); λ = 0 leaves the factor exactly 1.
    /// <paramref name="step"/> t is the 1-based number of this step: the first call passes 1. Start with m
    /// and v all zero. At t = 1 the update is lr·g/(|g| + ε), about lr·sign(g).
    /// A new m[i] smaller in magnitude than the smallest normal float (2⁻¹²⁶) is stored as +0 before w
    /// is updated (NaN and infinity are kept). Weights whose gradient is zero or tiny for many steps
    /// (dead ReLU units, always-zero input pixels) otherwise keep a subnormal first moment (m decays
    /// by β1 per step), and dividing subnormals is slow on x64 (measurements in
    /// perf-results/tuning/element-wise.md). The change to w is below lr·2⁻¹²⁶/ε, far under float
    /// resolution. v is not flushed: it decays by β2 = 0.999, so it turns subnormal only after tens of
    /// thousands of steps without gradient (or for |g| below about 10⁻¹⁸), and flushing it costs more
    /// than it saves.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">step &lt; 1; learningRate or weightDecay negative or not finite;
    /// β1 or β2 outside [0, 1); ε not finite and positive.</exception>
    /// <exception cref="ArgumentException">The spans differ in length or overlap.</exception>
    public static void Adam(ReadOnlySpan<float> gradients, Span<float> weights, Span<float> firstMoment, Span<float> secondMoment,
        int step, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
    {
        Guard.AtLeastOne(step, nameof(step));
        Guard.FiniteNonNegative(learningRate, nameof(learningRate));
        Guard.UnitInterval(beta1, nameof(beta1));
        Guard.UnitInterval(beta2, nameof(beta2));
        Guard.FinitePositive(epsilon, nameof(epsilon));
        Guard.FiniteNonNegative(weightDecay, nameof(weightDecay));
        Guard.SameLength(gradients, weights, nameof(gradients), nameof(weights));
        Guard.SameLength(gradients, firstMoment, nameof(gradients), nameof(firstMoment));
        Guard.SameLength(gradients, secondMoment, nameof(gradients), nameof(secondMoment));
        Guard.Disjoint(gradients, weights, nameof(gradients), nameof(weights));
        Guard.Disjoint(gradients, firstMoment, nameof(gradients), nameof(firstMoment));
        Guard.Disjoint(gradients, secondMoment, nameof(gradients), nameof(secondMoment));
        Guard.Disjoint(weights, firstMoment, nameof(weights), nameof(firstMoment));
        Guard.Disjoint(weights, secondMoment, nameof(weights), nameof(secondMoment));
        Guard.Disjoint(firstMoment, secondMoment, nameof(firstMoment), nameof(secondMoment));
        var op = new AdamOperator(
            beta1, 1f - beta1, beta2, 1f - beta2,
            stepSize: (float)(learningRate / (1.0 - Math.Pow(beta1, step))),
            secondCorrection: (float)(1.0 / (1.0 - Math.Pow(beta2, step))),
            epsilon,
            decay: 1f - learningRate * weightDecay);
        ParallelMap.Update3(weights, firstMoment, secondMoment, gradients, op, SimdLevels.Current);
    }

    /// <summary>(w, v) ← (w − lr·v′, v′) with v′ = μ·v + g.</summary>
    private readonly struct MomentumOperator(float learningRate, float momentum) : IUpdate2Operator
    {
        private readonly float _lr = learningRate, _mu = momentum;

        public void Invoke(ref float w, ref float v, float g)
        {
            v = _mu * v + g;
            w -= _lr * v;
        }

        public void Invoke(ref Vector128<float> w, ref Vector128<float> v, Vector128<float> g)
        {
            v = Vector128.Create(_mu) * v + g;
            w -= Vector128.Create(_lr) * v;
        }

        public void Invoke(ref Vector256<float> w, ref Vector256<float> v, Vector256<float> g)
        {
            v = Vector256.Create(_mu) * v + g;
            w -= Vector256.Create(_lr) * v;
        }

        public void Invoke(ref Vector512<float> w, ref Vector512<float> v, Vector512<float> g)
        {
            v = Vector512.Create(_mu) * v + g;
            w -= Vector512.Create(_lr) * v;
        }
    }

    /// <summary>(w, v) ← (w − lr·(g + μ·v′), v′) with v′ = μ·v + g.</summary>
    private readonly struct NesterovOperator(float learningRate, float momentum) : IUpdate2Operator
    {
        private readonly float _lr = learningRate, _mu = momentum;

        public void Invoke(ref float w, ref float v, float g)
        {
            v = _mu * v + g;
            w -= _lr * (g + _mu * v);
        }

        public void Invoke(ref Vector128<float> w, ref Vector128<float> v, Vector128<float> g)
        {
            Vector128<float> mu = Vector128.Create(_mu);
            v = mu * v + g;
            w -= Vector128.Create(_lr) * (g + mu * v);
        }

        public void Invoke(ref Vector256<float> w, ref Vector256<float> v, Vector256<float> g)
        {
            Vector256<float> mu = Vector256.Create(_mu);
            v = mu * v + g;
            w -= Vector256.Create(_lr) * (g + mu * v);
        }

        public void Invoke(ref Vector512<float> w, ref Vector512<float> v, Vector512<float> g)
        {
            Vector512<float> mu = Vector512.Create(_mu);
            v = mu * v + g;
            w -= Vector512.Create(_lr) * (g + mu * v);
        }
    }

    /// <summary>The Adam / AdamW update of (w, m, v) from g; see <see cref="Adam"/>.</summary>
    /// <remarks>
    /// The constants are broadcast once, here, for every width: the JIT re-broadcasts float fields in
    /// every loop iteration, and this update is bound by vector-pipe throughput (the divide and square
    /// root), so each removed instruction shows.
    /// </remarks>
    private readonly struct AdamOperator(float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
        float stepSize, float secondCorrection, float epsilon, float decay) : IUpdate3Operator
    {
        /// <summary>2⁻¹²⁶: a first moment below it in magnitude is subnormal and stored as zero.</summary>
        private const float SmallestNormal = 1.17549435E-38f;

        private readonly float _b1 = beta1, _c1 = oneMinusBeta1, _b2 = beta2, _c2 = oneMinusBeta2;
        private readonly float _a = stepSize, _vc = secondCorrection, _eps = epsilon, _decay = decay;
        private readonly Vector128<float> _b1x4 = Vector128.Create(beta1), _c1x4 = Vector128.Create(oneMinusBeta1);
        private readonly Vector128<float> _b2x4 = Vector128.Create(beta2), _c2x4 = Vector128.Create(oneMinusBeta2);
        private readonly Vector128<float> _ax4 = Vector128.Create(stepSize), _vcx4 = Vector128.Create(secondCorrection);
        private readonly Vector128<float> _epsx4 = Vector128.Create(epsilon), _decayx4 = Vector128.Create(decay);
        private readonly Vector256<float> _b1x8 = Vector256.Create(beta1), _c1x8 = Vector256.Create(oneMinusBeta1);
        private readonly Vector256<float> _b2x8 = Vector256.Create(beta2), _c2x8 = Vector256.Create(oneMinusBeta2);
        private readonly Vector256<float> _ax8 = Vector256.Create(stepSize), _vcx8 = Vector256.Create(secondCorrection);
        private readonly Vector256<float> _epsx8 = Vector256.Create(epsilon), _decayx8 = Vector256.Create(decay);
        private readonly Vector512<float> _b1x16 = Vector512.Create(beta1), _c1x16 = Vector512.Create(oneMinusBeta1);
        private readonly Vector512<float> _b2x16 = Vector512.Create(beta2), _c2x16 = Vector512.Create(oneMinusBeta2);
        private readonly Vector512<float> _ax16 = Vector512.Create(stepSize), _vcx16 = Vector512.Create(secondCorrection);
        private readonly Vector512<float> _epsx16 = Vector512.Create(epsilon), _decayx16 = Vector512.Create(decay);

        public void Invoke(ref float w, ref float m, ref float v, float g)
        {
            m = FlushSubnormal(_b1 * m + _c1 * g);
            v = _b2 * v + _c2 * (g * g);
            w = w * _decay - _a * m / (MathF.Sqrt(v * _vc) + _eps);
        }

        public void Invoke(ref Vector128<float> w, ref Vector128<float> m, ref Vector128<float> v, Vector128<float> g)
        {
            m = FlushSubnormal(_b1x4 * m + _c1x4 * g);
            v = _b2x4 * v + _c2x4 * (g * g);
            w = w * _decayx4 - _ax4 * m / (Vector128.Sqrt(v * _vcx4) + _epsx4);
        }

        public void Invoke(ref Vector256<float> w, ref Vector256<float> m, ref Vector256<float> v, Vector256<float> g)
        {
            m = FlushSubnormal(_b1x8 * m + _c1x8 * g);
            v = _b2x8 * v + _c2x8 * (g * g);
            w = w * _decayx8 - _ax8 * m / (Vector256.Sqrt(v * _vcx8) + _epsx8);
        }

        public void Invoke(ref Vector512<float> w, ref Vector512<float> m, ref Vector512<float> v, Vector512<float> g)
        {
            m = FlushSubnormal(_b1x16 * m + _c1x16 * g);
            v = _b2x16 * v + _c2x16 * (g * g);
            w = w * _decayx16 - _ax16 * m / (Vector512.Sqrt(v * _vcx16) + _epsx16);
        }

        // |x| < 2⁻¹²⁶ is false for NaN, so NaN passes through.
        private static float FlushSubnormal(float x) => MathF.Abs(x) < SmallestNormal ? 0f : x;

        private static Vector128<float> FlushSubnormal(Vector128<float> x)
            => Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SmallestNormal)), Vector128<float>.Zero, x);

        private static Vector256<float> FlushSubnormal(Vector256<float> x)
            => Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SmallestNormal)), Vector256<float>.Zero, x);

        private static Vector512<float> FlushSubnormal(Vector512<float> x)
            => Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SmallestNormal)), Vector512<float>.Zero, x);
    }
}
