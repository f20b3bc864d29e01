using System.Diagnostics;
using System.Globalization;
using Simd.Kernels;

namespace Simd.Benchmarks;

/// <summary>
/// <c>Simd.Benchmarks rnn-steps [--rounds 9] [--threads 1,2] [--cells elman,gru,lstm]</c>: times the
/// character model's training step (<see cref="RecurrentTrainingBenchmarks"/>) for each cell and thread
/// count in rounds alternating with the FMA peak loop, and reports the step's GEMM flops as % of the roof
/// measured in the same round (one core's roof times the thread count): by issue 28's formula, and counting
/// only the GEMM flops the step executes (fewer when the embedding is folded into the input projection).
/// </summary>
public static class PairedRecurrent
{
    /// <summary>Runs the comparison; <paramref name="args"/> are the options after "rnn-steps".</summary>
    public static int Run(string[] args)
    {
        int rounds = 9;
        int[] threads = [1, 2];
        string[] cells = ["elman", "gru", "lstm"];
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--threads": threads = [.. args[i + 1].Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))]; break;
                case "--cells": cells = args[i + 1].Split(','); break;
                default: Console.Error.WriteLine($"unknown option {args[i]} (--rounds, --threads, --cells)"); return 2;
            }
        }
        SimdLevel level = SimdLevels.Current;
        Console.WriteLine(SimdLevels.DescribeMachine().TrimEnd());
        if (File.Exists("/proc/loadavg")) Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"character-model step: E {RecurrentTrainingBenchmarks.E}, H {RecurrentTrainingBenchmarks.H}, T {RecurrentTrainingBenchmarks.T}, B {RecurrentTrainingBenchmarks.B}, V {RecurrentTrainingBenchmarks.V}, SGD, clip 5; level {level}, {rounds} rounds; median [quartiles] over rounds of each round's ratio"));
        Console.WriteLine("| cell | threads | ms per step | GFLOP/s (issue formula) | % of roof, issue formula (threads × one core's FMA peak) | % of roof, GEMM flops executed |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        var roof = new RoofBenchmarks();
        foreach (string cell in cells)
            foreach (int count in threads)
            {
                Gemm.MaxDegreeOfParallelism = count;
                var (trainer, inputs, targets) = RecurrentTrainingBenchmarks.Create(cell);
                Action step = () => trainer.Step(inputs, targets, RecurrentTrainingBenchmarks.T, RecurrentTrainingBenchmarks.B);
                Action peak = () => roof.FmaPeak(level);
                WarmUp(step, peak);
                var stepMs = new double[rounds];
                var percent = new double[rounds];
                double flops = RecurrentTrainingBenchmarks.Flops(cell), peakFlops = RoofBenchmarks.FmaFlops(level);
                double executed = RecurrentTrainingBenchmarks.ExecutedFlops(cell, trainer) / flops;
                for (int r = 0; r < rounds; r++)
                {
                    double peakMs = Time(peak, 5) / 5;
                    stepMs[r] = Time(step, 3) / 3;
                    percent[r] = 100 * (flops / stepMs[r]) / (count * peakFlops / peakMs);
                }
                Gemm.MaxDegreeOfParallelism = Environment.ProcessorCount;
                double median = Quantile(stepMs, 0.5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {cell} | {count} | {median:F1} | {flops / median / 1e6:F0} | {Quantile(percent, 0.5):F0}% [{Quantile(percent, 0.25):F0}–{Quantile(percent, 0.75):F0}%] | {executed * Quantile(percent, 0.5):F0}% |"));
            }
        return 0;
    }

    /// <summary>
    /// Runs the step and the peak loop until tiered compilation has settled: at least 2 s and until the
    /// fastest of the last 10 steps is no faster than the fastest before them. Three warm-up steps left
    /// tier-0 element-wise code in the first timed rounds.
    /// </summary>
    private static void WarmUp(Action step, Action peak)
    {
        var clock = Stopwatch.StartNew();
        double best = double.MaxValue;
        while (true)
        {
            double recent = double.MaxValue;
            for (int i = 0; i < 10; i++)
            {
                recent = Math.Min(recent, Time(step, 1));
                peak();
            }
            bool improved = recent < 0.98 * best;
            best = Math.Min(best, recent);
            if (!improved && clock.Elapsed.TotalSeconds >= 2) return;
        }
    }

    private static double Time(Action run, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Quantile(double[] values, double q)
    {
        double[] sorted = [.. values.Order()];
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
