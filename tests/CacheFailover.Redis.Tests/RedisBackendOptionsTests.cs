using StackExchange.Redis;

namespace CacheFailover.Redis.Tests;

public sealed class RedisBackendOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreFastButNotTwitchy()
    {
        var options = new RedisBackendOptions();

        Assert.Equal(TimeSpan.FromSeconds(1), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.OperationTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxReconnectBackoff);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_EveryValueOutOfRange_ListsEachProblem()
    {
        var options = new RedisBackendOptions
        {
            ConnectTimeout = TimeSpan.FromMilliseconds(5),
            OperationTimeout = TimeSpan.Zero,
            HeartbeatInterval = TimeSpan.FromMinutes(1),
            KeepAliveInterval = TimeSpan.Zero,
            MaxReconnectBackoff = TimeSpan.FromMilliseconds(1),
        };

        var problems = options.Validate();

        Assert.Equal(
            [
                "ConnectTimeout is 5 ms; it must be between 10 ms and 300000 ms.",
                "OperationTimeout is 0 ms; it must be between 10 ms and 300000 ms.",
                "HeartbeatInterval is 60000 ms; it must be between 50 ms and 10000 ms.",
                "KeepAliveInterval is 0 ms; it must be between 1000 ms and 300000 ms.",
                "MaxReconnectBackoff is 1 ms; it must be between 100 ms and 300000 ms.",
            ],
            problems);
    }

    [Fact]
    public void BuildConfiguration_Defaults_ChoosesFailFastSettings()
    {
        var configuration = RedisCacheBackend.BuildConfiguration("primary", RedisConnectionString.Parse("redis://cache:6379/2"), new RedisBackendOptions());

        Assert.False(configuration.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, configuration.BacklogPolicy);
        Assert.True(configuration.AllowAdmin);
        Assert.Equal(1000, configuration.ConnectTimeout);
        Assert.Equal(1, configuration.ConnectRetry);
        Assert.Equal(2000, configuration.AsyncTimeout);
        Assert.Equal(2000, configuration.SyncTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), configuration.HeartbeatInterval);
        Assert.Equal(5, configuration.KeepAlive);
        Assert.True(configuration.TcpKeepAlive);
        Assert.False(configuration.IncludeDetailInExceptions);
        Assert.Null(configuration.CircuitBreaker);
        Assert.Equal(2, configuration.DefaultDatabase);
        Assert.Equal("cachefailover-primary", configuration.ClientName);
    }

    [Fact]
    public void BuildConfiguration_ExplicitTimeoutsInString_WinButSafetySettingsAreForced()
    {
        var connection = RedisConnectionString.Parse("cache:6379,connectTimeout=3000,asyncTimeout=4000,abortConnect=true,allowAdmin=false,name=mine");

        var configuration = RedisCacheBackend.BuildConfiguration("primary", connection, new RedisBackendOptions());

        Assert.Equal(3000, configuration.ConnectTimeout);
        Assert.Equal(4000, configuration.AsyncTimeout);
        Assert.Equal(2000, configuration.SyncTimeout);
        Assert.False(configuration.AbortOnConnectFail);
        Assert.True(configuration.AllowAdmin);
        Assert.Equal("mine", configuration.ClientName);
    }

    [Fact]
    public void BuildConfiguration_ServiceIdWithSpaces_MakesAValidClientName()
    {
        var configuration = RedisCacheBackend.BuildConfiguration("my backup #2", RedisConnectionString.Parse("cache"), new RedisBackendOptions());

        Assert.Equal("cachefailover-my_backup__2", configuration.ClientName);
    }
}
