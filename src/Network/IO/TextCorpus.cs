using System.Text;

namespace Simd.Network;

/// <summary>
/// A text as a sequence of character ids for character-level language models: the alphabet is the
/// text's distinct UTF-16 characters in ordinal order, and <see cref="Tokens"/>[i] is the id of the
/// i-th character.
/// </summary>
public sealed class TextCorpus
{
    /// <summary>Encodes <paramref name="text"/> with its own alphabet.</summary>
    /// <exception cref="ArgumentException">The text has fewer than 2 characters.</exception>
    public TextCorpus(string text, string source)
        : this(text, source, new string([.. text.Distinct().Order()]))
    {
    }

    /// <summary>Encodes <paramref name="text"/> with a given alphabet (for example a saved model's).</summary>
    /// <exception cref="ArgumentException">The text has fewer than 2 characters, the alphabet repeats a character, or the text has a character outside it (the message names it and its position).</exception>
    public TextCorpus(string text, string source, string alphabet)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(alphabet);
        if (text.Length < 2) throw new ArgumentException($"{source}: a text needs at least 2 characters, it has {text.Length}", nameof(text));
        var ids = new Dictionary<char, int>();
        for (int i = 0; i < alphabet.Length; i++)
            if (!ids.TryAdd(alphabet[i], i)) throw new ArgumentException($"the alphabet repeats {Describe(alphabet[i])}", nameof(alphabet));
        var tokens = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
            tokens[i] = ids.TryGetValue(text[i], out int id) ? id
                : throw new ArgumentException($"{source}: character {Describe(text[i])} at position {i} is not in the model's alphabet of {alphabet.Length}", nameof(text));
        Alphabet = alphabet;
        Tokens = tokens;
        Source = source;
    }

    /// <summary>Reads a UTF-8 text file, gzip-compressed when its name ends in .gz.</summary>
    /// <exception cref="InvalidDataException">The gzip data is truncated or corrupted; the message names the file.</exception>
    public static TextCorpus Load(string path, string? alphabet = null)
    {
        using var stream = new MemoryStream(GzipFile.ReadAll(path, forceGzip: path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)), writable: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        string name = Path.GetFileName(path);
        return alphabet is null ? new TextCorpus(text, name) : new TextCorpus(text, name, alphabet);
    }

    /// <summary>The distinct characters; a character's id is its index.</summary>
    public string Alphabet { get; }
    /// <summary>The text as ids.</summary>
    public int[] Tokens { get; }
    /// <summary>Where the text came from, for messages.</summary>
    public string Source { get; }
    /// <summary>Number of characters.</summary>
    public int Length => Tokens.Length;

    /// <summary>−Σ_c p_c·log₂ p_c over the character frequencies p_c: the bits per character of the best model that ignores context.</summary>
    public double UnigramEntropyBits()
    {
        var counts = new long[Alphabet.Length];
        foreach (int token in Tokens) counts[token]++;
        double entropy = 0;
        foreach (long count in counts)
            if (count > 0)
            {
                double p = (double)count / Tokens.Length;
                entropy -= p * Math.Log2(p);
            }
        return entropy;
    }

    /// <summary>The ids of <paramref name="text"/> in this alphabet.</summary>
    /// <exception cref="ArgumentException">A character is not in the alphabet.</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            tokens[i] = Alphabet.IndexOf(text[i], StringComparison.Ordinal);
            if (tokens[i] < 0) throw new ArgumentException($"character {Describe(text[i])} at position {i} is not in the alphabet of {Source}", nameof(text));
        }
        return tokens;
    }

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    public string Decode(ReadOnlySpan<int> tokens)
    {
        var builder = new StringBuilder(tokens.Length);
        foreach (int token in tokens) builder.Append(Alphabet[token]);
        return builder.ToString();
    }

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}' (U+{(int)c:X4})";
}
