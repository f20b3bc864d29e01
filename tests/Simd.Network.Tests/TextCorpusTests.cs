namespace Simd.Network.Tests;

public class TextCorpusTests
{
    [Fact]
    public void ShippedNovelHasItsDocumentedSizeAndEntropy()
    {
        TextCorpus corpus = TextCorpus.Load(DatasetTests.RepositoryFile("data", "pride-and-prejudice", "pride-and-prejudice.txt.gz"));
        Assert.Equal(684_768, corpus.Length);
        Assert.Equal(75, corpus.Alphabet.Length);
        Assert.Equal(4.46, corpus.UnigramEntropyBits(), 0.005);
        Assert.StartsWith("PRIDE AND PREJUDICE", corpus.Decode(corpus.Tokens.AsSpan(0, 40)));
    }

    [Fact]
    public void EncodesWithItsOwnOrAGivenAlphabet()
    {
        var corpus = new TextCorpus("abracadabra", "test");
        Assert.Equal("abcdr", corpus.Alphabet);
        Assert.Equal([0, 1, 4, 0, 2, 0, 3, 0, 1, 4, 0], corpus.Tokens);
        Assert.Equal("cab", corpus.Decode(corpus.Encode("cab")));
        double p0 = 5 / 11.0, p1 = 2 / 11.0, p2 = 1 / 11.0;
        Assert.Equal(-(p0 * Math.Log2(p0) + 2 * p1 * Math.Log2(p1) + 2 * p2 * Math.Log2(p2)), corpus.UnigramEntropyBits(), 1e-12);
        Assert.Equal([3, 0], new TextCorpus("ra", "other", "abcr!").Tokens);
        var error = Assert.Throws<ArgumentException>(() => new TextCorpus("abz", "other", "abcdr"));
        Assert.Contains("'z' (U+007A) at position 2 is not in the model's alphabet of 5", error.Message);
        Assert.Throws<ArgumentException>(() => corpus.Encode("x"));
        Assert.Throws<ArgumentException>(() => new TextCorpus("a", "short"));
    }

    [Fact]
    public void SamplerIsSeededAndFollowsATrainedModel()
    {
        const int vocabulary = 4, steps = 6, batch = 2;
        var model = new SequenceModel(vocabulary, 6, [new Elman(6, 12)], 3);
        var trainer = new SequenceTrainer(model, new Adam(2e-2f), steps, batch, SequenceReduction.MeanOverTokens, clipNorm: 5f);
        var inputs = new int[steps * batch];
        var targets = new int[steps * batch];
        for (int window = 0; window < 200; window++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = (window * steps + i) % vocabulary;
                targets[i] = (inputs[i] + 1) % vocabulary;
            }
            trainer.Step(inputs, targets, steps, batch);
        }
        var sampler = new SequenceSampler(model, maxPrompt: 3);
        int[] generated = sampler.Generate([0, 1, 2, 3, 0], 12, 0.5, new Rng(1));
        Assert.Equal([1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0], generated);
        Assert.Equal(sampler.Generate([2], 20, 1.5, new Rng(9)), sampler.Generate([2], 20, 1.5, new Rng(9)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Generate([1], 3, 0, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Generate([4], 3, 1, new Rng(1)));
    }

    [Fact]
    public void ATruncatedGzipTextIsAnErrorNamingTheFile()
    {
        byte[] full = File.ReadAllBytes(DatasetTests.RepositoryFile("data", "pride-and-prejudice", "pride-and-prejudice.txt.gz"));
        string path = Path.Combine(Path.GetTempPath(), $"simd-{Environment.ProcessId}-{Guid.NewGuid():N}.txt.gz");
        try
        {
            foreach (int cut in new[] { 10, full.Length / 3, full.Length / 2 + 7, full.Length - 8, full.Length - 1 })
            {
                File.WriteAllBytes(path, full[..cut]);
                Assert.StartsWith(path + ": ", Assert.Throws<InvalidDataException>(() => TextCorpus.Load(path)).Message);
            }
        }
        finally { File.Delete(path); }
    }
}
