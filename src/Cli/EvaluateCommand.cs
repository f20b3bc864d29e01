using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Cli;

/// <summary>
/// <c>simd evaluate</c>: a model saved by <c>simd train --save</c> on data: an MLP's loss, accuracy and confusion
/// matrix on a dataset, or a character model's loss in bits per character on a text.
/// </summary>
internal static partial class EvaluateCommand
{
    public const string Usage = """
        simd evaluate --load FILE [options]   a saved model on data
          MLP: loss, accuracy and the confusion matrix
          --data DIR           MNIST-format IDX files (default: the data FILE was trained on, else the shipped digits)
          --split test         test | train: which part (the shipped digits are split with the saved seed and fraction)
          --batch 256          examples per forward pass
          character model: loss in bits per character
          --text FILE          the whole of a UTF-8 text (default: the held-out end of the text FILE was trained on)
          --bptt, --batch      window length and parallel streams (default: the training run's)
          --threads N          GEMM threads (default: all cores)
          exit status 2: the data does not fit the model (input size, classes, alphabet), or a bad option
        """;

    public static int Run(Options options)
    {
        string load = options.String("load") ?? throw new ArgumentException("simd evaluate needs --load FILE (a checkpoint written by train --save)");
        Gemm.MaxDegreeOfParallelism = options.Int("threads", Environment.ProcessorCount, minimum: 1);
        CheckpointInfo info = Checkpoint.ReadInfo(load);
        string kind = info.Metadata.GetValueOrDefault("model", "mlp");
        return kind == "mlp" ? Classifier(options, load, info) : CharacterModel(options, load, info, kind);
    }

    private static int Classifier(Options options, string load, CheckpointInfo info)
    {
        string? directory = options.String("data") ?? info.Metadata.GetValueOrDefault("data");
        string split = options.String("split") ?? "test";
        int batchSize = options.Int("batch", 256, minimum: 1);
        options.RejectUnknown();
        if (split is not ("test" or "train")) throw new ArgumentException($"--split '{split}' is not test or train");
        Model model = RebuildMlp(load, info);
        double fraction = double.Parse(info.Metadata.GetValueOrDefault("test-fraction", "0.2"), CultureInfo.InvariantCulture);
        ulong seed = (ulong)int.Parse(info.Metadata.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture);
        var (train, test) = TrainCommand.LoadData(directory, fraction, seed);
        Dataset data = split == "test" ? test : train;
        if (data.FeatureCount != model.InputSize || data.ClassCount != model.OutputSize)
            throw new ArgumentException($"{load} holds a model of {model.InputSize} inputs and {model.OutputSize} classes, but {data.Source} has {data.FeatureCount} features and {data.ClassCount} classes");
        Checkpoint.Load(load, model, null);

        var (loss, accuracy) = Trainer.Evaluate(model, data, batchSize);
        long[,] confusion = Confusion(model, data, batchSize);
        long correct = 0;
        for (int c = 0; c < data.ClassCount; c++) correct += confusion[c, c];
        Console.WriteLine($"model: {load}: {string.Join("; ", info.Layers)}{Trained(info)}");
        string origin = directory is null ? $"split with fraction {fraction.ToString(CultureInfo.InvariantCulture)} and seed {seed}, as in training" : $"the {split} set of {directory}";
        Console.WriteLine($"data: {data.Source}, {origin}: {data.Count} examples, {data.FeatureCount} features, {data.ClassCount} classes");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss {loss:F4}  accuracy {accuracy:P2} ({correct} of {data.Count})"));
        Console.Write(ConfusionTable(confusion));
        return 0;
    }

    /// <summary>" (adam, 1,350 steps, 30 epochs)": how far the saved model was trained, when the file says (epochs for an MLP, whose runs end with one).</summary>
    private static string Trained(CheckpointInfo info) =>
        info.OptimizerName is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" ({info.OptimizerName}, {info.OptimizerStep:N0} steps{(info.Progress.Counters.TryGetValue("epoch", out long epochs) && !info.Progress.Counters.ContainsKey("window") ? $", {epochs} epochs" : "")})");

    [GeneratedRegex(@"^dense\d+: Dense (\d+) → (\d+), (\w+)$")]
    private static partial Regex DenseLayer();

    /// <summary>An MLP of the file's recorded layers (every checkpoint simd train wrote since format 3 records them).</summary>
    private static Model RebuildMlp(string load, CheckpointInfo info)
    {
        if (info.Layers.Count == 0)
            throw new ArgumentException($"{load} records no layers (checkpoint version {info.Version}); evaluate needs a file written by simd train --save since version 3");
        ModelBuilder? builder = null;
        foreach (string layer in info.Layers)
        {
            Match match = DenseLayer().Match(layer);
            if (!match.Success || !Enum.TryParse(match.Groups[3].Value, out Activation activation))
                throw new ArgumentException($"{load}: layer '{layer}' is not a dense layer; evaluate reads MLPs and character models");
            int inputs = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), outputs = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            builder ??= new ModelBuilder(inputs);
            builder.Add(new Dense(inputs, outputs, activation));
        }
        return builder!.Build(1);
    }

    /// <summary>counts[true class, predicted class] over <paramref name="data"/>; the prediction is the first largest logit, as in <see cref="Trainer.Evaluate"/>.</summary>
    private static long[,] Confusion(Model model, Dataset data, int batchSize)
    {
        var counts = new long[data.ClassCount, data.ClassCount];
        Workspace workspace = model.CreateWorkspace(batchSize);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, data.Count - start);
            model.Forward(data.Features.AsSpan(start * data.FeatureCount, batch * data.FeatureCount), batch, workspace);
            ReadOnlySpan<float> logits = model.Output(workspace, batch);
            for (int i = 0; i < batch; i++)
            {
                ReadOnlySpan<float> row = logits.Slice(i * data.ClassCount, data.ClassCount);
                int best = 0;
                for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                counts[data.Labels[start + i], best]++;
            }
        }
        return counts;
    }

    /// <summary>The matrix with a row per true class, a column per predicted class, and each class's recall.</summary>
    internal static string ConfusionTable(long[,] counts)
    {
        int classes = counts.GetLength(0);
        int width = Math.Max(5, counts.Cast<long>().Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        var table = new StringBuilder("confusion matrix (rows: true class, columns: predicted class)\n");
        table.Append("true".PadLeft(5));
        for (int p = 0; p < classes; p++) table.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        table.Append("  recall\n");
        for (int t = 0; t < classes; t++)
        {
            long total = 0;
            table.Append(t.ToString(CultureInfo.InvariantCulture).PadLeft(5));
            for (int p = 0; p < classes; p++)
            {
                table.Append(counts[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
                total += counts[t, p];
            }
            table.Append(total == 0 ? "       -" : string.Create(CultureInfo.InvariantCulture, $"{(double)counts[t, t] / total,8:P1}")).Append('\n');
        }
        return table.ToString();
    }

    private static int CharacterModel(Options options, string load, CheckpointInfo info, string kind)
    {
        IReadOnlyDictionary<string, string> saved = info.Metadata;
        if (!kind.StartsWith("char", StringComparison.Ordinal) || !saved.ContainsKey("alphabet"))
            throw new ArgumentException($"{load} holds a '{kind}' model, which evaluate does not know");
        string? textOption = options.String("text");
        int steps = options.Int("bptt", int.Parse(saved.GetValueOrDefault("bptt", "64"), CultureInfo.InvariantCulture), minimum: 1);
        int batch = options.Int("batch", int.Parse(saved.GetValueOrDefault("batch", "32"), CultureInfo.InvariantCulture), minimum: 1);
        options.RejectUnknown();
        SequenceModel model = CharModelCommand.Rebuild(saved);
        Checkpoint.Load(load, model, null);
        string path = textOption ?? saved.GetValueOrDefault("text") ?? CharModelCommand.ShippedText();
        TextCorpus corpus = TextCorpus.Load(path, saved["alphabet"]);
        ReadOnlySpan<int> tokens = corpus.Tokens;
        string part = "the whole text";
        if (textOption is null)
        {
            // The held-out end, as train --model char… splits it (with the training run's window length).
            int trainingSteps = int.Parse(saved.GetValueOrDefault("bptt", "64"), CultureInfo.InvariantCulture);
            int validationLength = Math.Max(trainingSteps + 1, corpus.Length / 20);
            tokens = tokens[(corpus.Length - validationLength - 1)..];
            part = $"the held-out last {validationLength:N0} characters";
        }
        if (tokens.Length < steps + 1)
            throw new ArgumentException($"{corpus.Source}: {tokens.Length} characters are too few for one window of --bptt {steps} (and the character after it)");
        double bits = CharModelCommand.ValidationBits(model, tokens, steps, batch);
        Console.WriteLine($"model: {load}: {string.Join("; ", info.Layers)}{Trained(info)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"text: {corpus.Source}, {part} ({tokens.Length:N0} characters read as up to {batch} streams in windows of {steps})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loss {bits:F3} bits/char (the whole text's unigram entropy: {corpus.UnigramEntropyBits():F2})"));
        return 0;
    }
}
