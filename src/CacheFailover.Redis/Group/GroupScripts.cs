namespace CacheFailover.Redis.Group;

/// <summary>
/// The server-side scripts that make the group's state safe to share: each runs atomically on the
/// service, so a record change and a fenced write can never interleave.
/// </summary>
/// <remarks>
/// A fenced write runs on every write to a backup while it serves, so it does as little as it can:
/// one GET of the fence (the record's epoch and serving service, kept in a string beside the record
/// while failed over), one SADD, and the write; the record itself is read only to explain a refusal.
/// </remarks>
internal static class GroupScripts
{
    /// <summary>
    /// Compare-and-set of the record. KEYS: record hash, announce channel, fence. ARGV: version,
    /// status, record JSON, fence value (empty unless failed over), rank
    /// (<see cref="CacheFailover.Group.GroupRecord.Rank"/>), '1' when spreading (else a claim). Stores
    /// it only when the hash holds no record or an older version, or, when spreading, the same
    /// version at a lower rank (a record without one ranks lowest); sets or clears the fence with it,
    /// then publishes the version; 1 when stored, else 0.
    /// </summary>
    public const string WriteRecord = """
        local stored = redis.call('HMGET', KEYS[1], 'version', 'rank')
        if stored[1] then
          local held, offered = tonumber(stored[1]), tonumber(ARGV[1])
          if held > offered then
            return 0
          end
          if held == offered and (ARGV[6] ~= '1' or (stored[2] or '') >= ARGV[5]) then
            return 0
          end
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1], 'status', ARGV[2], 'json', ARGV[3], 'rank', ARGV[5])

        if ARGV[4] == '' then
          redis.call('DEL', KEYS[3])
        else
          redis.call('SET', KEYS[3], ARGV[4])
        end
        redis.call('PUBLISH', KEYS[2], ARGV[1])
        return 1
        """;

    /// <summary>
    /// A write to a backup while the group is failed over to it, when the user's key is in the same
    /// slot as the group's keys (always outside a cluster). KEYS: fence, journal set, overflow
    /// flag, the user's key, record hash. ARGV: the writer's fence value (epoch|service), journal
    /// capacity, 'set' or 'del', value, time to live in ms ('' for none). Refused with a FENCED error
    /// (nothing written) unless the fence matches; otherwise the key is journaled (or, past the
    /// capacity, the overflow flag set) and the write applied. A set answers 1; a delete the number
    /// of keys removed.
    /// </summary>
    public const string FencedWrite = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          local record = redis.call('HMGET', KEYS[5], 'version', 'status')
          return redis.error_reply('FENCED record version=' .. tostring(record[1]) .. ' status=' .. tostring(record[2]) .. ' fence=' .. tostring(redis.call('GET', KEYS[1])))
        end
        if redis.call('SADD', KEYS[2], KEYS[4]) == 1 and redis.call('SCARD', KEYS[2]) > tonumber(ARGV[2]) then
          redis.call('SREM', KEYS[2], KEYS[4])
          redis.call('SET', KEYS[3], '1')
        end
        if ARGV[3] == 'set' then
          if ARGV[5] == '' then
            redis.call('SET', KEYS[4], ARGV[4])
          else
            redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[5])
          end
          return 1
        end
        return redis.call('DEL', KEYS[4])
        """;

    /// <summary>
    /// The journal entry ahead of a write the store does not apply in the same script: any command
    /// from the front door, and, on a cluster, a write whose key hashes to another slot than the
    /// group's. KEYS: fence, journal set, overflow flag, record hash (the group's keys only, one
    /// slot). ARGV: the writer's fence value, journal capacity, then the write's keys (set members
    /// here, never touched as keys, so they may live in any slot). FENCED as
    /// <see cref="FencedWrite"/>; otherwise every key is journaled (or the overflow flag set) and 1
    /// returned.
    /// </summary>
    public const string FencedJournal = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          local record = redis.call('HMGET', KEYS[4], 'version', 'status')
          return redis.error_reply('FENCED record version=' .. tostring(record[1]) .. ' status=' .. tostring(record[2]) .. ' fence=' .. tostring(redis.call('GET', KEYS[1])))
        end
        for i = 3, #ARGV do
          if redis.call('SADD', KEYS[2], ARGV[i]) == 1 and redis.call('SCARD', KEYS[2]) > tonumber(ARGV[2]) then
            redis.call('SREM', KEYS[2], ARGV[i])
            redis.call('SET', KEYS[3], '1')
          end
        end
        return 1
        """;
}
