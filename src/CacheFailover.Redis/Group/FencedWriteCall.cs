using StackExchange.Redis;

namespace CacheFailover.Redis.Group;

/// <summary>
/// One fenced write (a SET or a delete of a user's key while a backup serves the group), sent the
/// way the service allows. When the key is in the group's slot (always outside a cluster, where
/// every slot is the same) it is one script: fence check, journal and write, atomically. On a
/// cluster a key in another slot cannot be in that script, so it is two steps: the fence check and
/// the journal entry on the group's slot, then the plain write on the key's own node, sent only
/// once the first has been answered.
/// </summary>
/// <remarks>
/// Split, the journal still precedes the write (a write that landed is journaled, I1/I2), and a
/// member fenced out is still refused before it writes. What is lost is atomicity: a write that
/// passed the fence check can land just after the group's record moved on (the failback's seal).
/// The failback has read the journal after the seal, so the key is invalidated on the primary all
/// the same; only the backup can keep that last value (docs/topologies.md).
/// </remarks>
/// <param name="Keys">fence, journal set, overflow flag, the user's key, record hash (the <see cref="GroupScripts.FencedWrite"/> layout).</param>
/// <param name="Arguments">fence value, journal capacity, 'set' or 'del', value, time to live in ms or ''.</param>
internal sealed record FencedWriteCall(RedisKey[] Keys, RedisValue[] Arguments)
{
    private const int UserKey = 3;

    public Task<RedisResult> RunAsync(IDatabase database)
    {
        var multiplexer = database.Multiplexer;
        return multiplexer.HashSlot(Keys[UserKey]) == multiplexer.HashSlot(Keys[0])
            ? database.ScriptEvaluateAsync(GroupScripts.FencedWrite, Keys, Arguments)
            : RunSplitAsync(database);
    }

    private async Task<RedisResult> RunSplitAsync(IDatabase database)
    {
        RedisKey[] groupKeys = [Keys[0], Keys[1], Keys[2], Keys[4]];
        RedisValue[] journal = [Arguments[0], Arguments[1], (string?)Keys[UserKey]];
        await database.ScriptEvaluateAsync(GroupScripts.FencedJournal, groupKeys, journal).ConfigureAwait(false);
        if (Arguments[2] == "set")
        {
            TimeSpan? expiry = Arguments[4].IsNullOrEmpty ? null : TimeSpan.FromMilliseconds((long)Arguments[4]);
            await database.StringSetAsync(Keys[UserKey], Arguments[3], expiry, When.Always, CommandFlags.None).ConfigureAwait(false);
            return RedisResult.Create(1);
        }

        return RedisResult.Create(await database.KeyDeleteAsync(Keys[UserKey]).ConfigureAwait(false) ? 1 : 0);
    }
}
