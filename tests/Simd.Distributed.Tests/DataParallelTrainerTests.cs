using Simd.Network;

namespace Simd.Distributed.Tests;

/// <summary>
/// R ranks (threads) with global batch B against one process with batch B: same parameters, gradients and losses up to
/// the order of float sums; every rank ends with the same bits; repeating a run repeats its bits.
/// </summary>
public class DataParallelTrainerTests
{
    private const double Tolerance = 2e-5;

    [Theory]
    [InlineData(2, new[] { 8, 8, 6 }, "sgd")]
    [InlineData(3, new[] { 10, 10, 7 }, "momentum")]   // shards 4,3,3 and a last batch of 7 = 3,2,2
    [InlineData(3, new[] { 9, 2, 1 }, "sgd")]          // last batches smaller than R: empty shards
    [InlineData(4, new[] { 12, 5 }, "adam")]
    public void MatchesOneProcessOnTheGlobalBatch(int ranks, int[] batches, string optimizer)
    {
        Scenarios.Result single = Scenarios.MlpSingle(batches, optimizer, l2: 1e-3f, clip: 0.3f);
        Scenarios.Result[] parallel = ThreadCollectives.Run(ranks, c => Scenarios.MlpDataParallel(c, batches, optimizer, l2: 1e-3f, clip: 0.3f));
        Assert.True(single.Norms.Any(n => n > 0.3f), "the clipping threshold must bind for this test to check clipping after the all-reduce");
        foreach (Scenarios.Result rank in parallel)
        {
            Assert.Equal(parallel[0].Hash, rank.Hash);
            Assert.Equal(parallel[0].Values, rank.Values);
            Assert.Equal(parallel[0].Losses, rank.Losses);
        }
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Values, single.Values), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Gradient, single.Gradient), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Losses, single.Losses), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Norms, single.Norms), 0, Tolerance);
    }

    [Fact]
    public void OneRankIsTheSingleProcessBitForBit()
    {
        int[] batches = [8, 8, 3];
        Scenarios.Result single = Scenarios.MlpSingle(batches, "adam", l2: 1e-3f, clip: 0.3f);
        Scenarios.Result one = ThreadCollectives.Run(1, c => Scenarios.MlpDataParallel(c, batches, "adam", l2: 1e-3f, clip: 0.3f))[0];
        Assert.Equal(single.Hash, one.Hash);
        Assert.Equal(single.Losses, one.Losses);
    }

    [Fact]
    public void RepeatsBitForBit()
    {
        int[] batches = [10, 10, 7];
        ulong[] first = [.. ThreadCollectives.Run(3, c => Scenarios.MlpDataParallel(c, batches, "adam", 1e-3f, 0.3f)).Select(r => r.Hash)];
        ulong[] second = [.. ThreadCollectives.Run(3, c => Scenarios.MlpDataParallel(c, batches, "adam", 1e-3f, 0.3f)).Select(r => r.Hash)];
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(2, "elman", "sgd", SequenceReduction.MeanOverTokens)]
    [InlineData(2, "gru", "adam", SequenceReduction.SumOverTimeMeanOverBatch)]
    [InlineData(3, "elman", "momentum", SequenceReduction.SumOverTimeMeanOverBatch)]
    [InlineData(5, "gru", "sgd", SequenceReduction.MeanOverTokens)]
    public void SequenceModelMatchesOneProcessIncludingEmbeddingRows(int ranks, string cell, string optimizer, SequenceReduction reduction)
    {
        Scenarios.Result single = Scenarios.SequenceSingle(cell, optimizer, reduction, clip: 1f, l2: 1e-3f);
        Scenarios.Result[] parallel = ThreadCollectives.Run(ranks, c => Scenarios.SequenceDataParallel(c, cell, optimizer, reduction, clip: 1f, l2: 1e-3f));
        foreach (Scenarios.Result rank in parallel)
        {
            Assert.Equal(parallel[0].Hash, rank.Hash);
            Assert.Equal(parallel[0].Norms, rank.Norms);
        }
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Values, single.Values), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Gradient, single.Gradient), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Losses, single.Losses), 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Norms, single.Norms), 0, Tolerance); // mean loss per token
    }

    [Fact]
    public void FeatureSequenceModelMatchesOneProcess()
    {
        const int features = 3, classes = 4, streams = 5, window = 4, windows = 3;
        var rng = new Rng(13);
        float[] x = [.. Enumerable.Range(0, windows * streams * window * features).Select(_ => rng.NextSingle() * 2 - 1)];
        int[] y = [.. Enumerable.Range(0, windows * streams * window).Select(_ => rng.NextInt(classes))];
        SequenceTrainer Make(int batch) => new(SequenceModel.ForFeatures(features, [new Gru(features, 6)], classes, 1), new Adam(1e-2f), window, batch, SequenceReduction.MeanOverTokens, clipNorm: 0.5f);
        SequenceTrainer single = Make(streams);
        for (int w = 0; w < windows; w++)
            single.Step(x.AsSpan(w * streams * window * features, streams * window * features), y.AsSpan(w * streams * window, streams * window), window, streams);
        float[][] parallel = ThreadCollectives.Run(2, c =>
        {
            SequenceTrainer local = Make(Shard.Of(streams, c.Rank, c.Size).Count);
            var trainer = new DataParallelSequenceTrainer(local, c, streams);
            for (int w = 0; w < windows; w++)
                trainer.Step(x.AsSpan(w * streams * window * features, streams * window * features), y.AsSpan(w * streams * window, streams * window), window);
            return local.Model.Parameters.Values.ToArray();
        });
        Assert.Equal(parallel[0], parallel[1]);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0], single.Model.Parameters.Values), 0, Tolerance);
    }

    [Fact]
    public void ANonFiniteShardStopsEveryRankBeforeAnyUpdate()
    {
        const int batch = 8;
        var outcomes = ThreadCollectives.Run(2, collectives =>
        {
            Model model = Scenarios.Mlp(1);
            var trainer = new Trainer(model, new SoftmaxCrossEntropyLoss(), new Adam(1e-2f), batch);
            var parallel = new DataParallelTrainer(trainer, collectives);
            float[] x = [.. Enumerable.Range(0, batch * Scenarios.Inputs).Select(i => (float)Math.Cos(i))];
            int[] labels = [.. Enumerable.Range(0, batch).Select(i => i % Scenarios.Classes)];
            x[^1] = float.NaN; // in rank 1's shard only
            ulong before = Replicas.Hash(model.Parameters, trainer.Optimizer);
            var error = Assert.Throws<NonFiniteStepException>(() => parallel.Step(x, labels, batch));
            return (error.Step, Same: before == Replicas.Hash(model.Parameters, trainer.Optimizer), trainer.HasPendingGradients);
        });
        Assert.All(outcomes, o => Assert.Equal((1L, true, false), o));
    }

    [Fact]
    public void RanksThatReadDifferentBatchesAreCaught()
    {
        var error = Assert.Throws<AggregateException>(() => ThreadCollectives.Run(2, collectives =>
        {
            Model model = Scenarios.Mlp(1);
            var parallel = new DataParallelTrainer(new Trainer(model, new SoftmaxCrossEntropyLoss(), new Sgd(0.1f), 8), collectives);
            int batch = collectives.Rank == 0 ? 8 : 6;
            return parallel.Step(new float[8 * Scenarios.Inputs], new int[8], batch);
        }));
        Assert.All(error.InnerExceptions, e => Assert.Contains("every rank must read the same global batches", e.Message));
    }

    [Fact]
    public void SummedLossWithL2IsRefused()
    {
        Model model = new ModelBuilder(3).Add(new Dense(3, 2)).Build(1);
        var trainer = new Trainer(model, new MeanSquaredErrorLoss(Reduction.Sum), new Sgd(0.1f), 4, l2: 1e-3f);
        var error = ThreadCollectives.Run(1, c => Assert.Throws<ArgumentException>(() => new DataParallelTrainer(trainer, c)))[0];
        Assert.Equal("trainer", error.ParamName);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("softmax-ce")]
    public void SummedLossAddsTheShardsUnweighted(string loss)
    {
        const int batch = 6, inputs = 3, outputs = 4;
        float[] x = [.. Enumerable.Range(0, batch * inputs).Select(i => (float)Math.Sin(i))];
        float[] y = [.. Enumerable.Range(0, batch * outputs).Select(i => (float)Math.Cos(i))];
        int[] labels = [0, 3, 1, 2, 3, 1];
        bool classes = loss == "softmax-ce";
        Trainer Make() => new(new ModelBuilder(inputs).Add(new Dense(inputs, outputs)).Build(1),
            classes ? new SoftmaxCrossEntropyLoss(Reduction.Sum) : new MeanSquaredErrorLoss(Reduction.Sum), new Sgd(0.05f), batch);
        float Step(Trainer trainer) => classes ? trainer.Step(x, labels, batch) : trainer.Step(x, y, batch);
        Trainer single = Make();
        float singleLoss = Step(single);
        var parallel = ThreadCollectives.Run(2, c =>
        {
            Trainer local = Make();
            var wrapper = new DataParallelTrainer(local, c);
            float result = classes ? wrapper.Step(x, labels, batch) : wrapper.Step(x, y, batch);
            return (result, local.Model.Parameters.Values.ToArray());
        });
        Assert.InRange(Math.Abs(parallel[0].result - singleLoss) / singleLoss, 0, Tolerance);
        Assert.InRange(Scenarios.MaxRelativeDifference(parallel[0].Item2, single.Model.Parameters.Values), 0, Tolerance);
    }

    [Fact]
    public void TooFewStreamsForTheRanksThrow()
    {
        var errors = ThreadCollectives.Run(3, c =>
        {
            var trainer = new SequenceTrainer(Scenarios.Sequence(1, "elman"), new Sgd(0.1f), 4, 2);
            return Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallelSequenceTrainer(trainer, c, 2));
        });
        Assert.All(errors, e => Assert.Equal("globalBatch", e.ParamName));
    }
}
