/**
 * The disk result cache backend on SQLite (better-sqlite3 12, an optional peer dependency loaded on first use).
 * One table per namespace; expired rows are skipped on read and purged on write every `purgeEveryMs`.
 */
import { createRequire } from 'node:module';
import { VeloError } from '../../jsonrpc/errors.js';
import type { CacheBackend } from './types.js';

/** Options of {@link SqliteCacheBackend}. */
export interface SqliteCacheOptions {
  /** Database file; `:memory:` for a private in-memory database. */
  path: string;
  /** Table name (letters, digits, underscores; default `velomcp_result_cache`). */
  table?: string;
  /** How often expired rows are deleted, in milliseconds (default 60 000). */
  purgeEveryMs?: number;
}

interface Statement {
  get(...args: unknown[]): unknown;
  run(...args: unknown[]): unknown;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  close(): void;
}

/**
 * Loads better-sqlite3. @throws VeloError `VELO_INVALID_CONFIG` naming the package when it is not installed
 * (an optional peer dependency with a native build: install it to use this backend).
 */
function openDatabase(path: string): Database {
  let Ctor: new (path: string) => Database;
  try {
    Ctor = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => Database;
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `The SQLite cache backend needs the optional peer dependency better-sqlite3 (npm install better-sqlite3@12): ${(err as Error).message}`, { cause: err });
  }
  return new Ctor(path);
}

/** See the module comment. */
export class SqliteCacheBackend implements CacheBackend {
  readonly name = 'sqlite';
  readonly #db: Database;
  readonly #get: Statement;
  readonly #set: Statement;
  readonly #delete: Statement;
  readonly #clear: Statement;
  readonly #purge: Statement;
  readonly #purgeEveryMs: number;
  #lastPurge = Date.now();
  #closed = false;

  /**
   * @param options - File and table; see {@link SqliteCacheOptions}.
   * @throws VeloError `VELO_INVALID_CONFIG` for a bad table name or a missing better-sqlite3.
   */
  constructor(options: SqliteCacheOptions) {
    const table = options.table ?? 'velomcp_result_cache';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new VeloError('VELO_INVALID_CONFIG', `Invalid SQLite table name ${JSON.stringify(table)}`);
    this.#db = openDatabase(options.path);
    if (options.path !== ':memory:') this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER NOT NULL)`);
    this.#get = this.#db.prepare(`SELECT value FROM ${table} WHERE key = ? AND expires > ?`);
    this.#set = this.#db.prepare(`INSERT INTO ${table} (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires`);
    this.#delete = this.#db.prepare(`DELETE FROM ${table} WHERE key = ?`);
    this.#clear = this.#db.prepare(`DELETE FROM ${table}`);
    this.#purge = this.#db.prepare(`DELETE FROM ${table} WHERE expires <= ?`);
    this.#purgeEveryMs = options.purgeEveryMs ?? 60_000;
  }

  async get(key: string): Promise<string | undefined> {
    this.#open();
    const row = this.#get.get(key, Date.now()) as { value: string } | undefined;
    return row?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#open();
    const now = Date.now();
    this.#set.run(key, value, now + ttlMs);
    if (now - this.#lastPurge >= this.#purgeEveryMs) {
      this.#lastPurge = now;
      this.#purge.run(now);
    }
  }

  async delete(key: string): Promise<void> {
    this.#open();
    this.#delete.run(key);
  }

  async clear(): Promise<void> {
    this.#open();
    this.#clear.run();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new VeloError('VELO_CONNECTION_CLOSED', 'The SQLite cache backend is closed');
  }
}
