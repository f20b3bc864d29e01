namespace Simd.Network;

/// <summary>
/// Updates a model's parameter arena from its gradient arena. State (momentum, Adam moments) lives
/// in arrays with the arena's layout, so each update is one flat fused pass over the arena.
/// </summary>
/// <remarks>
/// An optimizer belongs to one model: the first trainer (or checkpoint load) binds it to that model's
/// arena, and using it for another model is an error, since its state holds the first model's moments.
/// Further trainers of the same model share it and its state.
/// </remarks>
public abstract class Optimizer
{
    /// <summary>Short name stored in checkpoints ("sgd", "momentum", "adam").</summary>
    public abstract string Name { get; }

    private float _learningRate;
    private ParameterArena? _arena;

    /// <summary>Updates applied so far; Adam's bias correction uses it. A step that throws does not count.</summary>
    public long Step { get; internal set; }

    /// <summary>State arrays, each as long as the arena; empty for plain SGD.</summary>
    public abstract IReadOnlyList<float[]> State { get; }

    /// <summary>
    /// The values that define the update, by name, learning rate ("lr") first, then the kind's own in a fixed order
    /// (momentum: "momentum"; Adam: "beta1", "beta2", "epsilon", "weight_decay"). Checkpoints store them, and loading
    /// a checkpoint's state into an optimizer whose values differ is refused: the state was built under the saved ones.
    /// </summary>
    public abstract IReadOnlyList<KeyValuePair<string, float>> HyperParameters { get; }

    /// <summary>The kind and its hyper-parameters, for messages: "adam (lr 0.001, beta1 0.9, …)".</summary>
    public override string ToString() => Describe(Name, HyperParameters);

    /// <summary>"name (key value, …)" with values in round-trip form, so two that print the same are the same.</summary>
    internal static string Describe(string name, IEnumerable<KeyValuePair<string, float>> hyperParameters) =>
        $"{name} ({string.Join(", ", hyperParameters.Select(p => $"{p.Key} {p.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"))})";

    /// <summary>Learning rate η, finite and positive (a schedule may change it between steps).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is NaN, infinite, zero or negative; the learning rate is unchanged.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = CheckLearningRate(value, nameof(value));
    }

    /// <summary>Creates an optimizer with learning rate <paramref name="learningRate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is NaN, infinite, zero or negative.</exception>
    protected Optimizer(float learningRate) => _learningRate = CheckLearningRate(learningRate, nameof(learningRate));

    private static float CheckLearningRate(float learningRate, string parameterName) =>
        float.IsFinite(learningRate) && learningRate > 0 ? learningRate
            : throw new ArgumentOutOfRangeException(parameterName, learningRate, $"the learning rate must be finite and positive, not {learningRate}");

    /// <summary>
    /// Binds this optimizer to <paramref name="arena"/> and allocates its state, the first time; binding
    /// again to the same arena keeps the state.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer is bound to another model's arena.</exception>
    internal void Attach(ParameterArena arena)
    {
        CheckAttachable(arena);
        if (_arena is not null) return;
        AllocateState(arena.Length);
        _arena = arena;
    }

    /// <summary>True once a trainer or a checkpoint load has bound this optimizer to <paramref name="arena"/>.</summary>
    internal bool IsAttachedTo(ParameterArena arena) => ReferenceEquals(_arena, arena);

    /// <summary>Throws unless this optimizer is unbound or bound to <paramref name="arena"/>; changes nothing.</summary>
    /// <exception cref="InvalidOperationException">The optimizer is bound to another model's arena.</exception>
    internal void CheckAttachable(ParameterArena arena)
    {
        if (_arena is not null && !ReferenceEquals(_arena, arena))
            throw new InvalidOperationException(
                $"this {Name} optimizer already updates another model (its state has that model's layout, {_arena.Parameters.Count} parameters in {_arena.Length} floats); create one optimizer per model");
    }

    /// <summary>Allocates state for an arena of <paramref name="length"/> floats; called once, by <see cref="Attach"/>.</summary>
    private protected abstract void AllocateState(int length);

    /// <summary>
    /// Applies one update to the whole arena: parameters ← f(parameters, gradients, state), as update
    /// number <see cref="Step"/> + 1, and increments <see cref="Step"/> only once it succeeded (a throw
    /// leaves parameters, state and Step as they were). Optimizers with state update every element,
    /// because a zero gradient still moves a parameter whose momentum is nonzero.
    /// </summary>
    internal abstract void Update(ParameterArena arena);
}
