using System.Globalization;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;

namespace CacheFailover.Bench.Suites;

/// <summary>Failback through one contender: keys of four types read back after the primary served again.</summary>
internal sealed record RespFailbackFigures(string Contender, int KeysPerType, int Overwritten, int Deleted, int StaleReads, int Resurrected, int ClientErrors, string Notes);

/// <summary>
/// Failback with strings, hashes, lists and sets: each key is written "old" through the contender
/// while the primary serves; the primary is frozen (SIGSTOP) until the contender serves the backup;
/// then half the keys are written anew and half deleted through it; the primary resumes and serves
/// again; every key is read back through the contender. A read of "old" for a rewritten key is stale
/// (I1), for a deleted key resurrected (I2).
/// </summary>
internal static class RespFailback
{
    private static readonly string[] Types = ["string", "hash", "list", "set"];

    public static async Task<RespFailbackFigures> RunAsync(string contender, int port, ServerPair servers, EngineContender? engine, int keysPerType)
    {
        if (engine is null)
        {
            // An earlier run may have left HAProxy on its backup server: start where the primary serves.
            await ReachesPrimaryAsync(port, servers);
        }

        var id = Guid.NewGuid().ToString("N")[..8];
        string Key(string type, int i) => string.Create(CultureInfo.InvariantCulture, $"fb:{contender}:{id}:{type}:{i}");
        using (var seed = await RespClient.ConnectAsync(port))
        {
            for (var i = 0; i < keysPerType; i++)
            {
                await seed.CallAsync("SET", Key("string", i), "old");
                await seed.CallAsync("HSET", Key("hash", i), "f", "old");
                await seed.CallAsync("RPUSH", Key("list", i), "old");
                await seed.CallAsync("SADD", Key("set", i), "old");
            }
        }

        servers.Primary.Stop();
        var errors = 0;
        var notes = string.Empty;
        try
        {
            // Until the contender serves the backup: the engine fails over on its probes; HAProxy marks the primary down.
            await WaitAsync(async () => engine is null ? await RespondsAsync(port) : engine.Engine.ActiveServiceId != engine.Engine.PrimaryServiceId, TimeSpan.FromSeconds(10));
            if (engine is null)
            {
                await Clock.Delay(TimeSpan.FromMilliseconds(500));
            }

            var writer = await RespClient.ConnectAsync(port);
            for (var i = 0; i < keysPerType; i++)
            {
                foreach (var command in During(Key, i))
                {
                    try
                    {
                        if (await writer.CallAsync(command) is string reply && reply.StartsWith('-'))
                        {
                            errors++;
                        }
                    }
                    catch (Exception ex) when (ex is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
                    {
                        errors++;
                        writer.Dispose();
                        writer = await RespClient.ConnectAsync(port);
                    }
                }
            }

            writer.Dispose();
        }
        finally
        {
            servers.Primary.Resume();
        }

        if (engine is not null)
        {
            var recovery = await engine.Engine.TriggerManualRecoveryAsync("resp bench: failback");
            notes = recovery.Success ? $"recovered by hand, {recovery.ReconciledKeys} journaled key(s) invalidated on the primary" : $"recovery refused: {recovery.RefusalReason}";
        }
        else
        {
            // HAProxy sends new connections to the primary again once its checks pass (rise 2 × 100 ms).
            await ReachesPrimaryAsync(port, servers);
            notes = "the primary resumed; HAProxy's checks put it back in front";
        }

        var stale = 0;
        var resurrected = 0;
        using (var reader = await RespClient.ConnectAsync(port))
        {
            for (var i = 0; i < keysPerType; i++)
            {
                var olds = await OldsAsync(reader, Key, i);
                if (i % 2 == 0)
                {
                    stale += olds;
                }
                else
                {
                    resurrected += olds;
                }
            }
        }

        // Where the first rewritten key lives, read past the contender: says which server the reads reached.
        var onPrimary = (string?)await servers.PrimarySetup.GetDatabase().StringGetAsync(Key("string", 0));
        var onBackup = (string?)await servers.BackupSetup.GetDatabase().StringGetAsync(Key("string", 0));
        notes += $"; afterwards the primary holds {onPrimary ?? "nothing"} and the backup {onBackup ?? "nothing"} for a rewritten key";
        return new RespFailbackFigures(contender, keysPerType, keysPerType * Types.Length / 2, keysPerType * Types.Length / 2, stale, resurrected, errors, notes);
    }

    /// <summary>While the backup serves: even keys rewritten to "new", odd keys deleted.</summary>
    private static IEnumerable<string[]> During(Func<string, int, string> key, int i)
    {
        if (i % 2 == 1)
        {
            yield return ["DEL", key("string", i), key("hash", i), key("list", i), key("set", i)];
            yield break;
        }

        yield return ["SET", key("string", i), "new"];
        yield return ["HSET", key("hash", i), "f", "new"];
        yield return ["DEL", key("list", i)];
        yield return ["RPUSH", key("list", i), "new"];
        yield return ["DEL", key("set", i)];
        yield return ["SADD", key("set", i), "new"];
    }

    private static async Task<int> OldsAsync(RespClient client, Func<string, int, string> key, int i)
    {
        var olds = 0;
        olds += await client.CallAsync("GET", key("string", i)) is "old" ? 1 : 0;
        olds += await client.CallAsync("HGET", key("hash", i), "f") is "old" ? 1 : 0;
        olds += await client.CallAsync("LRANGE", key("list", i), "0", "-1") is object?[] list && list.Contains("old") ? 1 : 0;
        olds += await client.CallAsync("SISMEMBER", key("set", i), "old") is 1L ? 1 : 0;
        return olds;
    }

    /// <summary>Waits until a new connection through the proxy reaches the primary (its INFO names the server's own port).</summary>
    private static Task ReachesPrimaryAsync(int port, ServerPair servers)
    {
        var primaryPort = string.Create(CultureInfo.InvariantCulture, $"tcp_port:{servers.Primary.Port}");
        return WaitAsync(async () =>
        {
            using var probe = await RespClient.ConnectAsync(port);
            return await probe.CallAsync("INFO", "server") is string info && info.Contains(primaryPort, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> RespondsAsync(int port)
    {
        try
        {
            using var probe = await RespClient.ConnectAsync(port);
            var ping = probe.CallAsync("PING");
            return await Task.WhenAny(ping, Clock.Delay(TimeSpan.FromMilliseconds(200))) == ping && await ping is "PONG";
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var until = Clock.Now + Clock.Ticks(timeout);
        while (!await condition())
        {
            if (Clock.Now > until)
            {
                throw new TimeoutException($"the contender did not change service within {timeout.TotalSeconds} s");
            }

            await Clock.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
