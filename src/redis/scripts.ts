/**
 * @internal The Lua scripts of the Redis tier. Each runs atomically on the Redis server, which is what makes
 * two nodes racing on the same key safe (a session table at its bound, a stream's replay window). Scripts
 * read time with `TIME` (Redis 7 replicates effects, not scripts), so expiry never depends on node clocks.
 * ioredis sends them with `EVALSHA` and falls back to `EVAL` after a Redis restart flushed its script cache.
 */
import type { Redis } from 'ioredis';

/** The oldest Redis whose commands the scripts use (`XADD key <ms>-*`, Redis 7.0). */
export const MIN_REDIS_VERSION = [7, 0] as const;

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** name → [number of keys, source]. */
const SCRIPTS = {
  // KEYS: index zset, session hash. ARGV: id, ttlMs, maxSessions, then field/value pairs of the hash.
  veloSessionAdd: [
    2,
    `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`,
  ],
  // KEYS: index zset, session hash. ARGV: id, ttlMs, at. Activity never goes backwards.
  veloSessionTouch: [
    2,
    `local l = redis.call('HGET', KEYS[2], 'l')
if not l then return 0 end
if tonumber(ARGV[3]) > tonumber(l) then redis.call('HSET', KEYS[2], 'l', ARGV[3]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`,
  ],
  // KEYS: session hash. ARGV: logLevel, subscribe, unsubscribe, initialized ('0'/'1'), streamNode mode
  // ('set'/'clear'), streamNode, ifStreamNode; '' leaves a member unchanged. Returns the new hash, or nil.
  veloSessionPatch: [
    1,
    `local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then return false end
if ARGV[1] ~= '' then redis.call('HSET', h, 'lv', ARGV[1]) end
if ARGV[2] ~= '' and redis.call('HEXISTS', h, 's:' .. ARGV[2]) == 0 then redis.call('HSET', h, 's:' .. ARGV[2], redis.call('HINCRBY', h, 'so', 1)) end
if ARGV[3] ~= '' then redis.call('HDEL', h, 's:' .. ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', h, 'i', ARGV[4]) end
if ARGV[5] == 'set' then redis.call('HSET', h, 'n', ARGV[6])
elseif ARGV[5] == 'clear' and (ARGV[7] == '' or redis.call('HGET', h, 'n') == ARGV[7]) then redis.call('HDEL', h, 'n') end
redis.call('HINCRBY', h, 'v', 1)
return redis.call('HGETALL', h)`,
  ],
  // KEYS: index zset, session hash. ARGV: id.
  veloSessionDelete: [
    2,
    `local n = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return n`,
  ],
  // KEYS: index zset.
  veloSessionSize: [
    1,
    `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`,
  ],
  // KEYS: stream, the session's set of stream keys. ARGV: maxlen, message, ttlMs. Entry ids are 0-<seq>
  // (Redis 7 \`<ms>-*\`): the sequence grows by one per stream whichever node writes. Returns the sequence.
  veloEventStore: [
    2,
    `local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '0-*', 'm', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return string.sub(id, 3)`,
  ],
  // The same for several events in one round trip (RedisEventStore batches the events stored in one tick).
  // KEYS: stream and session set, alternating, per event. ARGV: maxlen, ttlMs, then one message per event.
  // Events of one stream are appended in order. Returns the sequences in event order.
  veloEventStoreMany: [
    null,
    `local out = {}
for i = 1, #KEYS, 2 do
  local id = redis.call('XADD', KEYS[i], 'MAXLEN', ARGV[1], '0-*', 'm', ARGV[2 + (i + 1) / 2])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
  redis.call('SADD', KEYS[i + 1], KEYS[i])
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[2])
  out[#out + 1] = string.sub(id, 3)
end
return out`,
  ],
  // KEYS: stream. ARGV: sequence. The entries after it (everything left when it was trimmed away), or nil
  // when the stream is unknown or the sequence was never assigned.
  veloEventReplay: [
    1,
    `local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return false end
if tonumber(ARGV[1]) > tonumber(string.sub(last[1][1], 3)) then return false end
return redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[1], '+')`,
  ],
  // KEYS: the session's set of stream keys. Deletes them all.
  veloEventDeleteSession: [
    1,
    `local keys = redis.call('SMEMBERS', KEYS[1])
for _, k in ipairs(keys) do redis.call('UNLINK', k) end
redis.call('UNLINK', KEYS[1])
return #keys`,
  ],
  // KEYS: index zset (by creation), task key. ARGV: id, record JSON, ttlMs ('' = none), maxTasks.
  // At the bound the oldest record goes first (or an index entry whose key already expired).
  veloTaskCreate: [
    2,
    `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then
  while redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) do
    local oldest = redis.call('ZPOPMIN', KEYS[1])
    redis.call('UNLINK', string.sub(KEYS[2], 1, #KEYS[2] - #ARGV[1]) .. oldest[1])
  end
end
if ARGV[3] == '' then redis.call('SET', KEYS[2], ARGV[2]) else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return 1`,
  ],
  // KEYS: a session's task index zset. ARGV: task id, ttlMs ('' = none), most entries. Scores count up from 1
  // in creation order (exact across nodes); the index expires with its longest-lived task (never once a task
  // without expiry was listed).
  veloTaskIndex: [
    1,
    `local existed = redis.call('EXISTS', KEYS[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local order = 1
if last[2] then order = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], order, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
if ARGV[2] == '' then
  redis.call('PERSIST', KEYS[1])
else
  local left = redis.call('PTTL', KEYS[1])
  if existed == 0 or (left >= 0 and left < tonumber(ARGV[2])) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return order`,
  ],
} as const satisfies Record<string, readonly [number | null, string]>;

/** A script name. */
export type ScriptName = keyof typeof SCRIPTS;

/** Defines every script on `client` (idempotent per client). */
export function defineScripts(client: Redis): void {
  // A null key count: the number of keys is passed first at each call (see runScript).
  for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) client.defineCommand(name, numberOfKeys === null ? { lua } : { numberOfKeys, lua });
}

/** Runs script `name` with its keys and arguments. */
export function runScript(client: Redis, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (typeof fn !== 'function') throw new Error(`script ${name} is not defined on this client`);
  return SCRIPTS[name][0] === null ? fn.call(client, keys.length, ...keys, ...args) : fn.call(client, ...keys, ...args);
}
