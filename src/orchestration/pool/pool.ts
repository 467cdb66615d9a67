/**
 * A bounded pool of connections to one upstream, keyed by principal: a connection made for one downstream
 * principal is only ever leased to that principal again (upstream session state never crosses users;
 * ContextForge #4205), and a lease is exclusive, so server→client requests arriving on a connection belong to
 * the one call holding it.
 *
 * Acquire order: an idle connection of the principal (a hit; checked first when idle long enough), else a
 * new one while below `max` (a miss), else the oldest idle connection of another principal is closed to make
 * room, else the caller waits (up to `acquireTimeoutMs`). Idle connections are closed after `idleTimeoutMs`.
 */
import { VeloError } from '../../jsonrpc/errors.js';

/** How the pool makes, checks and closes connections. */
export interface PoolFactory<C> {
  /** Opens a connection for `principal`. */
  create(principal: string): Promise<C>;
  /** Closes a connection (errors are ignored). */
  destroy(connection: C): Promise<void>;
  /** False once a connection is known dead (cheap, synchronous). Default: always alive. */
  isAlive?(connection: C): boolean;
  /** A health check (e.g. `ping`) run on an idle connection before reuse; false or a rejection discards it. */
  check?(connection: C): Promise<boolean>;
}

/** Options of {@link ConnectionPool}. Times are in milliseconds. */
export interface PoolOptions {
  /** Most connections open at once, leased and idle together (default 10). */
  max?: number;
  /** Idle connections older than this are closed (default 30 000). */
  idleTimeoutMs?: number;
  /** Idle connections unused for longer than this are health-checked before reuse (default 5000). */
  checkAfterMs?: number;
  /** Longest wait for a connection when the pool is full (default 10 000). */
  acquireTimeoutMs?: number;
}

/** Counters of a pool (seed 004: size, max, hits, misses, hit rate). */
export interface PoolStats {
  size: number;
  max: number;
  idle: number;
  leased: number;
  waiting: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before the first acquire. */
  hitRate: number;
  created: number;
  destroyed: number;
  /** Connections closed by idle expiry or to make room for another principal. */
  evicted: number;
  /** Connections discarded because they were dead or failed their health check. */
  failedChecks: number;
}

/** An exclusive hold on one connection; call `release` exactly once. */
export interface Lease<C> {
  readonly connection: C;
  readonly principal: string;
  /** Returns the connection to the pool, or closes it when `discard` is true (e.g. after a transport error). */
  release(discard?: boolean): void;
}

interface Slot<C> {
  connection: C;
  principal: string;
  idleSince: number;
}

interface Waiter {
  wake: () => void;
}

/** See the module comment. */
export class ConnectionPool<C> {
  readonly #factory: PoolFactory<C>;
  readonly #max: number;
  readonly #idleTimeoutMs: number;
  readonly #checkAfterMs: number;
  readonly #acquireTimeoutMs: number;
  /** Idle connections per principal, most recently released last. */
  readonly #idle = new Map<string, Slot<C>[]>();
  readonly #waiters: Waiter[] = [];
  #size = 0;
  #idleCount = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #hits = 0;
  #misses = 0;
  #created = 0;
  #destroyed = 0;
  #evicted = 0;
  #failedChecks = 0;

  /** @param factory - How to make connections. @param options - See {@link PoolOptions}. */
  constructor(factory: PoolFactory<C>, options: PoolOptions = {}) {
    this.#factory = factory;
    this.#max = options.max ?? 10;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new VeloError('VELO_INVALID_CONFIG', 'pool max must be a positive integer');
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#checkAfterMs = options.checkAfterMs ?? 5000;
    this.#acquireTimeoutMs = options.acquireTimeoutMs ?? 10_000;
  }

  /** Counters and sizes now. */
  get stats(): PoolStats {
    const total = this.#hits + this.#misses;
    return {
      size: this.#size,
      max: this.#max,
      idle: this.#idleCount,
      leased: this.#size - this.#idleCount,
      waiting: this.#waiters.length,
      hits: this.#hits,
      misses: this.#misses,
      hitRate: total === 0 ? 0 : this.#hits / total,
      created: this.#created,
      destroyed: this.#destroyed,
      evicted: this.#evicted,
      failedChecks: this.#failedChecks,
    };
  }

  /**
   * Leases a connection for `principal`.
   * @throws VeloError `VELO_POOL_CLOSED` after `close()`, `VELO_POOL_TIMEOUT` when none came free in time,
   *   `VELO_REQUEST_CANCELLED` when `signal` aborted; whatever the factory's `create` threw.
   */
  async acquire(principal: string, signal?: AbortSignal): Promise<Lease<C>> {
    const deadline = Date.now() + this.#acquireTimeoutMs;
    for (;;) {
      if (this.#closed) throw new VeloError('VELO_POOL_CLOSED', 'The connection pool is closed');
      if (signal?.aborted) throw new VeloError('VELO_REQUEST_CANCELLED', 'Cancelled while waiting for a connection');
      const reused = await this.#takeIdle(principal);
      if (reused) {
        this.#hits++;
        return this.#lease(reused, principal);
      }
      if (this.#size < this.#max || this.#evictOther(principal)) {
        this.#misses++;
        this.#size++;
        let connection: C;
        try {
          connection = await this.#factory.create(principal);
        } catch (err) {
          this.#size--;
          this.#wakeOne();
          throw err;
        }
        this.#created++;
        if (this.#closed) {
          this.#drop(connection);
          throw new VeloError('VELO_POOL_CLOSED', 'The connection pool is closed');
        }
        return this.#lease(connection, principal);
      }
      await this.#wait(deadline, signal);
    }
  }

  /** Closes idle connections and refuses new leases; leased ones close when released. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const all: Promise<void>[] = [];
    for (const slots of this.#idle.values()) for (const s of slots) all.push(this.#destroy(s.connection));
    this.#idle.clear();
    this.#idleCount = 0;
    for (const w of this.#waiters.splice(0)) w.wake();
    await Promise.all(all);
  }

  #lease(connection: C, principal: string): Lease<C> {
    let released = false;
    return {
      connection,
      principal,
      release: (discard = false) => {
        if (released) return;
        released = true;
        const alive = this.#factory.isAlive?.(connection) ?? true;
        if (discard || !alive || this.#closed) {
          if (!alive) this.#failedChecks++;
          this.#drop(connection);
          return;
        }
        let slots = this.#idle.get(principal);
        if (!slots) this.#idle.set(principal, (slots = []));
        slots.push({ connection, principal, idleSince: Date.now() });
        this.#idleCount++;
        this.#arm();
        this.#wakeOne();
      },
    };
  }

  async #takeIdle(principal: string): Promise<C | undefined> {
    const slots = this.#idle.get(principal);
    while (slots && slots.length > 0) {
      const slot = slots.pop()!;
      this.#idleCount--;
      if (slots.length === 0) this.#idle.delete(principal);
      if (!(this.#factory.isAlive?.(slot.connection) ?? true)) {
        this.#failedChecks++;
        this.#drop(slot.connection);
        continue;
      }
      if (this.#factory.check && Date.now() - slot.idleSince >= this.#checkAfterMs) {
        const ok = await this.#factory.check(slot.connection).catch(() => false);
        if (!ok) {
          this.#failedChecks++;
          this.#drop(slot.connection);
          continue;
        }
      }
      return slot.connection;
    }
    return undefined;
  }

  /** Closes the oldest idle connection of another principal to make room; true when one was closed. */
  #evictOther(principal: string): boolean {
    let oldest: Slot<C> | undefined;
    for (const [p, slots] of this.#idle) if (p !== principal && slots[0] && (!oldest || slots[0].idleSince < oldest.idleSince)) oldest = slots[0];
    if (!oldest) return false;
    const slots = this.#idle.get(oldest.principal)!;
    slots.shift();
    if (slots.length === 0) this.#idle.delete(oldest.principal);
    this.#idleCount--;
    this.#evicted++;
    this.#size--;
    void this.#destroy(oldest.connection);
    return true;
  }

  #drop(connection: C): void {
    this.#size--;
    void this.#destroy(connection);
    this.#wakeOne();
  }

  async #destroy(connection: C): Promise<void> {
    this.#destroyed++;
    try {
      await this.#factory.destroy(connection);
    } catch {
      // A connection that fails to close is gone either way.
    }
  }

  #wakeOne(): void {
    this.#waiters.shift()?.wake();
  }

  #wait(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new VeloError('VELO_REQUEST_CANCELLED', 'Cancelled while waiting for a connection'));
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new VeloError('VELO_POOL_TIMEOUT', `No upstream connection came free within ${this.#acquireTimeoutMs} ms (pool max ${this.#max})`));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const remove = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      const timer = setTimeout(() => {
        remove();
        signal?.removeEventListener('abort', onAbort);
        reject(new VeloError('VELO_POOL_TIMEOUT', `No upstream connection came free within ${this.#acquireTimeoutMs} ms (pool max ${this.#max})`));
      }, left);
      const onAbort = (): void => {
        remove();
        clearTimeout(timer);
        reject(new VeloError('VELO_REQUEST_CANCELLED', 'Cancelled while waiting for a connection'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Starts the idle sweep while there are idle connections. */
  #arm(): void {
    if (this.#timer || this.#closed) return;
    const every = Math.max(10, Math.min(5000, Math.floor(this.#idleTimeoutMs / 2)));
    this.#timer = setInterval(() => this.#sweep(), every);
    this.#timer.unref();
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#idleTimeoutMs;
    for (const [p, slots] of this.#idle) {
      while (slots[0] && slots[0].idleSince <= cutoff) {
        const s = slots.shift()!;
        this.#idleCount--;
        this.#evicted++;
        this.#drop(s.connection);
      }
      if (slots.length === 0) this.#idle.delete(p);
    }
    if (this.#idleCount === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
