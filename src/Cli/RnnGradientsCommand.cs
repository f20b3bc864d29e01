using System.Diagnostics;
using System.Globalization;
using System.Text;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Cli;

/// <summary>
/// <c>simd rnn-gradients</c>: how far back the last step's loss reaches (‖∂J_T/∂s_k‖ against T − k)
/// for Elman tanh, Elman ReLU, GRU and LSTM character models, freshly initialized and after training;
/// prints the table and writes an SVG plot with a logarithmic norm axis.
/// </summary>
internal static class RnnGradientsCommand
{
    public const string Usage = """
        simd rnn-gradients [options]   vanishing and exploding gradients made visible
          --text FILE          UTF-8 text (.gz read as gzip); default: the shipped Pride and Prejudice
          --steps 64           T: the last step's loss is differentiated with respect to every earlier state
          --hidden 128         hidden size; --embedding 32, --batch 16 sequences measured
          --train-seconds 15   training time per cell (Adam 0.002, clip 5, 32 streams of --steps)
          --svg FILE           the plot (default rnn-gradients.svg); --seed, --threads
        """;

    private static readonly string[] s_cells = ["elman-tanh", "elman-relu", "gru", "lstm"];
    private static readonly string[] s_colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    public static int Run(Options options)
    {
        TextCorpus corpus = TextCorpus.Load(options.String("text") ?? CharModelCommand.ShippedText());
        int steps = options.Int("steps", 64);
        int hidden = options.Int("hidden", 128);
        int embedding = options.Int("embedding", 32);
        int batch = options.Int("batch", 16);
        double trainSeconds = options.Double("train-seconds", 15);
        string svg = options.String("svg") ?? "rnn-gradients.svg";
        ulong seed = (ulong)options.Int("seed", 1);
        Gemm.MaxDegreeOfParallelism = options.Int("threads", Environment.ProcessorCount, minimum: 1);
        options.RejectUnknown();
        if (steps < 2 || hidden <= 0 || embedding <= 0 || batch <= 0 || trainSeconds < 0)
            throw new ArgumentException("--steps must be at least 2, --hidden, --embedding and --batch positive, --train-seconds non-negative");
        int held = corpus.Length - corpus.Length / 20;
        if ((corpus.Length - held) < batch * (steps + 1) || held < 32 * (steps + 1))
            throw new ArgumentException($"{corpus.Source}: {corpus.Length} characters are too few for {batch} measured and 32 training sequences of {steps + 1}");
        var (inputs, targets) = Windows(corpus.Tokens.AsSpan(held), steps, batch, corpus.Length - held);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"‖∂J_T/∂s_(T−d)‖ on {batch} held-out sequences of {corpus.Source}, T = {steps}, hidden {hidden}, embedding {embedding}; trained {trainSeconds} s each (Adam 0.002, clip 5)"));

        var series = new List<(string Name, double[] Norms, bool Trained, int Cell)>();
        for (int c = 0; c < s_cells.Length; c++)
        {
            var model = new SequenceModel(corpus.Alphabet.Length, embedding, [Cell(s_cells[c], embedding, hidden)], seed);
            series.Add(($"{s_cells[c]} fresh", GradientReach.Measure(model, inputs, targets, steps, batch), false, c));
            double bits = Train(model, corpus.Tokens.AsSpan(0, held), steps, trainSeconds);
            series.Add((string.Create(CultureInfo.InvariantCulture, $"{s_cells[c]} trained ({bits:F2} bits/char)"), GradientReach.Measure(model, inputs, targets, steps, batch), true, c));
        }

        int[] distances = [.. new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256 }.Where(d => d <= steps)];
        var header = new StringBuilder($"{"d = T − k",-34}");
        foreach (int d in distances) header.Append(CultureInfo.InvariantCulture, $"{d,10}");
        Console.WriteLine(header);
        foreach (var (name, norms, _, _) in series)
        {
            var line = new StringBuilder($"{name,-34}");
            foreach (int d in distances) line.Append(CultureInfo.InvariantCulture, $"{norms[d - 1],10:0.0E+0}");
            Console.WriteLine(line);
        }
        File.WriteAllText(svg, Plot(series, steps));
        Console.WriteLine($"plot written to {svg}");
        return 0;
    }

    private static RecurrentLayer Cell(string cell, int inputs, int hidden) => cell switch
    {
        "elman-tanh" => new Elman(inputs, hidden, Activation.Tanh),
        "elman-relu" => new Elman(inputs, hidden, Activation.Relu),
        "gru" => new Gru(inputs, hidden),
        _ => new Lstm(inputs, hidden, forgetBias: 1f),
    };

    /// <summary><paramref name="count"/> sequences of steps + 1 characters spread evenly over the text.</summary>
    private static (int[] Inputs, int[] Targets) Windows(ReadOnlySpan<int> tokens, int steps, int count, int length)
    {
        var inputs = new int[count * steps];
        var targets = new int[count * steps];
        int stride = (length - steps - 1) / Math.Max(1, count - 1);
        for (int b = 0; b < count; b++)
        {
            tokens.Slice(b * stride, steps).CopyTo(inputs.AsSpan(b * steps));
            tokens.Slice(b * stride + 1, steps).CopyTo(targets.AsSpan(b * steps));
        }
        return (inputs, targets);
    }

    /// <summary>Truncated BPTT on 32 streams for <paramref name="seconds"/>; returns the last 50 steps' mean bits per character.</summary>
    private static double Train(SequenceModel model, ReadOnlySpan<int> tokens, int steps, double seconds)
    {
        const int streams = 32;
        var trainer = new SequenceTrainer(model, new Adam(2e-3f), steps, streams, SequenceReduction.MeanOverTokens, clipNorm: 5f);
        int streamLength = (tokens.Length - 1) / streams, windows = streamLength / steps;
        var inputs = new int[streams * steps];
        var targets = new int[streams * steps];
        var recent = new Queue<double>();
        var watch = Stopwatch.StartNew();
        for (int window = 0; watch.Elapsed.TotalSeconds < seconds; window = (window + 1) % windows)
        {
            if (window == 0) trainer.Workspace.ResetState();
            for (int b = 0; b < streams; b++)
            {
                int start = b * streamLength + window * steps;
                tokens.Slice(start, steps).CopyTo(inputs.AsSpan(b * steps));
                tokens.Slice(start + 1, steps).CopyTo(targets.AsSpan(b * steps));
            }
            trainer.Step(inputs, targets, steps, streams);
            recent.Enqueue(trainer.LastMeanLossPerToken / Math.Log(2));
            if (recent.Count > 50) recent.Dequeue();
        }
        return recent.Count == 0 ? double.NaN : recent.Average();
    }

    /// <summary>An SVG line chart: log₁₀ of each norm against d = T − k, fresh dashed, trained solid.</summary>
    private static string Plot(List<(string Name, double[] Norms, bool Trained, int Cell)> series, int steps)
    {
        const double width = 760, height = 440, left = 70, right = 250, top = 30, bottom = 50;
        double plotWidth = width - left - right, plotHeight = height - top - bottom;
        var finite = series.SelectMany(s => s.Norms).Where(v => v > 0 && double.IsFinite(v)).ToArray();
        double low = Math.Floor(Math.Log10(finite.Length > 0 ? finite.Min() : 1e-10)), high = Math.Ceiling(Math.Log10(finite.Length > 0 ? finite.Max() : 1));
        if (high <= low) high = low + 1;
        double X(int d) => left + plotWidth * (d - 1) / Math.Max(1, steps - 1);
        double Y(double v) => top + plotHeight * (high - Math.Log10(v)) / (high - low);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"18\" font-size=\"14\">‖∂J_T/∂s_k‖ against d = T − k (T = {steps}); dashed: freshly initialized, solid: trained</text>");
        double every = Math.Max(1, Math.Ceiling((high - low) / 12));
        for (double e = low; e <= high; e += every)
        {
            double y = Y(Math.Pow(10, e));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:F1}\" x2=\"{left + plotWidth}\" y2=\"{y:F1}\" stroke=\"#ddd\"/><text x=\"{left - 8}\" y=\"{y + 4:F1}\" text-anchor=\"end\">1e{e:F0}</text>");
        }
        for (int d = 1; d <= steps; d += Math.Max(1, steps / 8))
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{X(d):F1}\" y=\"{top + plotHeight + 18}\" text-anchor=\"middle\">{d}</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left + plotWidth / 2}\" y=\"{height - 12}\" text-anchor=\"middle\">d = T − k (steps back)</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"black\"/>");
        for (int i = 0; i < series.Count; i++)
        {
            var (name, norms, trained, cell) = series[i];
            var points = new StringBuilder();
            for (int d = 1; d <= norms.Length; d++)
                if (norms[d - 1] > 0 && double.IsFinite(norms[d - 1]))
                    points.Append(CultureInfo.InvariantCulture, $"{X(d):F1},{Y(norms[d - 1]):F1} ");
            string dash = trained ? "" : " stroke-dasharray=\"6,4\"";
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline points=\"{points.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{s_colours[cell]}\" stroke-width=\"2\"{dash}/>");
            double legendY = top + 14 + 18 * i;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left + plotWidth + 12}\" y1=\"{legendY - 4}\" x2=\"{left + plotWidth + 40}\" y2=\"{legendY - 4}\" stroke=\"{s_colours[cell]}\" stroke-width=\"2\"{dash}/><text x=\"{left + plotWidth + 46}\" y=\"{legendY}\">{System.Security.SecurityElement.Escape(name)}</text>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
