using System.Globalization;

namespace Simd.Cli;

/// <summary>
/// Parses <c>--name value</c> options; each option may be given once, every option must be consumed, and bad
/// values are clear errors (nothing is read leniently: no empty list entries, no enum numbers).
/// </summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        using IEnumerator<string> e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
                throw new ArgumentException($"expected an option like --epochs 10, got '{name}'");
            if (!e.MoveNext()) throw new ArgumentException($"option {name} needs a value");
            if (!_values.TryAdd(name[2..], e.Current))
                throw new ArgumentException($"option {name} is given twice ('{_values[name[2..]]}' and '{e.Current}'); give it once");
        }
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public int Int(string name, int fallback) => String(name) is string text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : throw new ArgumentException($"--{name} '{text}' is not an integer")
        : fallback;

    /// <summary>An integer option that must be at least <paramref name="minimum"/>; the message names the option.</summary>
    public int Int(string name, int fallback, int minimum)
    {
        int value = Int(name, fallback);
        return value >= minimum ? value : throw new ArgumentException($"--{name} {value} is not allowed: it must be at least {minimum}");
    }

    public double Double(string name, double fallback) => String(name) is string text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : throw new ArgumentException($"--{name} '{text}' is not a number")
        : fallback;

    /// <summary>A non-empty comma-separated list of positive integers; an empty entry (",", "128,") is an error, not skipped.</summary>
    public int[] IntList(string name, int[] fallback) => String(name) is string text
        ? [.. text.Split(',').Select(part =>
            int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : throw new ArgumentException($"--{name} '{text}' is not a list of positive integers like 128,64"))]
        : fallback;

    /// <summary>One of the enum's names, in any case; numbers and combinations, which <see cref="System.Enum.TryParse{TEnum}(string, bool, out TEnum)"/> accepts, are errors.</summary>
    public T Enum<T>(string name, T fallback) where T : struct, System.Enum
    {
        if (String(name) is not string text) return fallback;
        foreach (T value in System.Enum.GetValues<T>())
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase)) return value;
        throw new ArgumentException($"--{name} '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>()).ToLowerInvariant()}");
    }

    /// <summary>
    /// A path option naming a checkpoint to write, checked now (see <see cref="Simd.Network.Checkpoint.CheckWritable"/>) so that a bad path
    /// fails before training; under mpirun only by rank 0, the rank that writes it (other hosts need not have the directory).
    /// </summary>
    public string? SavePath(string name)
    {
        if (String(name) is not string path) return null;
        try { if (DistributedTraining.IsRoot) Simd.Network.Checkpoint.CheckWritable(path); }
        catch (Exception error) when (error is ArgumentException or IOException)
        {
            throw new ArgumentException($"--{name}: {Program.Describe(error)}", error);
        }
        return path;
    }

    /// <summary>
    /// For a resumed run: each of <paramref name="names"/> takes its value from the checkpoint's <paramref name="saved"/>
    /// settings, so the run continues with the settings it was trained with. Giving one with another value (numbers
    /// compare as numbers), or giving one the saved run did not use, is an error that names both.
    /// </summary>
    public void TakeSaved(IReadOnlyDictionary<string, string> saved, IEnumerable<string> names, string file)
    {
        foreach (string name in names)
        {
            bool given = _values.TryGetValue(name, out string? value);
            if (!saved.TryGetValue(name, out string? savedValue))
            {
                if (given) throw new ArgumentException($"--{name} {value} was not used to train {file}; a resumed run keeps its settings (leave --{name} out)");
                continue;
            }
            if (given && !SameValue(value!, savedValue))
                throw new ArgumentException($"--{name} {value} differs from the {savedValue} that {file} was trained with; a resumed run keeps its settings (leave --{name} out)");
            _values[name] = savedValue;
        }
    }

    private static bool SameValue(string given, string saved) =>
        string.Equals(given, saved, StringComparison.OrdinalIgnoreCase)
        || double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
            && double.TryParse(saved, NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && (float)a == (float)b;

    /// <summary>A number as a saved setting: the shortest text that reads back as the same float.</summary>
    public static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public void RejectUnknown()
    {
        string[] unknown = [.. _values.Keys.Where(k => !_used.Contains(k))];
        if (unknown.Length > 0) throw new ArgumentException($"unknown option{(unknown.Length > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}
