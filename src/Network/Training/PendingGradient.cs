namespace Simd.Network;

/// <summary>
/// Which trainer's computed-but-not-yet-applied gradient a model's arena holds. The arena is the model's, so
/// the pending state is tracked there, not per trainer: two trainers of one model cannot overwrite or apply
/// each other's gradient.
/// </summary>
internal static class PendingGradient
{
    private const string StillPending = "the gradient from the last ComputeGradients is still pending: call ApplyGradients or DiscardGradients before computing another (gradients are not accumulated across calls)";

    /// <summary>Throws unless the arena holds no pending gradient, so <paramref name="trainer"/> may compute one.</summary>
    public static void CheckFree(ParameterArena arena, object trainer)
    {
        if (arena.PendingGradientOwner is null) return;
        throw new InvalidOperationException(arena.PendingGradientOwner == trainer ? StillPending
            : "another trainer of this model has a computed gradient pending in the model's gradient arena: apply or discard it there first");
    }

    /// <summary>Records that the arena's gradient is <paramref name="trainer"/>'s, computed and not yet consumed.</summary>
    public static void Mark(ParameterArena arena, object trainer) => arena.PendingGradientOwner = trainer;

    /// <summary>Consumes <paramref name="trainer"/>'s pending gradient (to apply or discard it); throws when it has none.</summary>
    public static void Consume(ParameterArena arena, object trainer, string action)
    {
        if (arena.PendingGradientOwner != trainer)
            throw new InvalidOperationException(arena.PendingGradientOwner is null
                ? $"no computed gradient to {action}: call ComputeGradients first (each computed gradient is applied or discarded once)"
                : $"the model's pending gradient was computed by another trainer; {action} it with that trainer");
        arena.PendingGradientOwner = null;
    }
}
