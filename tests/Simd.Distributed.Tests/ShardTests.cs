namespace Simd.Distributed.Tests;

public class ShardTests
{
    [Theory]
    [InlineData(128, 2)]
    [InlineData(10, 3)]
    [InlineData(2, 3)]
    [InlineData(0, 4)]
    [InlineData(7, 1)]
    [InlineData(1000, 7)]
    public void ShardsTileTheRangeInRankOrderAndDifferByAtMostOne(int total, int size)
    {
        int next = 0;
        var counts = new List<int>();
        for (int rank = 0; rank < size; rank++)
        {
            Shard shard = Shard.Of(total, rank, size);
            Assert.Equal(next, shard.Start);
            next = shard.End;
            counts.Add(shard.Count);
        }
        Assert.Equal(total, next);
        Assert.True(counts.Max() - counts.Min() <= 1);
        Assert.Equal(counts.OrderByDescending(c => c), counts); // the larger shards come first
    }

    [Fact]
    public void UnequalSplitGivesTheRemainderToTheFirstRanks()
    {
        Assert.Equal(new Shard(0, 4), Shard.Of(10, 0, 3));
        Assert.Equal(new Shard(4, 3), Shard.Of(10, 1, 3));
        Assert.Equal(new Shard(7, 3), Shard.Of(10, 2, 3));
        Assert.Equal(new Shard(2, 0), Shard.Of(2, 2, 3));
    }

    [Fact]
    public void BadArgumentsThrowNamingTheParameter()
    {
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Of(10, 3, 3)).ParamName);
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Of(10, -1, 3)).ParamName);
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Of(10, 0, 0)).ParamName);
        Assert.Equal("total", Assert.Throws<ArgumentOutOfRangeException>(() => Shard.Of(-1, 0, 2)).ParamName);
    }
}
