using System.Text.Json;
using CacheFailover.Security;

namespace CacheFailover.Core.Tests.Security;

public sealed class SecretRedactorTests
{
    private const string Secret = "S3CRETpw";

    [Theory]
    [InlineData("redis://ops:" + Secret + "@10.0.0.7:6379", "redis://ops:***@10.0.0.7:6379")]
    [InlineData("rediss://:" + Secret + "@cache", "rediss://:***@cache")]
    [InlineData("redis://" + Secret + "@cache:1", "redis://***@cache:1")]
    [InlineData("redis://u:p@" + Secret + "@cache:1", "redis://u:***@cache:1")]
    [InlineData("https://alice:" + Secret + "@example.org/path", "https://alice:***@example.org/path")]
    [InlineData("connect to redis://ops:" + Secret + "@h:1 now", "connect to redis://ops:***@h:1 now")]
    [InlineData("user:" + Secret + "@127.0.0.1:1,ssl=true", "***@127.0.0.1:1,ssl=true")]
    [InlineData("cache:1,password=" + Secret + ",ssl=true", "cache:1,password=***,ssl=true")]
    [InlineData("cache:1, Password = " + Secret, "cache:1, Password = ***")]
    [InlineData("Server=db;User Id=sa;Pwd=" + Secret + ";", "Server=db;User Id=sa;Pwd=***;")]
    [InlineData("s1:26379,sentinelPassword=" + Secret + ",password=" + Secret, "s1:26379,sentinelPassword=***,password=***")]
    [InlineData("https://h/cb?access_token=" + Secret + "&x=1", "https://h/cb?access_token=***&x=1")]
    [InlineData("api_key: " + Secret, "api_key: ***")]
    [InlineData("{\"token\":\"" + Secret + "\"}", "{\"token\":\"***\"}")]
    [InlineData("Authorization: Bearer " + Secret + "abc.def", "Authorization: Bearer ***")]
    [InlineData("cache:1,=" + Secret, "cache:1,=***")]
    [InlineData("memory://primary", "memory://primary")]
    [InlineData("cache:6379", "cache:6379")]
    [InlineData("[19:00:00.000 INF] ops@example.org said hi", "[19:00:00.000 INF] ops@example.org said hi")]
    [InlineData(",,=,", ",,=,")]
    [InlineData("", "")]
    public void Redact_Text_HidesSecretsByTheirShape(string text, string expected)
    {
        var redacted = SecretRedactor.Redact(text);

        Assert.Equal(expected, redacted);
        Assert.DoesNotContain(Secret, redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_Json_HidesSecretsAtEveryDepthAndInSecretNamedFields()
    {
        using var document = JsonDocument.Parse($$$"""
            {"connection_string":"redis://ops:{{{Secret}}}@10.0.0.7:6379",
             "connection":["redis://ops:{{{Secret}}}@h:1", {"deeper":{"x":"h:1,password={{{Secret}}}"}}],
             "auth_token":"{{{Secret}}}", "count": 3, "flag": true}
            """);

        var redacted = SecretRedactor.Redact(document.RootElement)!.ToJsonString();

        Assert.DoesNotContain(Secret, redacted, StringComparison.Ordinal);
        Assert.Contains("redis://ops:***@10.0.0.7:6379", redacted, StringComparison.Ordinal);
        Assert.Contains("\"auth_token\":\"***\"", redacted, StringComparison.Ordinal);
        Assert.Contains("\"count\":3", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_LoneSurrogate_DoesNotThrow()
    {
        using var document = JsonDocument.Parse("""{"key":"\ud800"}""");

        var redacted = SecretRedactor.Redact(document.RootElement)!.ToJsonString();

        Assert.Contains("lone UTF-16 surrogate", redacted, StringComparison.Ordinal);
    }
}
