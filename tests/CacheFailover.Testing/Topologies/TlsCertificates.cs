namespace CacheFailover.Testing.Topologies;

/// <summary>
/// A certificate authority and a server certificate made with <c>openssl</c> for one test run, in a
/// temporary directory removed on dispose. The server certificate names <c>localhost</c> and
/// <c>127.0.0.1</c>; nothing is installed in the machine's trust store, so a client trusts it only
/// when told to trust <see cref="CaFile"/>.
/// </summary>
public sealed class TlsCertificates : IDisposable
{
    private static readonly TimeSpan OpensslTimeout = TimeSpan.FromSeconds(30);

    private TlsCertificates(string directory)
    {
        Directory = directory;
    }

    /// <summary>Where the files live.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (PEM) that signed the server certificate.</summary>
    public string CaFile => Path.Combine(Directory, "ca.crt");

    /// <summary>The server certificate (PEM).</summary>
    public string CertificateFile => Path.Combine(Directory, "server.crt");

    /// <summary>The server's private key (PEM).</summary>
    public string KeyFile => Path.Combine(Directory, "server.key");

    /// <summary>A second CA that signed nothing here: trusting it must not make the server trusted.</summary>
    public string UnrelatedCaFile => Path.Combine(Directory, "other-ca.crt");

    /// <summary>Makes the CA, the unrelated CA and the server certificate (valid two days).</summary>
    public static async Task<TlsCertificates> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("cachefailover-tls-").FullName;
        var certificates = new TlsCertificates(directory);
        try
        {
            await OpensslAsync(directory, "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=CacheFailover test CA");
            await OpensslAsync(directory, "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=Unrelated test CA");
            await OpensslAsync(directory, "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
            await File.WriteAllTextAsync(Path.Combine(directory, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
            await OpensslAsync(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    /// <summary>Removes the directory and every key in it.</summary>
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private static Task<string> OpensslAsync(string directory, params string[] arguments)
        => ExternalTool.RunAsync("openssl", arguments, OpensslTimeout, directory);
}
