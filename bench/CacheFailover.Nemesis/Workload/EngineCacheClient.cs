using System.Text;
using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Nemesis.Cluster;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Workload;

/// <summary>A client of a member's engine API (GetWithResultAsync, SetWithResultAsync, ExecuteCommandAsync …), in-process.</summary>
public sealed class EngineCacheClient(Member member) : ICacheClient
{
    public string Path => "api";

    public Task<ClientReply> SetAsync(string key, string value, CancellationToken cancellationToken)
        => RunAsync(async engine => new ClientReply(null, null, (await engine.SetWithResultAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken: cancellationToken)).ServedBy), cancellationToken);

    public Task<ClientReply> DeleteAsync(string key, CancellationToken cancellationToken)
        => RunAsync(async engine => new ClientReply(null, null, (await engine.DeleteWithResultAsync(key, cancellationToken)).ServedBy), cancellationToken);

    public Task<ClientReply> GetAsync(string key, CancellationToken cancellationToken) => RunAsync(async engine =>
    {
        var result = await engine.GetWithResultAsync(key, cancellationToken);
        return new ClientReply(result.Value is null ? null : Encoding.UTF8.GetString(result.Value), null, result.ServedBy);
    }, cancellationToken);

    public Task<ClientReply> PushAsync(string key, string element, CancellationToken cancellationToken) => RunAsync(async engine =>
    {
        var reply = await engine.ExecuteCommandAsync(Command("RPUSH", key, element), new CommandRouting([key], IsWrite: true, IsSafeToRepeat: false), cancellationToken);
        return reply.IsError ? throw ErrorReply(reply) : new ClientReply(null, null, null);
    }, cancellationToken);

    public Task<ClientReply> ReadListAsync(string key, CancellationToken cancellationToken) => RunAsync(async engine =>
    {
        var reply = await engine.ExecuteCommandAsync(Command("LRANGE", key, "0", "-1"), new CommandRouting([key], IsWrite: false, IsSafeToRepeat: true), cancellationToken);
        if (reply.IsError)
        {
            throw ErrorReply(reply);
        }

        var elements = reply.Items?.Select(item => Encoding.UTF8.GetString(item.Bytes ?? [])).ToArray();
        return new ClientReply(null, elements is { Length: > 0 } ? elements : null, null);
    }, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CacheCommand Command(string name, params string[] arguments)
        => new(name, [.. arguments.Select(a => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(a))]);

    /// <summary>A server's error reply through the engine: the command was refused, nothing applied.</summary>
    private static ClientFailureException ErrorReply(CommandReply reply)
        => new(Outcome.Failed, "error_reply/" + (reply.Text ?? "ERR").Split(' ')[0], reply.Text ?? "error");

    /// <summary>Only the engine's own "not applied" is a certain failure; any other failure may have been applied.</summary>
    private async Task<ClientReply> RunAsync(Func<FailoverEngine, Task<ClientReply>> run, CancellationToken cancellationToken)
    {
        var engine = await member.WaitForEngineAsync(cancellationToken);
        try
        {
            return await run(engine);
        }
        catch (CacheOperationException e)
        {
            var outcome = e.Outcome == OperationOutcome.NotApplied ? Outcome.Failed : Outcome.Unknown;
            throw new ClientFailureException(outcome, $"api/{e.GetType().Name}/{e.Kind}/{(outcome == Outcome.Failed ? "not_applied" : "unknown")}", e.Message);
        }
    }
}
