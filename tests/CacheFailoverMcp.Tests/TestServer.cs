using System.IO.Pipelines;
using System.Text.Json;
using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailoverMcp.Configuration;
using CacheFailoverMcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests;

/// <summary>
/// The server's own registrations (engine, tools, call filter, audit) in a host of their own, and a
/// real <see cref="McpClient"/> talking to it over two in-memory pipes.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly IHost _host;

    private TestServer(IHost host, McpClient client)
    {
        _host = host;
        Client = client;
    }

    public McpClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public FailoverEngine Engine => Services.GetRequiredService<FailoverEngine>();

    public AuditTrail Audit => Services.GetRequiredService<AuditTrail>();

    /// <summary>Starts a server on the embedded in-memory pair (or <paramref name="settings"/>).</summary>
    public static async Task<TestServer> StartAsync(HostSettings? settings = null, TimeProvider? timeProvider = null, ILoggerProvider? logs = null, McpClientOptions? clientOptions = null)
    {
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var host = await StartHostAsync(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream(), settings, timeProvider, logs);
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()), clientOptions);
        return new TestServer(host, client);
    }

    /// <summary>The server's own registrations in a started host whose MCP transport reads <paramref name="input"/> and writes <paramref name="output"/>.</summary>
    public static async Task<IHost> StartHostAsync(Stream input, Stream output, HostSettings? settings = null, TimeProvider? timeProvider = null, ILoggerProvider? logs = null)
    {
        settings ??= new HostSettings();
        var time = timeProvider ?? TimeProvider.System;
        var provisioner = new BackendProvisioner([new InMemoryCacheBackendFactory(time), new CacheFailover.Redis.RedisCacheBackendFactory(timeProvider: time)], time, settings.AllowLiveDrills);
        var problems = new List<string>();
        var topology = await ServiceTopology.TryCreateAsync(settings, provisioner, problems)
            ?? throw new InvalidOperationException(string.Join("; ", problems));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.Services.AddSingleton(time);
        builder.Services.AddFailoverEngine(settings, provisioner, topology);
        builder.Services.AddFailoverMcpServer(settings).WithStreamServerTransport(input, output);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Calls a tool with arguments given as JSON text (so wrong types can be sent as they are).</summary>
    public async Task<CallToolResult> CallAsync(string tool, string argumentsJson = "{}", IProgress<ModelContextProtocol.ProgressNotificationValue>? progress = null)
    {
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(argumentsJson)!;
        return await Client.CallToolAsync(tool, arguments.ToDictionary(p => p.Key, p => (object?)p.Value), progress);
    }

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public async Task<JsonElement> CallOkAsync(string tool, string argumentsJson = "{}")
    {
        var result = await CallAsync(tool, argumentsJson);
        Assert.True(result.IsError != true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return result.StructuredContent!.Value;
    }

    public static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _host.StopAsync();
        // The engine is IAsyncDisposable only, so the container must be disposed asynchronously.
        await ((IAsyncDisposable)_host).DisposeAsync();
    }
}
