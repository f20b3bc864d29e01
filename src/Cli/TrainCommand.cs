using System.Diagnostics;
using System.Globalization;
using Simd.Distributed;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Cli;

/// <summary><c>simd train</c>: trains an MLP classifier on the shipped digits or an MNIST-format directory, or (with --model) a character model.</summary>
internal static class TrainCommand
{
    public const string Usage = """
        simd train [--model mlp] [options]     MLP classifier
          --data DIR           MNIST-format IDX files (train-images-idx3-ubyte[.gz], …), e.g.
                               /usr/share/datasets/fashion-mnist; default: the shipped 8×8 digits
          --hidden 128,64      hidden layer sizes (default 128; 256,256 for MNIST-format data)
          --activation relu    relu | sigmoid | tanh
          --optimizer adam     adam | sgd | momentum
          --lr 0.001           learning rate (default 0.001 for adam, 0.05 for sgd and momentum)
          --batch 32           batch size (default 32; 128 for MNIST-format data)
          --epochs 30          passes over the training set (default 30; 10 for MNIST-format data)
          --threads N          GEMM threads (default: all cores)
          --seed 1             seed of the split, the initialization and the batch order
          --l2 0               λ of the L2 penalty on weights
          --clip 0             clip the global gradient norm (0: off); the norm before clipping is
                               reported per epoch (mean and max over its steps) either way
          --test-fraction 0.2  held-out fraction of the shipped digits
          --save FILE          write the trained model with its optimizer state and progress (checksummed, atomic)
          --resume FILE        continue a run saved by train --save (MLP or character model) for --epochs more
                               epochs, exactly as if it had not stopped: the model, optimizer, data, batch, seed and
                               the other settings come from FILE (giving one with another value is an error)
          exit status 3: a step's loss or gradient was not finite (NaN/Inf); training stopped before
          that update and nothing was saved
        """;

    /// <summary>The options a resumed MLP run takes from its checkpoint.</summary>
    private static readonly string[] Settings = ["model", "data", "test-fraction", "hidden", "activation", "optimizer", "lr", "batch", "l2", "clip", "seed"];

    public static int Run(Options options)
    {
        string? resume = options.String("resume");
        CheckpointInfo? resumed = null;
        if (resume is not null)
        {
            resumed = Checkpoint.ReadInfo(resume);
            if (resumed.Progress.IsEmpty)
                throw new ArgumentException($"{resume} records no training progress (it was not saved by this version of simd train --save), so it cannot be resumed exactly");
            string savedKind = resumed.Metadata.GetValueOrDefault("model", "mlp");
            options.TakeSaved(resumed.Metadata, savedKind == "mlp" ? Settings : CharModelCommand.SettingsFor(savedKind), resume);
        }
        string kind = options.String("model") ?? "mlp";
        if (kind != "mlp") return CharModelCommand.Run(options, kind, resume, resumed);
        string? directory = options.String("data");
        double testFraction = directory is null ? options.Double("test-fraction", 0.2) : 0;
        var (train, test) = LoadData(directory, testFraction, (ulong)options.Int("seed", 1));
        bool large = directory is not null;
        int[] hidden = options.IntList("hidden", large ? [256, 256] : [128]);
        Activation activation = options.Enum("activation", Activation.Relu);
        if (activation == Activation.None) throw new ArgumentException("--activation must be relu, sigmoid or tanh");
        string optimizerName = options.String("optimizer") ?? "adam";
        float learningRate = (float)options.Double("lr", optimizerName == "adam" ? 1e-3 : 0.05);
        int batchSize = options.Int("batch", large ? 128 : 32);
        int epochs = options.Int("epochs", large ? 10 : 30);
        ulong seed = (ulong)options.Int("seed", 1);
        float l2 = (float)options.Double("l2", 0);
        float clip = (float)options.Double("clip", 0);
        Gemm.MaxDegreeOfParallelism = options.Int("threads", DistributedTraining.DefaultThreads, minimum: 1);
        string? save = options.SavePath("save");
        options.RejectUnknown();
        if (batchSize <= 0 || epochs <= 0) throw new ArgumentException("--batch and --epochs must be positive");

        var builder = new ModelBuilder(train.FeatureCount);
        int previous = train.FeatureCount;
        foreach (int size in hidden)
        {
            builder.Add(new Dense(previous, size, activation));
            previous = size;
        }
        builder.Add(new Dense(previous, train.ClassCount));
        Model model = builder.Build(seed);
        Optimizer optimizer = optimizerName switch
        {
            "adam" => new Adam(learningRate),
            "sgd" => new Sgd(learningRate),
            "momentum" => new Momentum(learningRate),
            _ => throw new ArgumentException($"--optimizer '{optimizerName}' is not adam, sgd or momentum"),
        };
        Trainer trainer;
        try { trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), optimizer, batchSize, l2, clip); }
        catch (ArgumentOutOfRangeException error) when (error.ParamName == "maxBatch")
        {
            throw new ArgumentException($"--batch {batchSize} is too large: {Program.Describe(error)}");
        }
        int firstEpoch = 1;
        if (resume is not null)
        {
            Checkpoint.Load(resume, model, optimizer);
            firstEpoch = checked((int)resumed!.Progress.Counter("epoch") + 1);
            long examples = resumed.Progress.Counter("examples", train.Count);
            if (examples != train.Count)
                throw new ArgumentException($"{resume} was trained on {examples} examples, but {train.Source} now gives {train.Count}: the data has changed");
        }
        int lastEpoch = checked(firstEpoch - 1 + epochs);

        Console.WriteLine($"data: {train.Source}: {train.Count} training, {test.Count} test examples, {train.FeatureCount} features, {train.ClassCount} classes");
        Console.WriteLine($"model:\n  {model.ToString().Replace(Environment.NewLine, Environment.NewLine + "  ", StringComparison.Ordinal)}");
        Console.WriteLine($"optimizer {optimizer.Name}, lr {learningRate.ToString(CultureInfo.InvariantCulture)}, batch {batchSize}, epochs {epochs}, L2 {l2.ToString(CultureInfo.InvariantCulture)}, clip {clip.ToString(CultureInfo.InvariantCulture)}, threads {Gemm.MaxDegreeOfParallelism}, level {SimdLevels.Describe(SimdLevels.Current)}, seed {seed}");

        if (resume is not null) Console.WriteLine($"resumed {resume}: {firstEpoch - 1} epochs, {optimizer.Step} {optimizer.Name} steps done");

        DataParallelTrainer? parallel = DistributedTraining.Parallel(trainer, batchSize);
        var batchX = new float[batchSize * train.FeatureCount];
        var batchY = new int[batchSize];
        int[] order = [.. Enumerable.Range(0, train.Count)];
        var rng = new Rng(seed ^ 0x5DEECE66DUL);
        for (int epoch = 1; epoch < firstEpoch; epoch++) rng.Shuffle(order.AsSpan()); // the order a resumed run had reached
        var total = Stopwatch.StartNew();
        for (int epoch = firstEpoch; epoch <= lastEpoch; epoch++)
        {
            rng.Shuffle(order.AsSpan());
            var watch = Stopwatch.StartNew();
            double lossSum = 0, normSum = 0;
            float maxNorm = 0;
            int batches = 0;
            for (int start = 0; start < train.Count; start += batchSize)
            {
                int batch = Math.Min(batchSize, train.Count - start);
                train.Gather(order.AsSpan(start, batch), batchX, batchY);
                try { lossSum += parallel?.Step(batchX, batchY, batch) ?? trainer.Step(batchX, batchY, batch); }
                catch (NonFiniteStepException error)
                {
                    Console.Error.WriteLine($"simd: training stopped in epoch {epoch}: {error.Message}{(save is null ? "" : $"; {save} was not written")}");
                    return 3;
                }
                normSum += trainer.LastGradientNorm;
                maxNorm = Math.Max(maxNorm, trainer.LastGradientNorm);
                batches++;
            }
            watch.Stop();
            var (testLoss, testAccuracy) = Trainer.Evaluate(model, test);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,3}/{lastEpoch}  train loss {lossSum / batches:F4}  grad norm {normSum / batches:G3} (max {maxNorm:G3})  test loss {testLoss:F4}  test accuracy {testAccuracy:P2}  {train.Count / watch.Elapsed.TotalSeconds:N0} samples/s"));
        }
        var (_, finalAccuracy) = Trainer.Evaluate(model, test);
        var (_, trainAccuracy) = Trainer.Evaluate(model, train);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final: test accuracy {finalAccuracy:P2} (train {trainAccuracy:P2}) after {lastEpoch} epochs in {total.Elapsed.TotalSeconds:F1} s")
            + DistributedTraining.Summary(parallel?.GradientSumTime ?? default, parallel?.Reductions ?? 0, total.Elapsed, parallel?.Reductions ?? 0));
        if (save is not null && DistributedTraining.IsRoot)
        {
            var metadata = new Dictionary<string, string>
            {
                ["model"] = "mlp",
                ["hidden"] = string.Join(",", hidden),
                ["activation"] = activation.ToString().ToLowerInvariant(),
                ["optimizer"] = optimizerName,
                ["lr"] = Options.Text(learningRate),
                ["batch"] = batchSize.ToString(CultureInfo.InvariantCulture),
                ["l2"] = Options.Text(l2),
                ["clip"] = Options.Text(clip),
                ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            };
            if (directory is null) metadata["test-fraction"] = testFraction.ToString("R", CultureInfo.InvariantCulture);
            else metadata["data"] = directory;
            var progress = new TrainingProgress();
            progress.Counters["epoch"] = lastEpoch;
            progress.Counters["examples"] = train.Count;
            Checkpoint.Save(save, model, optimizer, metadata, progress);
            Console.WriteLine($"saved {save}");
        }
        return 0;
    }

    /// <summary>The training and test sets: the shipped digits split by <paramref name="testFraction"/> and <paramref name="seed"/>, or an MNIST-format directory's own sets.</summary>
    public static (Dataset Train, Dataset Test) LoadData(string? directory, double testFraction, ulong seed) =>
        directory is null ? Dataset.LoadDigitsCsv(ShippedDigits()).Split(testFraction, seed) : Dataset.LoadMnistDirectory(directory);

    public static string ShippedDigits()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz"),
            Path.Combine(Directory.GetCurrentDirectory(), "data", "digits", "digits.csv.gz"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"the shipped digits were not found (looked for {string.Join(" and ", candidates)})");
    }
}
