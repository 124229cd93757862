using System.Diagnostics;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Testing.Topologies;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>
/// The Redis backend against a real redis-server serving TLS with a certificate from a CA made for
/// this run: trusted through <c>tlsCaFile=</c>, it reads and writes; trusting nothing, or another CA,
/// it never falls back to plain text and says that the certificate, not a password, was refused.
/// </summary>
public sealed class TlsServerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TrustedCa_ReadsAndWritesOverTls()
    {
        await using var server = await RedisTlsServer.StartAsync();
        await using var backend = RedisCacheBackend.Create("tls", server.TrustedConnectionString);

        var started = Stopwatch.GetTimestamp();
        await backend.SetAsync("tls:k", Encoding.UTF8.GetBytes("v"));
        var value = await backend.GetAsync("tls:k");
        var latency = await backend.PingAsync();

        Assert.Equal("v", Encoding.UTF8.GetString(value!));
        Assert.True(latency > TimeSpan.Zero);
        output.WriteLine($"first set+get+ping over TLS: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms");
    }

    [Theory]
    [InlineData("untrusted")]
    [InlineData("wrong-ca")]
    public async Task CertificateNotTrusted_FailsClearlyAndNeverServesInPlainText(string kind)
    {
        await using var server = await RedisTlsServer.StartAsync();
        var connection = kind == "untrusted" ? server.UntrustedUri : server.WrongCaConnectionString;
        await using var backend = RedisCacheBackend.Create("tls", connection);

        CacheBackendException? probe = null;
        var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            probe = await Assert.ThrowsAsync<CacheBackendException>(async () => await backend.PingAsync());
            if (probe.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            await Task.Delay(50); // waiting on a real server's handshakes
        }

        output.WriteLine($"{kind}: {probe!.Message}");
        Assert.Equal(CacheFailureKind.Connection, probe.Kind);
        Assert.Contains("certificate", probe.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("password", probe.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CaFileMissingOrWithoutTls_IsRefusedNamingTheOption()
    {
        var missing = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse("127.0.0.1:6390,ssl=true,tlsCaFile=/nonexistent/ca.pem"));
        var plain = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse("127.0.0.1:6390,tlsCaFile=/etc/hostname"));

        Assert.Contains("tlsCaFile '/nonexistent/ca.pem' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("tlsCaFile needs ssl=true", plain.Message, StringComparison.Ordinal);
    }
}
