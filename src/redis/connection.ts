/**
 * The Redis connection of the `velomcp/redis` tier (ioredis): one command client and one subscriber client,
 * a key prefix, and the health of both.
 *
 * - **Startup**: {@link connectRedis} resolves once both clients are ready and Redis answers `PING`; when it
 *   cannot reach Redis within `connectTimeoutMs` it rejects with `VELO_BACKEND_UNAVAILABLE` naming the URL
 *   (password redacted) and the cause, and leaves nothing running.
 * - **Loss**: commands never queue while Redis is away (`enableOfflineQueue: false`, no per-request retries,
 *   a `commandTimeoutMs` bound), so a caller learns at once; every store maps such failures to
 *   `VELO_BACKEND_UNAVAILABLE` (see {@link RedisConnection.run}).
 * - **Recovery**: both clients reconnect by themselves with capped exponential backoff; subscriptions are
 *   restored; {@link RedisConnection.onStateChange} tells caches to resynchronise (pub/sub messages sent
 *   while a node was disconnected are lost, so anything invalidated through the bus must be dropped).
 */
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { BackendOutage } from '../cluster/types.js';
import { VeloError } from '../jsonrpc/errors.js';
import { MIN_REDIS_VERSION as MIN_VERSION, defineScripts } from './scripts.js';

/** Options of {@link connectRedis}. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Default `redis://127.0.0.1:6379/0`. */
  url?: string;
  /** Extra ioredis options (merged over the defaults described in the module comment). */
  redis?: RedisOptions;
  /** Prefix of every key and channel (default `velomcp:`); deployments sharing a database use distinct prefixes. */
  prefix?: string;
  /** How long {@link connectRedis} waits for Redis, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** A command not answered within this many ms fails with `VELO_BACKEND_UNAVAILABLE` (default 2000). */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts, in ms (default 1000; attempts start at 50 ms and double). */
  maxReconnectDelayMs?: number;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Checks a Redis URL and returns its database number.
 * @throws VeloError `VELO_INVALID_CONFIG` when it is not a `redis:`/`rediss:` URL with a numeric database.
 */
export function parseRedisUrl(url: string): { db: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VeloError('VELO_INVALID_CONFIG', `invalid Redis URL ${JSON.stringify(url)}: expected redis://host:port/db`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new VeloError('VELO_INVALID_CONFIG', `invalid Redis URL ${JSON.stringify(redactRedisUrl(url))}: the scheme must be redis: or rediss:, not ${u.protocol}`);
  }
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new VeloError('VELO_INVALID_CONFIG', `invalid Redis URL ${JSON.stringify(redactRedisUrl(url))}: the path must be a database number (redis://host:port/2), not "/${path}"`);
  }
  return { db: path === '' ? 0 : Number(path) };
}


/** A connected pair of clients; see the module comment. Create with {@link connectRedis}. */
export class RedisConnection {
  /** Prefix of every key and channel. */
  readonly prefix: string;
  /** The URL, password redacted. */
  readonly url: string;
  /** The command client (Lua scripts of the tier are defined on it). */
  readonly client: Redis;
  /** The client in subscriber mode (pub/sub only). */
  readonly subscriber: Redis;
  /** Longest pause between reconnection attempts, in ms (`maxReconnectDelayMs`). */
  readonly maxReconnectDelayMs: number;
  readonly #listeners = new Set<(up: boolean) => void>();
  #clientReady = false;
  #subscriberReady = false;
  #up = false;
  #closed = false;
  #lastError: Error | undefined;

  /** @internal Use {@link connectRedis}. */
  constructor(options: RedisConnectionOptions) {
    const url = options.url ?? 'redis://127.0.0.1:6379/0';
    parseRedisUrl(url);
    this.url = redactRedisUrl(url);
    this.prefix = options.prefix ?? 'velomcp:';
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    this.maxReconnectDelayMs = maxDelay;
    const base: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      retryStrategy: (attempt: number) => Math.min(maxDelay, 50 * 2 ** Math.min(attempt, 10)),
      ...options.redis,
    };
    this.client = new Redis(url, base as never);
    // The subscriber queues SUBSCRIBE while reconnecting and restores its channels by itself.
    const { commandTimeout: _t, ...subscriberBase } = base;
    this.subscriber = new Redis(url, { ...subscriberBase, enableOfflineQueue: true, autoResubscribe: true } as never);
    defineScripts(this.client);
    for (const [c, flag] of [
      [this.client, 'client'],
      [this.subscriber, 'subscriber'],
    ] as const) {
      c.on('error', (err: Error) => {
        this.#lastError = err;
      });
      c.on('ready', () => this.#set(flag, true));
      c.on('close', () => this.#set(flag, false));
      c.on('end', () => this.#set(flag, false));
    }
  }

  #set(which: 'client' | 'subscriber', ready: boolean): void {
    if (which === 'client') this.#clientReady = ready;
    else this.#subscriberReady = ready;
    const up = this.#clientReady && this.#subscriberReady && !this.#closed;
    if (up === this.#up) return;
    this.#up = up;
    for (const l of [...this.#listeners]) {
      try {
        l(up);
      } catch {
        // A failing listener must not stop the others.
      }
    }
  }

  /** True while both clients are connected and ready. */
  get up(): boolean {
    return this.#up;
  }

  /** The last connection error seen (for messages), if any. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /**
   * Calls `listener(false)` when Redis is lost and `listener(true)` when both clients are ready again.
   * Returns the function that removes the listener.
   */
  onStateChange(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Undefined while both clients are ready; otherwise why Redis is unavailable and when to retry (the longest
   * reconnect delay, at least 1 s). A closed connection is an outage that never ends.
   */
  outage(): BackendOutage | undefined {
    if (this.#up) return undefined;
    return { message: this.unavailable().message, retryAfterMs: Math.max(1000, this.maxReconnectDelayMs) };
  }

  /** The error stores raise while Redis is unavailable. */
  unavailable(cause?: unknown): VeloError {
    if (this.#closed) return new VeloError('VELO_BACKEND_UNAVAILABLE', `the Redis connection to ${this.url} is closed`);
    // ioredis's own wording for "refused while disconnected" says less than the connection error behind it.
    const generic = cause instanceof Error && /max retries per request|Connection is closed|Stream isn't writeable/i.test(cause.message);
    const why = cause instanceof Error && !generic ? cause.message : this.#lastError?.message ?? 'connection lost';
    return new VeloError('VELO_BACKEND_UNAVAILABLE', `Redis at ${this.url} is unavailable (${why}); retrying in the background`, cause === undefined ? undefined : { cause });
  }

  /**
   * Runs Redis commands; connection failures, timeouts and commands refused while disconnected become
   * `VELO_BACKEND_UNAVAILABLE`. Redis replying with an error (a bug, a wrong type) is rethrown unchanged.
   */
  async run<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new VeloError('VELO_BACKEND_UNAVAILABLE', `the Redis connection to ${this.url} is closed`);
    if (!this.#clientReady) throw this.unavailable();
    try {
      return await fn(this.client);
    } catch (err) {
      if (err instanceof ReplyError && !/^(LOADING|BUSY|MASTERDOWN|READONLY)/.test((err as Error).message)) throw err;
      throw this.unavailable(err);
    }
  }

  /** Key of `name` under the prefix. */
  key(name: string): string {
    return this.prefix + name;
  }

  /** Closes both clients (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#set('client', false);
    await Promise.all(
      [this.client, this.subscriber].map(async (c) => {
        try {
          if (c.status === 'ready') await c.quit();
          else c.disconnect();
        } catch {
          c.disconnect();
        }
      }),
    );
  }

  /** @internal Connects both clients, checks the server version; see {@link connectRedis}. */
  async open(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all([this.client.connect(), this.subscriber.connect()]), timeout]);
      const info = await Promise.race([this.client.info('server'), timeout]);
      const version = /redis_version:(\d+)\.(\d+)/.exec(info);
      const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
      if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
        throw new VeloError('VELO_BACKEND_UNAVAILABLE', `Redis at ${this.url} is version ${major}.${minor}; velomcp needs Redis ${MIN_VERSION.join('.')} or later`);
      }
    } catch (err) {
      await this.close();
      if (err instanceof VeloError) throw err;
      const cause = this.#lastError && /closed|no answer/i.test((err as Error).message) ? this.#lastError : (err as Error);
      throw new VeloError('VELO_BACKEND_UNAVAILABLE', `Redis at ${this.url} is unreachable (${cause.message}); start Redis or fix the URL (--redis redis://host:port/db)`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Connects to Redis (see the module comment).
 * @param options - A URL, or {@link RedisConnectionOptions}.
 * @returns The connection, both clients ready.
 * @throws VeloError `VELO_INVALID_CONFIG` for a malformed URL; `VELO_BACKEND_UNAVAILABLE` when Redis cannot be
 * reached within `connectTimeoutMs` or is older than 7.0.
 */
export async function connectRedis(options: string | RedisConnectionOptions = {}): Promise<RedisConnection> {
  const opts = typeof options === 'string' ? { url: options } : options;
  const conn = new RedisConnection(opts);
  await conn.open(opts.connectTimeoutMs ?? 5000);
  return conn;
}
