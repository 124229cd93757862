namespace CacheFailover.Redis.Tests;

public sealed class RedisConnectionStringTests
{
    private const string Secret = "Sup3r-S3cret";

    [Fact]
    public void Parse_PlainUri_ReadsHostPortAndDefaults()
    {
        var parsed = RedisConnectionString.Parse("redis://cache.example.com:6380");

        Assert.Equal(RedisConnectionForm.Uri, parsed.Form);
        Assert.Equal(["cache.example.com:6380"], parsed.Endpoints);
        Assert.Equal(0, parsed.Database);
        Assert.False(parsed.UseTls);
        Assert.False(parsed.HasPassword);
        Assert.Null(parsed.User);
        Assert.Equal("redis://cache.example.com:6380", parsed.Redacted);
    }

    [Fact]
    public void Parse_UriWithUserPasswordAndDatabase_ReadsAllAndRedacts()
    {
        var parsed = RedisConnectionString.Parse($"redis://alice:{Secret}@cache:6380/2");

        Assert.Equal("alice", parsed.User);
        Assert.True(parsed.HasPassword);
        Assert.Equal(2, parsed.Database);
        Assert.Equal("redis://alice:***@cache:6380/2", parsed.Redacted);
        Assert.Equal(Secret, parsed.CreateOptions().Password);
    }

    [Fact]
    public void Parse_UriWithoutPort_UsesDefaultPort()
    {
        var parsed = RedisConnectionString.Parse($"redis://:{Secret}@cache");

        Assert.Equal(["cache:6379"], parsed.Endpoints);
        Assert.Null(parsed.User);
        Assert.True(parsed.HasPassword);
        Assert.Equal("redis://:***@cache", parsed.Redacted);
    }

    [Fact]
    public void Parse_UriWithLoneUserInfo_TreatsItAsPassword()
    {
        var parsed = RedisConnectionString.Parse($"redis://{Secret}@cache:6379");

        Assert.True(parsed.HasPassword);
        Assert.Null(parsed.User);
        Assert.Equal("redis://***@cache:6379", parsed.Redacted);
    }

    [Fact]
    public void Parse_TlsUri_EnablesTls()
    {
        var parsed = RedisConnectionString.Parse($"rediss://default:{Secret}@cache:6380/1");

        Assert.True(parsed.UseTls);
        Assert.True(parsed.CreateOptions().Ssl);
        Assert.Equal(1, parsed.Database);
        Assert.Equal("rediss://default:***@cache:6380/1", parsed.Redacted);
    }

    [Fact]
    public void Parse_UppercaseScheme_IsAccepted()
    {
        Assert.Equal(RedisConnectionForm.Uri, RedisConnectionString.Parse("REDIS://cache:1").Form);
    }

    [Fact]
    public void Parse_UriWithTrailingSlash_UsesDatabaseZero()
    {
        Assert.Equal(0, RedisConnectionString.Parse("redis://cache:6379/").Database);
    }

    [Fact]
    public void Parse_BracketedIPv6_ReadsAddressAndPort()
    {
        var parsed = RedisConnectionString.Parse("redis://[::1]:7000");

        Assert.Equal(["[::1]:7000"], parsed.Endpoints);
    }

    [Fact]
    public void Parse_PercentEncodedPassword_IsDecoded()
    {
        var parsed = RedisConnectionString.Parse("redis://u:p%40ss%3Aword@cache:1");

        Assert.Equal("p@ss:word", parsed.CreateOptions().Password);
        Assert.Equal("redis://u:***@cache:1", parsed.Redacted);
    }

    [Fact]
    public void Parse_UnencodedAtInPassword_SplitsAtTheLastAt()
    {
        var parsed = RedisConnectionString.Parse("redis://u:p@ss@cache:1");

        Assert.Equal(["cache:1"], parsed.Endpoints);
        Assert.Equal("p@ss", parsed.CreateOptions().Password);
        Assert.Equal("redis://u:***@cache:1", parsed.Redacted);
    }

    [Fact]
    public void Parse_ConfigurationString_ReadsEndpointsOptionsAndRedacts()
    {
        var parsed = RedisConnectionString.Parse($"cache1:6379,cache2:6380,password={Secret},ssl=true,defaultDatabase=4");

        Assert.Equal(RedisConnectionForm.Configuration, parsed.Form);
        Assert.Equal(["cache1:6379", "cache2:6380"], parsed.Endpoints);
        Assert.True(parsed.UseTls);
        Assert.True(parsed.HasPassword);
        Assert.Equal(4, parsed.Database);
        Assert.Equal("cache1:6379,cache2:6380,password=***,ssl=true,defaultDatabase=4", parsed.Redacted);
    }

    [Fact]
    public void Parse_SentinelConfiguration_ReadsServiceName()
    {
        var parsed = RedisConnectionString.Parse($"sentinel1:26379,sentinel2:26379,serviceName=mymaster,password={Secret},sentinelPassword={Secret}");

        Assert.Equal("mymaster", parsed.ServiceName);
        Assert.Equal(2, parsed.Endpoints.Count);
        Assert.DoesNotContain(Secret, parsed.Redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostWithoutPort_IsAnEndpoint()
    {
        var parsed = RedisConnectionString.Parse("cache");

        Assert.Equal(["cache"], parsed.Endpoints);
    }

    [Fact]
    public void Parse_ConfigurationStringWithBareIPv6_IsAccepted()
    {
        Assert.Equal(["::1"], RedisConnectionString.Parse("::1").Endpoints);
    }

    [Fact]
    public void SetsOption_OptionInString_IsReported()
    {
        var parsed = RedisConnectionString.Parse("cache:1,connectTimeout=9000");

        Assert.True(parsed.SetsOption("connectTimeout"));
        Assert.True(parsed.SetsOption("CONNECTTIMEOUT"));
        Assert.False(parsed.SetsOption("syncTimeout"));
    }

    [Theory]
    [InlineData("redis://:" + Secret + "@cache:abc", "port 'abc' is not a number between 1 and 65535")]
    [InlineData("redis://:" + Secret + "@cache:0", "port '0' is not a number between 1 and 65535")]
    [InlineData("redis://:" + Secret + "@cache:70000", "port '70000' is not a number between 1 and 65535")]
    [InlineData("redis://:" + Secret + "@cache:", "port '' is not a number between 1 and 65535")]
    [InlineData("redis://:" + Secret + "@cache:-1", "port '-1' is not a number between 1 and 65535")]
    [InlineData("redis://:" + Secret + "@:6379", "the host is missing")]
    [InlineData("redis://:" + Secret + "@", "the host is missing")]
    [InlineData("redis://:" + Secret + "@cache:6379/abc", "database 'abc' is not a number between 0 and")]
    [InlineData("redis://:" + Secret + "@cache:6379/-1", "database '-1' is not a number between 0 and")]
    [InlineData("redis://:" + Secret + "@cache:6379/99999999999", "database '99999999999' is not a number")]
    [InlineData("redis://:" + Secret + "@cache:6379?ssl=true", "query options ('?…') are not supported")]
    [InlineData("redis://:" + Secret + "@ca che:6379", "host 'ca che' is not a valid host name or IP address")]
    [InlineData("redis://:" + Secret + "@[::1:6379", "opens '[' without closing ']'")]
    [InlineData("redis://:" + Secret + "@[nothex]:6379", "host '[nothex]' is not a valid IPv6 address")]
    [InlineData("redis://:" + Secret + "@::1:6379", "write an IPv6 address in brackets")]
    [InlineData("http://:" + Secret + "@cache:6379", "the scheme is not supported")]
    [InlineData("cache:abc,password=" + Secret, "port 'abc' is not a number between 1 and 65535")]
    [InlineData("cache:6379,ca che:1,password=" + Secret, "host 'ca che' is not a valid host name")]
    [InlineData("password=" + Secret + ",ssl=true", "no endpoint is given")]
    [InlineData("cache:6379,=" + Secret, "an option has no name")]
    [InlineData("cache:6379,password=" + Secret + ",foo=bar", "Keyword 'foo' is not supported")]
    [InlineData("cache:6379,password=" + Secret + ",connectTimeout=soon", "connectTimeout")]
    [InlineData("cache:6379,password=" + Secret + ",defaultDatabase=x", "defaultDatabase")]
    [InlineData("  ", "is empty")]
    public void Parse_Malformed_ThrowsNamingTheBadPartWithoutThePassword(string connection, string expected)
    {
        var exception = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse(connection));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Malformed_ReturnsFalseWithError()
    {
        Assert.False(RedisConnectionString.TryParse("redis://cache:abc", out var result, out var error));
        Assert.Null(result);
        Assert.Contains("port 'abc'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://alice:" + Secret + "@cache:1/2", "redis://alice:***@cache:1/2")]
    [InlineData("rediss://:" + Secret + "@cache", "rediss://:***@cache")]
    [InlineData("redis://" + Secret + "@cache:1", "redis://***@cache:1")]
    [InlineData("redis://u:p@" + Secret + "@cache:1", "redis://u:***@cache:1")]
    [InlineData("redis://cache:1/0", "redis://cache:1/0")]
    [InlineData("redis://:" + Secret + "@", "redis://:***@")]
    [InlineData("cache:1,password=" + Secret + ",ssl=true", "cache:1,password=***,ssl=true")]
    [InlineData("cache:1, Password = " + Secret, "cache:1, Password = ***")]
    [InlineData("s1:26379,serviceName=m,sentinelPassword=" + Secret + ",password=" + Secret, "s1:26379,serviceName=m,sentinelPassword=***,password=***")]
    [InlineData("cache:1,token=" + Secret, "cache:1,token=***")]
    [InlineData("cache:1", "cache:1")]
    [InlineData("memory://primary", "memory://primary")]
    [InlineData(",,=,", ",,=,")]
    [InlineData("", "")]
    public void Redact_EveryForm_ReplacesSecrets(string connection, string expected)
    {
        var redacted = RedisConnectionString.Redact(connection);

        Assert.Equal(expected, redacted);
        Assert.DoesNotContain(Secret, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://127.0.0.1:1?password=s3cretPW")]
    [InlineData("redis://u:s3cretPW@127.0.0.1:1?x=y")]
    [InlineData("user:s3cretPW@127.0.0.1:1")]
    [InlineData("user:s3cretPW@127.0.0.1:1,ssl=true")]
    public void TryParse_PasswordWhereItDoesNotBelong_NeitherErrorNorRedactedFormShowsIt(string connection)
    {
        var parsed = RedisConnectionString.TryParse(connection, out _, out var error);

        Assert.False(parsed);
        Assert.DoesNotContain("s3cretPW", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cretPW", RedisConnectionString.Redact(connection), StringComparison.Ordinal);
    }
}
