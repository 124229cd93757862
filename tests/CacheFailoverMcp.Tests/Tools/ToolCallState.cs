using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Options;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>Everything a tool call could change: serving state, options, services, journal, and the stored keys of every service.</summary>
internal sealed record ToolCallState(long Epoch, string Active, FailoverOptions Options, string Services, int PendingKeys, string Counts)
{
    public static ToolCallState Of(TestServer server) => Of(server.Engine);

    public static ToolCallState Of(FailoverEngine engine)
    {
        var status = engine.GetStatus();
        var counts = string.Join(",", status.Services.Select(s =>
            Unwrapped(engine.GetBackend(s.ServiceId)!) is InMemoryCacheBackend memory ? memory.Count : -1));
        return new ToolCallState(status.Epoch, status.ActiveServiceId, status.Options, string.Join(",", status.Services.Select(s => s.ServiceId + ":" + s.Priority)), status.Journal.PendingKeys, counts);
    }

    // Behind a fault injector only when the server allows live drills.
    private static ICacheBackend Unwrapped(ICacheBackend backend) => backend is FaultInjectingBackend injector ? injector.Inner : backend;
}
