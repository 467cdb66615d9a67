/**
 * Channels over Redis pub/sub on the connection's subscriber client, shared by everything in the tier (the
 * notification bus, node-addressed routing, cache invalidation). A channel is subscribed in Redis while it
 * has at least one local handler. Delivery is at most once: a message published while a node is
 * disconnected is lost to it, which is why caches resynchronise on {@link RedisConnection.onStateChange}.
 */
import type { RedisConnection } from './connection.js';

type Handler = (message: string) => void;

/** See the module comment. Get the one of a connection with {@link pubsubOf}. */
export class RedisPubSub {
  readonly #conn: RedisConnection;
  readonly #channels = new Map<string, Set<Handler>>();
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(conn: RedisConnection) {
    this.#conn = conn;
    conn.subscriber.on('message', (channel: string, message: string) => {
      const hs = this.#channels.get(channel);
      if (!hs) return;
      for (const h of [...hs]) {
        try {
          h(message);
        } catch {
          // One failing handler must not starve the others.
        }
      }
    });
  }

  /**
   * Adds a handler of `channel` (full name, prefix included); resolves once Redis confirmed the
   * subscription, so a message published after that is delivered. Returns the function that removes it.
   */
  async subscribe(channel: string, handler: Handler): Promise<() => void> {
    let hs = this.#channels.get(channel);
    const entry: Handler = (m) => handler(m);
    if (!hs) {
      hs = new Set();
      this.#channels.set(channel, hs);
      this.#pending.set(channel, this.#conn.subscriber.subscribe(channel));
    }
    hs.add(entry);
    await this.#pending.get(channel);
    return () => {
      const set = this.#channels.get(channel);
      if (!set?.delete(entry) || set.size > 0) return;
      this.#channels.delete(channel);
      this.#pending.delete(channel);
      this.#conn.subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Publishes on `channel`; resolves with the number of Redis subscribers (nodes) that received it. */
  async publish(channel: string, message: string): Promise<number> {
    return this.#conn.run((c) => c.publish(channel, message));
  }
}

const byConnection = new WeakMap<RedisConnection, RedisPubSub>();

/** The {@link RedisPubSub} of a connection (one per connection). */
export function pubsubOf(conn: RedisConnection): RedisPubSub {
  let p = byConnection.get(conn);
  if (!p) {
    p = new RedisPubSub(conn);
    byConnection.set(conn, p);
  }
  return p;
}
