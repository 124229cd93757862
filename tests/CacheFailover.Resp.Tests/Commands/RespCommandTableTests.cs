using CacheFailover.Resp.Commands;

namespace CacheFailover.Resp.Tests.Commands;

public class RespCommandTableTests
{
    private static readonly RespCommandTable Table = new();

    [Theory]
    [InlineData("DEL", new[] { "a", "b", "c" }, new[] { 0, 1, 2 })]
    [InlineData("MSET", new[] { "k1", "v1", "k2", "v2" }, new[] { 0, 2 })]
    [InlineData("RENAME", new[] { "from", "to" }, new[] { 0, 1 })]
    [InlineData("LMOVE", new[] { "src", "dst", "LEFT", "RIGHT" }, new[] { 0, 1 })]
    [InlineData("HSET", new[] { "h", "f", "v" }, new[] { 0 })]
    [InlineData("DBSIZE", new string[0], new int[0])]
    public void KeyIndexes_FollowTheTable(string name, string[] arguments, int[] expected)
    {
        Assert.Equal(expected, Table.Find(name)!.KeyIndexes(arguments.Length));
    }

    [Fact]
    public void EveryWriteThroughTheEngine_NamesItsKeys()
    {
        // A write without keys could not be journaled: only FLUSHDB/FLUSHALL (which mark the primary dirty instead) may.
        var keyless = Table.All.Where(c => c.IsWrite && c.FirstKey == 0).Select(c => c.Name);
        Assert.Equal(["FLUSHALL", "FLUSHDB"], keyless);
    }

    [Theory]
    [InlineData("INCR")]
    [InlineData("LPUSH")]
    [InlineData("APPEND")]
    [InlineData("SPOP")]
    [InlineData("RENAME")]
    [InlineData("HINCRBY")]
    public void CountersPushesPopsAndAppends_AreNotSafeToRepeat(string name)
    {
        Assert.False(Table.Find(name)!.IsSafeToRepeat);
    }

    [Fact]
    public void EveryRefusal_SaysWhy()
    {
        Assert.All(Table.All.Where(c => c.Route == RespRoute.Refused), c => Assert.False(string.IsNullOrWhiteSpace(c.Refusal)));
        Assert.Equal(RespRoute.Transaction, Table.Find("MULTI")!.Route);
        Assert.Equal(RespRoute.Refused, Table.Find("WATCH")!.Route);
        Assert.Equal(RespRoute.Refused, Table.Find("SUBSCRIBE")!.Route);
        Assert.Equal(RespRoute.Refused, Table.Find("BLPOP")!.Route);
        Assert.Equal(RespRoute.Refused, Table.Find("EVAL")!.Route);
    }

    [Fact]
    public void Arity_ExactAndMinimum()
    {
        Assert.True(Table.Find("GET")!.AcceptsArgumentCount(1));
        Assert.False(Table.Find("GET")!.AcceptsArgumentCount(2));
        Assert.True(Table.Find("DEL")!.AcceptsArgumentCount(5));
        Assert.False(Table.Find("DEL")!.AcceptsArgumentCount(0));
    }
}
