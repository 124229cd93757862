using System.Globalization;

namespace CacheFailover.Testing.Topologies;

/// <summary>
/// A redis-server that serves TLS on <see cref="TlsPort"/> with a per-run certificate. Its plain port
/// stays open on loopback for the fixture alone (readiness, and checking the server's state
/// independently of the client under test); clients under test connect to the TLS port only. Killed,
/// frozen and resumed by PID through <see cref="Server"/>.
/// </summary>
public sealed class RedisTlsServer : IAsyncDisposable
{
    private RedisTlsServer(TlsCertificates certificates, RedisServerProcess server, int tlsPort)
    {
        Certificates = certificates;
        Server = server;
        TlsPort = tlsPort;
    }

    public TlsCertificates Certificates { get; }

    /// <summary>The process (kill, stop, resume) and its plain admin port.</summary>
    public RedisServerProcess Server { get; }

    public int TlsPort { get; }

    /// <summary><c>rediss://</c> to the TLS port; trusts the machine's store only, so this server's certificate is not trusted.</summary>
    public string UntrustedUri => $"rediss://{RedisServerProcess.Host}:{TlsPort}";

    /// <summary>A configuration string over TLS that trusts this run's CA (<c>tlsCaFile=…</c>) and checks the name <c>localhost</c>.</summary>
    public string TrustedConnectionString => $"{RedisServerProcess.Host}:{TlsPort},ssl=true,sslHost=localhost,tlsCaFile={Certificates.CaFile}";

    /// <summary>Like <see cref="TrustedConnectionString"/>, but trusting a CA that did not sign the server's certificate.</summary>
    public string WrongCaConnectionString => $"{RedisServerProcess.Host}:{TlsPort},ssl=true,sslHost=localhost,tlsCaFile={Certificates.UnrelatedCaFile}";

    /// <summary>Makes the certificates and starts the server; clients need no certificate of their own.</summary>
    public static async Task<RedisTlsServer> StartAsync(IEnumerable<string>? extraArguments = null)
    {
        var certificates = await TlsCertificates.CreateAsync();
        try
        {
            var tlsPort = RedisServerProcess.FreeLoopbackPort();
            string[] tls =
            [
                "--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture),
                "--tls-cert-file", certificates.CertificateFile,
                "--tls-key-file", certificates.KeyFile,
                "--tls-ca-cert-file", certificates.CaFile,
                "--tls-auth-clients", "no",
            ];
            var server = await RedisServerProcess.StartAsync([.. tls, .. extraArguments ?? []]);
            return new RedisTlsServer(certificates, server, tlsPort);
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Certificates.Dispose();
    }
}
