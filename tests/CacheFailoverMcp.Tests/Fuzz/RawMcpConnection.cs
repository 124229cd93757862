using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using CacheFailover.Mcp.Filters;
using CacheFailoverMcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CacheFailoverMcp.Tests.Fuzz;

/// <summary>
/// The server's own registrations behind the stdio host's input path (<see cref="BoundedLineStream"/>
/// over a pipe), spoken to in raw JSON-RPC lines: what an MCP client library would refuse to send
/// (lone surrogates, broken JSON, 100-deep nesting) reaches the server exactly as written.
/// </summary>
internal sealed class RawMcpConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Stream _toServer;
    private readonly StreamReader _fromServer;
    private long _nextId = 1;

    private RawMcpConnection(IHost host, Stream toServer, StreamReader fromServer)
    {
        _host = host;
        _toServer = toServer;
        _fromServer = fromServer;
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>Every line the server wrote that was not the answer to a request of ours (there must be none).</summary>
    public List<string> Unexpected { get; } = [];

    public static async Task<RawMcpConnection> StartAsync(TimeProvider time, int maxLineBytes = MessageLimits.MaxMessageBytes)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var host = await TestServer.StartHostAsync(new BoundedLineStream(clientToServer.Reader.AsStream(), maxLineBytes), serverToClient.Writer.AsStream(), timeProvider: time);
        var connection = new RawMcpConnection(host, clientToServer.Writer.AsStream(), new StreamReader(serverToClient.Reader.AsStream(), Encoding.UTF8));
        var initialized = await connection.RequestAsync("initialize", """{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}""");
        if (!initialized.TryGetProperty("result", out _))
        {
            throw new InvalidOperationException("initialize failed: " + initialized);
        }

        await connection.SendLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return connection;
    }

    /// <summary>Sends a request with a fresh id and returns the whole response (result or error).</summary>
    public async Task<JsonElement> RequestAsync(string method, string parametersJson)
    {
        var id = _nextId++;
        await SendLineAsync(string.Create(CultureInfo.InvariantCulture, $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parametersJson}}}"""));
        return await ResponseAsync(id);
    }

    /// <summary>Sends one line exactly as given.</summary>
    public Task SendLineAsync(string line) => SendAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task SendAsync(byte[] bytes)
    {
        await _toServer.WriteAsync(bytes);
        await _toServer.FlushAsync();
    }

    /// <summary>Reads lines until the response to <paramref name="id"/>; anything else the server says is kept in <see cref="Unexpected"/>.</summary>
    public async Task<JsonElement> ResponseAsync(long id)
    {
        while (true)
        {
            var line = await _fromServer.ReadLineAsync() ?? throw new EndOfStreamException("the server closed its output");
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("id", out var answered) && answered.ValueKind == JsonValueKind.Number && answered.GetInt64() == id)
            {
                return root.Clone();
            }

            // Log notifications are the server's to send; anything else is an answer nobody asked for.
            if (!(root.TryGetProperty("method", out var method) && method.GetString()?.StartsWith("notifications/", StringComparison.Ordinal) == true))
            {
                Unexpected.Add(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.DisposeAsync();
        await _host.StopAsync();
        await ((IAsyncDisposable)_host).DisposeAsync();
        _fromServer.Dispose();
    }
}

/// <summary>Engine state for a server that is not behind a <see cref="TestServer"/>.</summary>
internal static class RawMcpConnectionState
{
    public static CacheFailover.Engine.FailoverEngine Engine(this RawMcpConnection connection) =>
        connection.Services.GetRequiredService<CacheFailover.Engine.FailoverEngine>();
}
