/**
 * @internal The Lua scripts of the Redis tier. Each runs atomically on the Redis server, which is what makes
 * two nodes racing on the same key safe (a session table at its bound, a stream's replay window). Scripts
 * read time with `TIME` (Redis 7 replicates effects, not scripts), so expiry never depends on node clocks.
 * ioredis sends them with `EVALSHA` and falls back to `EVAL` after a Redis restart flushed its script cache.
 */
import type { Redis } from 'ioredis';

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** name → [number of keys, source]. */
const SCRIPTS = {
  // KEYS: index zset, session hash. ARGV: id, ttlMs, maxSessions, record JSON, lastSeenAt.
  veloSessionAdd: [
    2,
    `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], 'r', ARGV[4], 'l', ARGV[5])
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
  // KEYS: session hash. ARGV: record JSON. Replaces the record of a live session only.
  veloSessionUpdate: [
    1,
    `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
return 1`,
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
  // KEYS: stream. ARGV: maxlen, message, ttlMs. Returns the new entry id.
  veloEventStore: [
    1,
    `local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return id`,
  ],
  // KEYS: stream. ARGV: entry id (validated ms-seq). Returns the entries after it; all the stream when it
  // was trimmed away; nil when it is unknown (never existed, or the stream is gone).
  veloEventReplay: [
    1,
    `local function parse(id) local ms, seq = string.match(id, '^(%d+)%-(%d+)$'); return tonumber(ms), tonumber(seq) end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #first == 0 then return false end
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 1 then return redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+') end
local am, as = parse(ARGV[1])
local bm, bs = parse(first[1][1])
if am < bm or (am == bm and as < bs) then return redis.call('XRANGE', KEYS[1], '-', '+') end
return false`,
  ],
} as const satisfies Record<string, readonly [number, string]>;

/** A script name. */
export type ScriptName = keyof typeof SCRIPTS;

/** Defines every script on `client` (idempotent per client). */
export function defineScripts(client: Redis): void {
  for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys, lua });
}

/** Runs script `name` with its keys and arguments. */
export function runScript(client: Redis, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (typeof fn !== 'function') throw new Error(`script ${name} is not defined on this client`);
  return fn.call(client, ...keys, ...args);
}
