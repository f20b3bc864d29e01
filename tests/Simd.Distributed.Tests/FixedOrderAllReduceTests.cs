namespace Simd.Distributed.Tests;

public class FixedOrderAllReduceTests
{
    private static float[] RankData(int rank, int length) =>
        [.. Enumerable.Range(0, length).Select(i => (float)Math.Sin(0.37 * i + 1.3 * rank) * (1 + rank) * 1e3f)];

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 1000)]
    [InlineData(3, 1001)]
    [InlineData(4, 3)]
    [InlineData(5, 17)]
    public void SumsInTheRingOrderAndEveryRankGetsTheSameBits(int size, int length)
    {
        float[][] results = ThreadCollectives.Run(size, collectives =>
        {
            float[] data = RankData(collectives.Rank, length);
            new FixedOrderAllReduce(collectives, length).Sum(data);
            return data;
        });
        for (int i = 0; i < length; i++)
        {
            // Chunk c is folded from rank c on: ((g_c + g_{c+1}) + ...) in float.
            int chunk = Enumerable.Range(0, size).First(c => i < Shard.Of(length, c, size).End);
            float expected = RankData(chunk, length)[i];
            for (int k = 1; k < size; k++) expected += RankData((chunk + k) % size, length)[i];
            for (int r = 0; r < size; r++) Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(results[r][i]));
        }
    }

    [Fact]
    public void NaNAndInfinityPropagate()
    {
        float[][] results = ThreadCollectives.Run(3, collectives =>
        {
            float[] data = [1, 2, 3, 4];
            if (collectives.Rank == 1) data[0] = float.NaN;
            if (collectives.Rank == 2) data[3] = float.PositiveInfinity;
            new FixedOrderAllReduce(collectives, 4).Sum(data);
            return data;
        });
        foreach (float[] result in results)
        {
            Assert.True(float.IsNaN(result[0]));
            Assert.Equal(6f, result[1]);
            Assert.Equal(float.PositiveInfinity, result[3]);
        }
    }

    [Fact]
    public void WrongLengthThrows()
    {
        var single = ThreadCollectives.Run(1, collectives =>
            Assert.Throws<ArgumentException>(() => new FixedOrderAllReduce(collectives, 4).Sum(new float[5])));
        Assert.Equal("data", single[0].ParamName);
    }
}
