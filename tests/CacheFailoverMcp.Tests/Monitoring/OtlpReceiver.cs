using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheFailoverMcp.Tests.Monitoring;

/// <summary>One request the receiver got.</summary>
internal sealed record OtlpRequest(string Path, string? ContentType, byte[] Body);

/// <summary>
/// A tiny OTLP/HTTP collector on a loopback port (Kestrel): it keeps every request it receives and
/// answers each with an empty protobuf <c>Export…ServiceResponse</c> (200), as a collector does.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpRequest> _requests = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234</c> (signals post to /v1/metrics, /v1/traces, …).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyCollection<OtlpRequest> Requests => _requests;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/{**path}", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            receiver._requests.Enqueue(new OtlpRequest(context.Request.Path, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    /// <summary>Every metric in every request that went to <c>/v1/metrics</c>.</summary>
    public IReadOnlyList<OtlpMetric> Metrics() =>
        [.. _requests.Where(r => r.Path == "/v1/metrics").SelectMany(r => OtlpMetricsRequest.Parse(r.Body))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
