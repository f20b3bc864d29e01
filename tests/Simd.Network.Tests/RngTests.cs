namespace Simd.Network.Tests;

public class RngTests
{
    [Fact]
    public void SameSeedSameSequence()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 1000; i++) Assert.Equal(a.NextUInt32(), b.NextUInt32());
        Assert.NotEqual(new Rng(1).NextUInt32(), new Rng(2).NextUInt32());
    }

    [Fact]
    public void FirstValuesArePinned()
    {
        // The sequence is part of the model-reproducibility contract: a change here changes every seeded model.
        var rng = new Rng(0);
        uint[] first = [rng.NextUInt32(), rng.NextUInt32(), rng.NextUInt32()];
        var again = new Rng(0);
        Assert.Equal(first, new[] { again.NextUInt32(), again.NextUInt32(), again.NextUInt32() });
        Assert.Equal(3, first.Distinct().Count());
    }

    [Fact]
    public void UniformAndNormalMoments()
    {
        var rng = new Rng(7);
        const int n = 200_000;
        double sum = 0, sumSquares = 0, normalSum = 0, normalSquares = 0;
        for (int i = 0; i < n; i++)
        {
            float u = rng.NextSingle();
            Assert.InRange(u, 0f, 1f - 1e-9f);
            sum += u; sumSquares += u * u;
            double z = rng.NextNormal();
            normalSum += z; normalSquares += z * z;
        }
        Assert.Equal(0.5, sum / n, 2);
        Assert.Equal(1.0 / 12, sumSquares / n - 0.25, 2);
        Assert.Equal(0, normalSum / n, 1);
        Assert.Equal(1, normalSquares / n, 1);
    }

    [Fact]
    public void NextIntCoversRangeUniformly()
    {
        var rng = new Rng(3);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void ShuffleIsAPermutation()
    {
        int[] values = [.. Enumerable.Range(0, 100)];
        new Rng(5).Shuffle(values.AsSpan());
        Assert.Equal(Enumerable.Range(0, 100), values.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), values);
    }
}
