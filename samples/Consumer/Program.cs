// Uses Simd.Kernels and Simd.Network as a program outside the repository would: through their NuGet
// packages. Checks a GEMM at every SIMD level against a double-precision loop, trains an MLP on the 8×8
// digits twice (one thread, then all) and requires the same bits both times, a test accuracy of at least
// 90% and a checkpoint that reloads to the same predictions. Exit status 0 when every check passes, 1 otherwise.
using System.Globalization;
using Simd.Kernels;
using Simd.Network;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Console.WriteLine(SimdLevels.DescribeMachine());
Console.WriteLine();

int failures = 0;
void Check(bool passed, string what)
{
    Console.WriteLine($"{(passed ? "ok  " : "FAIL")}  {what}");
    if (!passed) failures++;
}

// GEMM: C = alpha·op(A)·op(B) + beta·C against a double loop, at every level (wider than the CPU runs emulated).
(Transpose TransA, Transpose TransB, int M, int N, int K)[] shapes =
[
    (Transpose.None, Transpose.None, 128, 96, 200),
    (Transpose.Transposed, Transpose.None, 67, 45, 129),
    (Transpose.None, Transpose.Transposed, 1, 300, 77),
    (Transpose.Transposed, Transpose.Transposed, 33, 1, 513),
];
var random = new Random(7);
foreach (SimdLevel level in SimdLevels.All)
{
    foreach (var (transA, transB, m, n, k) in shapes)
    {
        // Leading dimensions wider than the stored rows, so the strided addressing is exercised too.
        int lda = (transA == Transpose.None ? k : m) + 3, ldb = (transB == Transpose.None ? n : k) + 1, ldc = n + 2;
        float[] a = Fill(new float[(transA == Transpose.None ? m : k) * lda]);
        float[] b = Fill(new float[(transB == Transpose.None ? k : n) * ldb]);
        float[] c = Fill(new float[m * ldc]);
        float[] original = (float[])c.Clone();
        const float alpha = 1.5f, beta = -0.5f;
        using (SimdLevels.Force(level))
            Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = (double)(transA == Transpose.None ? a[i * lda + p] : a[p * lda + i])
                        * (transB == Transpose.None ? b[p * ldb + j] : b[j * ldb + p]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                double expected = alpha * sum + beta * original[i * ldc + j];
                // float rounding bound of a k-term dot product, plus the scaling and the beta term
                double tolerance = (k + 2) * 1.2e-7 * (Math.Abs(alpha) * magnitude + Math.Abs(beta * original[i * ldc + j])) + 1e-30;
                worst = Math.Max(worst, Math.Abs(c[i * ldc + j] - expected) / tolerance);
            }
        Check(worst <= 1, $"GEMM {SimdLevels.Describe(level),6} {transA,-10} {transB,-10} {m}×{n}×{k}: worst error {worst:F3} of the bound");
    }
}

float[] Fill(float[] values)
{
    for (int i = 0; i < values.Length; i++)
        values[i] = (float)(random.NextDouble() * 2 - 1);
    return values;
}

// Training: 64 → 128 (ReLU) → 10 on the shipped digits, Adam, 20 epochs of batch 32.
string digits = Path.Combine(AppContext.BaseDirectory, "digits.csv.gz");
var (train, test) = Dataset.LoadDigitsCsv(digits).Split(testFraction: 0.2, seed: 1);
Console.WriteLine($"\ndata: {train.Count} training and {test.Count} test examples, {train.FeatureCount} features, {train.ClassCount} classes");

(Model Model, float[] Predictions, float TestLoss, double Accuracy) Train(int threads)
{
    Gemm.MaxDegreeOfParallelism = Math.Min(threads, Environment.ProcessorCount);
    Model model = new ModelBuilder(train.FeatureCount)
        .Add(new Dense(train.FeatureCount, 128, Activation.Relu))
        .Add(new Dense(128, train.ClassCount))
        .Build(seed: 1);
    const int batchSize = 32;
    var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(learningRate: 1e-3f), maxBatch: batchSize);
    var x = new float[batchSize * train.FeatureCount];
    var labels = new int[batchSize];
    int[] order = [.. Enumerable.Range(0, train.Count)];
    var shuffle = new Rng(2);
    for (int epoch = 1; epoch <= 20; epoch++)
    {
        shuffle.Shuffle(order.AsSpan());
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < train.Count; start += batchSize)
        {
            int batch = Math.Min(batchSize, train.Count - start);
            train.Gather(order.AsSpan(start, batch), x, labels);
            lossSum += trainer.Step(x, labels, batch);
            batches++;
        }
        if (epoch % 5 == 0)
            Console.WriteLine($"threads {Gemm.MaxDegreeOfParallelism}  epoch {epoch,2}  train loss {lossSum / batches:F4}");
    }
    var predictions = new float[test.Count * train.ClassCount];
    model.Predict(test.Features, test.Count, predictions);
    var (testLoss, accuracy) = Trainer.Evaluate(model, test);
    return (model, predictions, testLoss, accuracy);
}

var serial = Train(threads: 1);
var parallel = Train(threads: Environment.ProcessorCount);
Check(serial.Accuracy >= 0.90, $"MLP test accuracy {serial.Accuracy:P2} (test loss {serial.TestLoss:F4}) ≥ 90%");
Check(serial.Predictions.AsSpan().SequenceEqual(parallel.Predictions),
    $"training with 1 and {Environment.ProcessorCount} threads gives bitwise-identical predictions");

// Checkpoint: save, load into a fresh model of the same shape, predict the same bits.
string checkpoint = Path.Combine(Path.GetTempPath(), $"simd-consumer-{Environment.ProcessId}.simd");
try
{
    Checkpoint.Save(checkpoint, serial.Model, optimizer: null);
    Model reloaded = new ModelBuilder(train.FeatureCount)
        .Add(new Dense(train.FeatureCount, 128, Activation.Relu))
        .Add(new Dense(128, train.ClassCount))
        .Build(seed: 99);
    Checkpoint.Load(checkpoint, reloaded, optimizer: null);
    var reloadedPredictions = new float[serial.Predictions.Length];
    reloaded.Predict(test.Features, test.Count, reloadedPredictions);
    Check(reloadedPredictions.AsSpan().SequenceEqual(serial.Predictions), "a saved and reloaded model predicts the same bits");
}
finally
{
    File.Delete(checkpoint);
}

Console.WriteLine(failures == 0 ? "\nall checks passed" : $"\n{failures} check(s) failed");
return failures == 0 ? 0 : 1;
