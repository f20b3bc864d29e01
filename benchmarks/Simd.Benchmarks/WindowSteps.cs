using System.Diagnostics;
using System.Globalization;
using Simd.Kernels;
using Simd.Network;

namespace Simd.Benchmarks;

/// <summary>
/// <c>Simd.Benchmarks window-step [--threads 1] [--seconds 4]</c>: the window classifier's training step
/// timed with the protocol of ../shared/anchors/torch_steps.py's <c>window64</c> case, so that the two
/// print comparable lines: vocabulary 10,000, d 50, window 5, hidden 100 (ReLU), 5 classes, batch 64,
/// softmax-CE mean, SGD lr 0.01 (row-sparse embedding update, as torch's sparse=True), 8 pre-made batches
/// cycled, 300 warm-up steps, then steps for the given seconds; prints
/// <c>simd window64 THREADS min_µs median_µs steps</c>. Alternate it with the torch script in one session.
/// </summary>
public static class WindowSteps
{
    private const int Vocabulary = 10_000, Dimension = 50, Window = 5, Hidden = 100, Classes = 5, Batch = 64, Batches = 8;

    /// <summary>Runs the timing; <paramref name="args"/> are the options after "window-step".</summary>
    public static int Run(string[] args)
    {
        int threads = 1;
        double seconds = 4;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]} (--threads, --seconds)"); return 2;
            }
        }
        Parallelism.MaxDegreeOfParallelism = threads;
        var rng = new Rng(2);
        Model model = new ModelBuilder(Window).Add(new Embedding(Vocabulary, Dimension, Window))
            .Add(new Dense(Window * Dimension, Hidden, Activation.Relu)).Add(new Dense(Hidden, Classes)).Build(1);
        int[][] tokens = [.. Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch * Window).Select(_ => rng.NextInt(Vocabulary)).ToArray())];
        int[][] labels = [.. Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch).Select(_ => rng.NextInt(Classes)).ToArray())];
        var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.01f), Batch);

        double expected = ReferenceLoss(model, tokens[0], labels[0]);
        float loss = trainer.Step(tokens[0], labels[0], Batch);
        if (!(Math.Abs(loss - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected))))
            throw new InvalidOperationException($"window step loss {loss} differs from the double-precision reference {expected}");

        for (int i = 1; i < 300; i++) trainer.Step(tokens[i & 7], labels[i & 7], Batch);
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        for (int i = 300; clock.Elapsed.TotalSeconds < seconds; i++)
        {
            long start = Stopwatch.GetTimestamp();
            trainer.Step(tokens[i & 7], labels[i & 7], Batch);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simd window64 {threads} {times[0]:F1} {times[times.Count / 2]:F1} {times.Count}"));
        return 0;
    }

    /// <summary>Mean softmax cross-entropy of the model on one batch, computed in double from its parameters.</summary>
    private static double ReferenceLoss(Model model, int[] tokens, int[] labels)
    {
        var embedding = (Embedding)model.Layers[0];
        var hidden = (Dense)model.Layers[1];
        var output = (Dense)model.Layers[2];
        ReadOnlySpan<float> table = model.Parameters.ValuesOf(embedding.Table);
        ReadOnlySpan<float> w1 = model.Parameters.ValuesOf(hidden.Weight), b1 = model.Parameters.ValuesOf(hidden.Bias);
        ReadOnlySpan<float> w2 = model.Parameters.ValuesOf(output.Weight), b2 = model.Parameters.ValuesOf(output.Bias);
        double total = 0;
        var x = new double[Window * Dimension];
        var h = new double[Hidden];
        var z = new double[Classes];
        for (int i = 0; i < Batch; i++)
        {
            for (int p = 0; p < Window; p++)
                for (int k = 0; k < Dimension; k++) x[p * Dimension + k] = table[tokens[i * Window + p] * Dimension + k];
            for (int j = 0; j < Hidden; j++)
            {
                double sum = b1[j];
                for (int k = 0; k < x.Length; k++) sum += x[k] * w1[k * Hidden + j];
                h[j] = Math.Max(sum, 0);
            }
            for (int c = 0; c < Classes; c++)
            {
                double sum = b2[c];
                for (int j = 0; j < Hidden; j++) sum += h[j] * w2[j * Classes + c];
                z[c] = sum;
            }
            double max = z.Max(), normalizer = z.Sum(v => Math.Exp(v - max));
            total += Math.Log(normalizer) + max - z[labels[i]];
        }
        return total / Batch;
    }
}
