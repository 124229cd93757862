using CacheFailover.Backends;

namespace CacheFailover.Core.Tests.Backends;

public class InMemoryCacheBackendFactoryTests
{
    private readonly InMemoryCacheBackendFactory _factory = new(TimeProvider.System);

    [Theory]
    [InlineData("memory", "memory://backup")]
    [InlineData("memory://cache-a", "memory://cache-a")]
    public async Task Create_ValidForms_NameTheCache(string connection, string endpoint)
    {
        await using var backend = _factory.Create("backup", connection);

        Assert.Equal(endpoint, backend.Endpoint);
    }

    [Fact]
    public void Create_CredentialsInTheName_RefusedWithoutEchoingThem()
    {
        var ex = Assert.Throws<ArgumentException>(() => _factory.Create("x", "memory://u:s3cretPW@x"));

        Assert.Contains("in-memory cache name", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cretPW", ex.Message, StringComparison.Ordinal);
        Assert.Equal("memory://u:***@x", _factory.Redact("memory://u:s3cretPW@x"));
    }
}
