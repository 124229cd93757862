using CacheFailover.Backends;

namespace CacheFailover.Redis.Tests;

public sealed class RedisCacheBackendFactoryTests
{
    private readonly RedisCacheBackendFactory _factory = new();

    [Theory]
    [InlineData("redis://cache:6379", true)]
    [InlineData("rediss://:pw@cache:6380/1", true)]
    [InlineData("REDIS://cache", true)]
    [InlineData("cache:6379", true)]
    [InlineData("cache", true)]
    [InlineData("cache1:6379,cache2:6379,password=pw,ssl=true", true)]
    [InlineData("sentinel:26379,serviceName=mymaster", true)]
    [InlineData("cache:abc", true)]
    [InlineData("memory", false)]
    [InlineData("MEMORY", false)]
    [InlineData("memory://primary", false)]
    [InlineData("http://cache", false)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    public void CanCreate_Form_IsRecognised(string connection, bool expected)
    {
        Assert.Equal(expected, _factory.CanCreate(connection));
    }

    [Fact]
    public void Create_MalformedString_ThrowsNamingThePart()
    {
        var exception = Assert.Throws<ArgumentException>(() => _factory.Create("primary", "redis://:hunter2@cache:abc"));

        Assert.Contains("port 'abc'", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ValidString_ReturnsRedisBackendWithRedactedEndpoint()
    {
        await using var backend = _factory.Create("primary", "redis://:hunter2@127.0.0.1:1/3");

        var redis = Assert.IsType<RedisCacheBackend>(backend);
        Assert.Equal("redis://:***@127.0.0.1:1/3", redis.Endpoint);
        Assert.Equal(3, redis.Database);
        Assert.Equal("primary", redis.ServiceId);
    }

    [Fact]
    public void Redact_ConfigurationString_HidesPassword()
    {
        Assert.Equal("cache:1,password=***", _factory.Redact("cache:1,password=hunter2"));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingEveryProblem()
    {
        var options = new RedisBackendOptions { ConnectTimeout = TimeSpan.Zero, OperationTimeout = TimeSpan.FromHours(1) };

        var exception = Assert.Throws<ArgumentException>(() => new RedisCacheBackendFactory(options));

        Assert.Contains("ConnectTimeout is 0 ms", exception.Message, StringComparison.Ordinal);
        Assert.Contains("OperationTimeout is 3600000 ms", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_Always_ImplementsICacheBackendFactory()
    {
        Assert.IsAssignableFrom<ICacheBackendFactory>(_factory);
    }
}
