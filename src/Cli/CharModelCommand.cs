using System.Diagnostics;
using System.Globalization;
using Simd.Distributed;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Cli;

/// <summary>
/// <c>simd train --model charrnn|chargru|charlstm</c>: a character-level language model (embedding, recurrent layers,
/// per-step softmax) trained by truncated BPTT on the shipped novel or any text file.
/// </summary>
internal static class CharModelCommand
{
    public const string Usage = """
        simd train --model charrnn|chargru|charlstm [options]   character-level language model (Elman RNN, GRU, LSTM)
          --text FILE          UTF-8 text (.gz read as gzip); default: the shipped Pride and Prejudice
          --bptt 64            steps per truncated-BPTT window (the state is carried between windows)
          --batch 32           parallel streams of the text
          --embedding 64       embedding size
          --hidden 256         hidden size of each recurrent layer
          --layers 1           stacked recurrent layers
          --cell tanh          tanh | relu (the Elman cell's nonlinearity; charrnn only)
          --forget-bias 1      initial bias of the LSTM's forget gate (charlstm only)
          --init uniform       recurrent matrix (each gate's block): uniform (±1/√hidden) | orthogonal | identity
          --clip 5             clip the global gradient norm (0: off)
          --optimizer adam     adam | sgd | momentum (loss: mean over all characters)
          --lr 0.002           learning rate (default 0.002 for adam, 1 for sgd, 0.1 for momentum)
          --seconds 60         stop training after this long (or after --epochs passes)
          --epochs 100         passes over the training text
          --report 100         print progress every this many steps
          --temperature 0.8    sampling temperature of the generated text
          --sample 400         characters to generate at the end
          --prompt TEXT        text the sample continues (default: the training text's first 20 characters)
          --steps N            stop after this many steps (default: no limit)
          --seed, --threads, --save FILE (with the optimizer state, the position in the text and the carried state)
          --load FILE          start from a saved model's weights (same sizes and alphabet) with a fresh optimizer
          --resume FILE        continue a saved run exactly (see train --resume); --epochs, --steps, --seconds count anew
        """;

    /// <summary>The options a resumed character-model run takes from its checkpoint (the cell only for charrnn, the one kind that has the option).</summary>
    public static string[] SettingsFor(string kind) =>
        ["model", "text", "bptt", "batch", "embedding", "hidden", "layers", .. kind == "charrnn" ? new[] { "cell" } : [], "clip", "optimizer", "lr", "seed"];

    public static int Run(Options options, string kind, string? resume, CheckpointInfo? resumed)
    {
        if (kind is not ("charrnn" or "chargru" or "charlstm")) throw new ArgumentException($"--model '{kind}' is not mlp, charrnn, chargru or charlstm");
        string? load = options.String("load");
        if (load is not null && resume is not null) throw new ArgumentException("give --load (weights only) or --resume (the whole run), not both");
        IReadOnlyDictionary<string, string>? saved = resumed?.Metadata ?? (load is null ? null : Checkpoint.ReadMetadata(load));
        load ??= resume;
        if (saved is not null && saved.GetValueOrDefault("model") != kind)
            throw new ArgumentException($"{load} holds a '{saved.GetValueOrDefault("model", "mlp")}' model, not {kind}");
        string? textOption = options.String("text");
        string textPath = textOption ?? ShippedText();
        TextCorpus corpus = TextCorpus.Load(textPath, saved?["alphabet"]);
        int steps = options.Int("bptt", 64);
        int batch = options.Int("batch", 32);
        int embedding = options.Int("embedding", saved is null ? 64 : int.Parse(saved["embedding"], CultureInfo.InvariantCulture));
        int hidden = options.Int("hidden", saved is null ? 256 : int.Parse(saved["hidden"], CultureInfo.InvariantCulture));
        int layerCount = options.Int("layers", saved is null ? 1 : int.Parse(saved["layers"], CultureInfo.InvariantCulture));
        string cell = kind switch { "chargru" => "gru", "charlstm" => "lstm", _ => options.String("cell") ?? saved?["cell"] ?? "tanh" };
        float forgetBias = (float)options.Double("forget-bias", 1);
        string init = options.String("init") ?? "uniform";
        float clip = (float)options.Double("clip", 5);
        string optimizerName = options.String("optimizer") ?? "adam";
        float learningRate = (float)options.Double("lr", optimizerName switch { "sgd" => 1, "momentum" => 0.1, _ => 2e-3 });
        double seconds = options.Double("seconds", 60);
        int epochs = options.Int("epochs", 100);
        int maxSteps = options.Int("steps", int.MaxValue, minimum: 1);
        int report = options.Int("report", 100);
        double temperature = options.Double("temperature", 0.8);
        int sampleLength = options.Int("sample", 400);
        string? prompt = options.String("prompt");
        ulong seed = (ulong)options.Int("seed", 1);
        Gemm.MaxDegreeOfParallelism = options.Int("threads", DistributedTraining.DefaultThreads, minimum: 1);
        string? save = options.SavePath("save");
        options.RejectUnknown();
        if (steps <= 0 || batch <= 0 || embedding <= 0 || hidden <= 0 || layerCount <= 0 || report <= 0 || epochs <= 0 || sampleLength < 0)
            throw new ArgumentException("--bptt, --batch, --embedding, --hidden, --layers, --report and --epochs must be positive (--sample non-negative)");
        if (saved is not null && (embedding != int.Parse(saved["embedding"], CultureInfo.InvariantCulture) || hidden != int.Parse(saved["hidden"], CultureInfo.InvariantCulture)
            || layerCount != int.Parse(saved["layers"], CultureInfo.InvariantCulture) || cell != saved["cell"]))
            throw new ArgumentException($"{load} holds embedding {saved["embedding"]}, hidden {saved["hidden"]}, {saved["layers"]} {saved["cell"]} layer(s); the options ask for {embedding}, {hidden}, {layerCount} {cell}");
        if (cell is not ("tanh" or "relu" or "gru" or "lstm")) throw new ArgumentException($"--cell '{cell}' is not tanh or relu");
        RecurrentInitializer initializer = init switch
        {
            "uniform" => RecurrentInitializer.Uniform,
            "orthogonal" => RecurrentInitializer.Orthogonal,
            "identity" => RecurrentInitializer.ScaledIdentity,
            _ => throw new ArgumentException($"--init '{init}' is not uniform, orthogonal or identity"),
        };

        int validationLength = Math.Max(steps + 1, corpus.Length / 20);
        int trainLength = corpus.Length - validationLength;
        int streamLength = (trainLength - 1) / batch;
        if (streamLength < steps) throw new ArgumentException($"{corpus.Source}: {trainLength} training characters do not fill {batch} streams of one {steps}-step window");
        var model = new SequenceModel(corpus.Alphabet.Length, embedding, Layers(cell, embedding, hidden, layerCount, initializer, forgetBias), seed);
        Optimizer optimizer = optimizerName switch
        {
            "adam" => new Adam(learningRate),
            "sgd" => new Sgd(learningRate),
            "momentum" => new Momentum(learningRate),
            _ => throw new ArgumentException($"--optimizer '{optimizerName}' is not adam, sgd or momentum"),
        };
        var trainer = new SequenceTrainer(model, optimizer, steps, batch, SequenceReduction.MeanOverTokens, clip);
        int windows = streamLength / steps;
        long step = 0;
        int epoch = 0, window = 0; // epochs completed, and windows completed of the next one
        if (resume is not null)
        {
            Checkpoint.Load(resume, model, optimizer);
            step = resumed!.Progress.Counter("step");
            epoch = checked((int)resumed.Progress.Counter("epoch"));
            window = checked((int)resumed.Progress.Counter("window"));
            long characters = resumed.Progress.Counter("characters", corpus.Length);
            if (characters != corpus.Length)
                throw new ArgumentException($"{resume} was trained on a text of {characters} characters, but {corpus.Source} has {corpus.Length}: the text has changed");
            if (window < 0 || window >= windows)
                throw new ArgumentException($"{resume} stopped after window {window} of an epoch, but {corpus.Source} gives {windows} windows per epoch: the text has changed");
            Shard streams = DistributedTraining.StreamShard(batch);
            for (int l = 0; l < layerCount && window > 0; l++)
            {
                float[] state = resumed.Progress.Tensors.GetValueOrDefault($"state{l}")
                    ?? throw new ArgumentException($"{resume} stopped inside an epoch but holds no carried state for layer {l}");
                int size = trainer.Workspace.Buffers[l].StateSize;
                if (state.Length != batch * size)
                    throw new ArgumentException($"{resume} holds a carried state of {state.Length} floats for layer {l}, not {batch} streams × {size}");
                trainer.Workspace.SetInitialState(l, state.AsSpan(streams.Start * size, streams.Count * size), streams.Count);
            }
        }
        else if (load is not null)
        {
            Checkpoint.Load(load, model, null);
            Console.WriteLine($"loaded the weights of {load}");
        }

        double unigram = corpus.UnigramEntropyBits();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"text: {corpus.Source}: {corpus.Length:N0} characters, {corpus.Alphabet.Length} distinct, unigram entropy {unigram:F2} bits/char; {trainLength:N0} for training ({batch} streams), {validationLength:N0} held out"));
        Console.WriteLine($"model:\n  {model.ToString().Replace(Environment.NewLine, Environment.NewLine + "  ", StringComparison.Ordinal)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"optimizer {optimizer.Name}, lr {learningRate}, bptt {steps}, batch {batch}, clip {clip}, threads {Gemm.MaxDegreeOfParallelism}, level {SimdLevels.Describe(SimdLevels.Current)}, seed {seed}, at most {seconds} s"));

        if (resume is not null)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"resumed {resume}: {step} steps done, epoch {epoch + (double)window / windows:F2}"));
        DataParallelSequenceTrainer? parallel = DistributedTraining.Parallel(trainer, batch);
        var inputs = new int[batch * steps];
        var targets = new int[batch * steps];
        long runLimit = Math.Min((long)epochs * windows, maxSteps);
        var total = Stopwatch.StartNew();
        var interval = Stopwatch.StartNew();
        double bitsSum = 0, normSum = 0;
        float normMax = 0;
        int inInterval = 0;
        bool timeUp = false;
        for (long run = 0; run < runLimit && !timeUp; run++)
        {
            if (window == 0) trainer.Workspace.ResetState();
            for (int b = 0; b < batch; b++)
            {
                int start = b * streamLength + window * steps;
                corpus.Tokens.AsSpan(start, steps).CopyTo(inputs.AsSpan(b * steps));
                corpus.Tokens.AsSpan(start + 1, steps).CopyTo(targets.AsSpan(b * steps));
            }
            try { if (parallel is null) trainer.Step(inputs, targets, steps, batch); else parallel.Step(inputs, targets, steps); }
            catch (NonFiniteStepException error)
            {
                Console.Error.WriteLine($"simd: training stopped in epoch {epoch + 1}: {error.Message}{(save is null ? "" : $"; {save} was not written")}");
                return 3;
            }
            step++;
            if (++window == windows) (epoch, window) = (epoch + 1, 0);
            bitsSum += (parallel?.LastMeanLossPerToken ?? trainer.LastMeanLossPerToken) / Math.Log(2);
            normSum += trainer.LastGradientNorm;
            normMax = Math.Max(normMax, trainer.LastGradientNorm);
            inInterval++;
            timeUp = DistributedTraining.Agree(total.Elapsed.TotalSeconds >= seconds);
            if (inInterval == report || run + 1 == runLimit || timeUp)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step,6}  epoch {epoch + (double)window / windows,6:F2}  loss {bitsSum / inInterval:F3} bits/char  grad norm {normSum / inInterval:G3} (max {normMax:G3})  {inInterval * (double)steps * batch / interval.Elapsed.TotalSeconds:N0} chars/s  {total.Elapsed.TotalSeconds:F0} s"));
                bitsSum = normSum = normMax = 0;
                inInterval = 0;
                interval.Restart();
            }
        }
        double validation = ValidationBits(model, corpus.Tokens.AsSpan(trainLength - 1), steps, batch);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final: held-out loss {validation:F3} bits/char (unigram entropy {unigram:F2}) after {step} steps, {step * steps * batch:N0} characters in {total.Elapsed.TotalSeconds:F1} s")
            + DistributedTraining.Summary(parallel?.GradientSumTime ?? default, parallel?.Reductions ?? 0, total.Elapsed, step));

        if (sampleLength > 0)
        {
            string promptText = prompt ?? corpus.Decode(corpus.Tokens.AsSpan(0, Math.Min(20, corpus.Length)));
            int[] generated = new SequenceSampler(model).Generate(corpus.Encode(promptText), sampleLength, temperature, new Rng(seed + 17));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sample (temperature {temperature}):"));
            Console.WriteLine(promptText + corpus.Decode(generated));
        }
        float[][] carried = save is null || window == 0 ? [] : [.. Enumerable.Range(0, layerCount).Select(l => DistributedTraining.AllStreamsState(trainer, l, batch))];
        if (save is not null && DistributedTraining.IsRoot)
        {
            var metadata = new Dictionary<string, string>
            {
                ["model"] = kind,
                ["cell"] = cell,
                ["embedding"] = embedding.ToString(CultureInfo.InvariantCulture),
                ["hidden"] = hidden.ToString(CultureInfo.InvariantCulture),
                ["layers"] = layerCount.ToString(CultureInfo.InvariantCulture),
                ["alphabet"] = corpus.Alphabet,
                ["bptt"] = steps.ToString(CultureInfo.InvariantCulture),
                ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
                ["clip"] = Options.Text(clip),
                ["optimizer"] = optimizerName,
                ["lr"] = Options.Text(learningRate),
                ["seed"] = unchecked((int)seed).ToString(CultureInfo.InvariantCulture),
            };
            if (textOption is not null) metadata["text"] = textOption;
            var progress = new TrainingProgress();
            progress.Counters["step"] = step;
            progress.Counters["epoch"] = epoch;
            progress.Counters["window"] = window;
            progress.Counters["characters"] = corpus.Length;
            for (int l = 0; l < carried.Length; l++) progress.Tensors[$"state{l}"] = carried[l];
            Checkpoint.Save(save, model, optimizer, metadata, progress);
            Console.WriteLine($"saved {save}");
        }
        return 0;
    }

    /// <summary>The recurrent stack of a character model: <paramref name="count"/> layers of <paramref name="cell"/> (tanh, relu, gru or lstm).</summary>
    private static RecurrentLayer[] Layers(string cell, int embedding, int hidden, int count, RecurrentInitializer initializer, float forgetBias)
    {
        var layers = new RecurrentLayer[count];
        for (int l = 0; l < count; l++)
        {
            int inputs = l == 0 ? embedding : hidden;
            layers[l] = cell switch
            {
                "gru" => new Gru(inputs, hidden, initializer),
                "lstm" => new Lstm(inputs, hidden, initializer, forgetBias),
                "relu" => new Elman(inputs, hidden, Activation.Relu, initializer),
                _ => new Elman(inputs, hidden, Activation.Tanh, initializer),
            };
        }
        return layers;
    }

    public const string SampleUsage = """
        simd sample --load FILE [options]   generate text from a saved character model
          --prompt TEXT        text to continue (default "The ")
          --sample 400         characters to generate
          --temperature 0.8    softmax temperature (lower: more conservative)
          --seed 1             sampling seed
        """;

    /// <summary><c>simd sample</c>: rebuilds the saved model from its checkpoint's metadata and continues a prompt.</summary>
    public static int Sample(Options options)
    {
        string load = options.String("load") ?? throw new ArgumentException("simd sample needs --load FILE (a checkpoint written by train --model char… --save)");
        string prompt = options.String("prompt") ?? "The ";
        int count = options.Int("sample", 400);
        double temperature = options.Double("temperature", 0.8);
        ulong seed = (ulong)options.Int("seed", 1);
        options.RejectUnknown();
        IReadOnlyDictionary<string, string> saved = Checkpoint.ReadMetadata(load);
        if (!saved.TryGetValue("model", out string? kind) || !kind.StartsWith("char", StringComparison.Ordinal))
            throw new ArgumentException($"{load} does not hold a character model");
        string alphabet = saved["alphabet"];
        SequenceModel model = Rebuild(saved);
        Checkpoint.Load(load, model, null);
        var corpus = new TextCorpus(alphabet + alphabet, "the model's alphabet", alphabet);
        if (corpus.Encode(prompt).Length == 0) throw new ArgumentException("--prompt is empty: give at least one character to continue");
        int[] generated = new SequenceSampler(model).Generate(corpus.Encode(prompt), count, temperature, new Rng(seed));
        Console.WriteLine(prompt + corpus.Decode(generated));
        return 0;
    }

    /// <summary>A character model of the sizes, cell and alphabet that a checkpoint's metadata records, for its weights to be loaded into.</summary>
    public static SequenceModel Rebuild(IReadOnlyDictionary<string, string> saved)
    {
        int embedding = int.Parse(saved["embedding"], CultureInfo.InvariantCulture), hidden = int.Parse(saved["hidden"], CultureInfo.InvariantCulture);
        return new SequenceModel(saved["alphabet"].Length, embedding,
            Layers(saved["cell"], embedding, hidden, int.Parse(saved["layers"], CultureInfo.InvariantCulture), RecurrentInitializer.Uniform, 0f), 1);
    }

    /// <summary>Mean bits per character of predicting each character of <paramref name="tokens"/> from those before it, in batch streams with the state carried.</summary>
    public static double ValidationBits(SequenceModel model, ReadOnlySpan<int> tokens, int steps, int batch)
    {
        int streams = Math.Max(1, Math.Min(batch, (tokens.Length - 1) / steps));
        int streamLength = (tokens.Length - 1) / streams;
        int windows = streamLength / steps;
        SequenceWorkspace workspace = model.CreateWorkspace(steps, streams);
        var loss = new SequenceCrossEntropy(SequenceReduction.MeanOverTokens);
        var inputs = new int[streams * steps];
        var targets = new int[streams * steps];
        double sum = 0;
        for (int window = 0; window < windows; window++)
        {
            for (int b = 0; b < streams; b++)
            {
                int start = b * streamLength + window * steps;
                tokens.Slice(start, steps).CopyTo(inputs.AsSpan(b * steps));
                tokens.Slice(start + 1, steps).CopyTo(targets.AsSpan(b * steps));
            }
            model.Forward(inputs, steps, streams, workspace);
            sum += loss.Compute(model, workspace, targets, steps, streams, out _);
            workspace.CarryState(steps, streams);
        }
        return sum / windows / Math.Log(2);
    }

    public static string ShippedText()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "data", "pride-and-prejudice.txt.gz"),
            Path.Combine(Directory.GetCurrentDirectory(), "data", "pride-and-prejudice", "pride-and-prejudice.txt.gz"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"the shipped text was not found (looked for {string.Join(" and ", candidates)})");
    }
}
