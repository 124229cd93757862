namespace CacheFailover.Redis.Group;

/// <summary>
/// The server-side scripts that make the group's state safe to share: each runs atomically on the
/// service, so a record change and a fenced write can never interleave.
/// </summary>
internal static class GroupScripts
{
    /// <summary>
    /// Compare-and-set of the record. KEYS: record hash, announce channel. ARGV: version, epoch,
    /// status, serving service, record JSON. Stores it only when the hash holds no record or an
    /// older version, then publishes the version; 1 when stored, else 0.
    /// </summary>
    public const string WriteRecord = """
        local stored = redis.call('HGET', KEYS[1], 'version')
        if stored and tonumber(stored) >= tonumber(ARGV[1]) then
          return 0
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1], 'epoch', ARGV[2], 'status', ARGV[3], 'serving', ARGV[4], 'json', ARGV[5])
        redis.call('PUBLISH', KEYS[2], ARGV[1])
        return 1
        """;

    /// <summary>
    /// A write to a backup while the group is failed over to it. KEYS: record hash, journal set,
    /// overflow flag, the user's key. ARGV: writer's epoch, serving service the writer believes in,
    /// journal capacity, 'set' or 'del', value, time to live in ms ('' for none). Refused with a
    /// FENCED error (nothing written) unless the record says failed over to that service at that
    /// epoch; otherwise the key is journaled (or the overflow flag set, past the capacity) and the
    /// write applied. A set answers 1; a delete the number of keys removed.
    /// </summary>
    public const string FencedWrite = """
        local record = redis.call('HMGET', KEYS[1], 'epoch', 'status', 'serving')
        if record[1] ~= ARGV[1] or record[2] ~= 'failed_over' or record[3] ~= ARGV[2] then
          return redis.error_reply('FENCED epoch=' .. tostring(record[1]) .. ' status=' .. tostring(record[2]) .. ' serving=' .. tostring(record[3]))
        end
        if redis.call('SISMEMBER', KEYS[2], KEYS[4]) == 0 then
          if redis.call('SCARD', KEYS[2]) < tonumber(ARGV[3]) then
            redis.call('SADD', KEYS[2], KEYS[4])
          else
            redis.call('SET', KEYS[3], '1')
          end
        end
        if ARGV[4] == 'set' then
          if ARGV[6] == '' then
            redis.call('SET', KEYS[4], ARGV[5])
          else
            redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[6])
          end
          return 1
        end
        return redis.call('DEL', KEYS[4])
        """;

    /// <summary>
    /// The journal entry ahead of a write the store cannot apply itself (any command from the front
    /// door). KEYS: record hash, journal set, overflow flag, then the write's keys. ARGV: writer's
    /// epoch, serving service, journal capacity. FENCED as <see cref="FencedWrite"/>; otherwise every
    /// key is journaled (or the overflow flag set) and 1 returned.
    /// </summary>
    public const string FencedJournal = """
        local record = redis.call('HMGET', KEYS[1], 'epoch', 'status', 'serving')
        if record[1] ~= ARGV[1] or record[2] ~= 'failed_over' or record[3] ~= ARGV[2] then
          return redis.error_reply('FENCED epoch=' .. tostring(record[1]) .. ' status=' .. tostring(record[2]) .. ' serving=' .. tostring(record[3]))
        end
        for i = 4, #KEYS do
          if redis.call('SISMEMBER', KEYS[2], KEYS[i]) == 0 then
            if redis.call('SCARD', KEYS[2]) < tonumber(ARGV[3]) then
              redis.call('SADD', KEYS[2], KEYS[i])
            else
              redis.call('SET', KEYS[3], '1')
            end
          end
        end
        return 1
        """;
}
