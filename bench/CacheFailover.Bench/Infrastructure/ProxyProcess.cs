using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CacheFailover.Bench.Infrastructure;

/// <summary>
/// A peer proxy for the resp suite — twemproxy (Debian <c>nutcracker</c>) or HAProxy in TCP mode — on a
/// free loopback port in front of the primary (HAProxy: and the backup as its <c>backup</c> server),
/// started in the foreground from a generated configuration and killed by its own PID.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private static readonly string[] BinaryDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];
    private readonly Process _process;
    private readonly string _directory;

    private ProxyProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The binary's path, or null when it is not installed.</summary>
    public static string? Find(string name) =>
        BinaryDirectories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static Task<ProxyProcess> StartTwemproxyAsync(string binary, int primaryPort)
    {
        var port = FreePort();
        var config = $"""
            resp:
              listen: 127.0.0.1:{port}
              hash: fnv1a_64
              distribution: ketama
              redis: true
              auto_eject_hosts: false
              server_connections: 1
              servers:
               - 127.0.0.1:{primaryPort}:1
            """;
        return StartAsync(binary, "nutcracker.yml", config, port, file => ["-c", file, "-s", FreePort().ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(Path.GetDirectoryName(file)!, "nutcracker.log")]);
    }

    public static Task<ProxyProcess> StartHaproxyAsync(string binary, int primaryPort, int backupPort)
    {
        var port = FreePort();
        // The configuration the issue measured tuned: PING checks every 100 ms, the backup as HAProxy's backup server.
        var config = $"""
            global
              maxconn 4000
            defaults
              mode tcp
              timeout connect 1s
              timeout client 60s
              timeout server 60s
            frontend resp
              bind 127.0.0.1:{port}
              default_backend redis
            backend redis
              option tcp-check
              tcp-check send PING\r\n
              tcp-check expect string +PONG
              server primary 127.0.0.1:{primaryPort} check inter 100ms on-marked-down shutdown-sessions
              server backup 127.0.0.1:{backupPort} check inter 100ms backup
            """;
        return StartAsync(binary, "haproxy.cfg", config, port, file => ["-f", file, "-db"]);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Ours, started above: ended by its own PID.
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<ProxyProcess> StartAsync(string binary, string fileName, string config, int port, Func<string, string[]> arguments)
    {
        var directory = Directory.CreateTempSubdirectory("cachefailover-bench-proxy-").FullName;
        var file = Path.Combine(directory, fileName);
        await File.WriteAllTextAsync(file, config.ReplaceLineEndings("\n") + "\n");
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments(file))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var proxy = new ProxyProcess(process, directory, port);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return proxy;
            }
            catch (SocketException)
            {
                await Clock.Delay(TimeSpan.FromMilliseconds(50));
            }
        }

        await proxy.DisposeAsync();
        throw new InvalidOperationException($"{binary} did not listen on 127.0.0.1:{port}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
