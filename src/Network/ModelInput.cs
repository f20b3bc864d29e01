namespace Simd.Network;

/// <summary>A batch's input to a <see cref="Model"/>: float features, or token ids for a model whose first layer is an <see cref="Embedding"/>.</summary>
internal readonly ref struct ModelInput
{
    private ModelInput(ReadOnlySpan<float> features, ReadOnlySpan<int> tokens, bool isTokens)
    {
        Features = features;
        Tokens = tokens;
        IsTokens = isTokens;
    }

    public ReadOnlySpan<float> Features { get; }
    public ReadOnlySpan<int> Tokens { get; }
    public bool IsTokens { get; }
    public int Length => IsTokens ? Tokens.Length : Features.Length;
    /// <summary>The public parameter name the input arrives as, for messages.</summary>
    public string Name => IsTokens ? "tokens" : "x";
    public string Unit => IsTokens ? "ids" : "floats";

    public static ModelInput Of(ReadOnlySpan<float> features) => new(features, [], false);
    public static ModelInput Of(ReadOnlySpan<int> tokens) => new([], tokens, true);
    public ModelInput Slice(int start, int length) => IsTokens ? Of(Tokens.Slice(start, length)) : Of(Features.Slice(start, length));
}
