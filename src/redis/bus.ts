/**
 * A {@link NotificationBus} on Redis pub/sub: one channel (`<prefix>bus`) that every node serving the same
 * server subscribes to, so a list change or resource update published on any node reaches the sessions of
 * every node, this one included (the publisher hears its own events back through Redis, so every node sees
 * them in the same order). Delivery is at most once per connected node.
 */
import type { BusEvent, NotificationBus } from '../transports/http/stores.js';
import type { RedisConnection } from './connection.js';
import { pubsubOf, type RedisPubSub } from './pubsub.js';

/** Options of {@link RedisNotificationBus}. */
export interface RedisNotificationBusOptions {
  /** The connection (see `connectRedis`); not closed by the bus. */
  connection: RedisConnection;
  /** Channel name under the prefix (default `bus`). */
  channel?: string;
}

const KINDS = new Set(['tools', 'prompts', 'resources']);

/** Parses a bus message; undefined for anything that is not a well-formed {@link BusEvent}. */
export function parseBusEvent(text: string): BusEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  if (e.type === 'listChanged' && typeof e.kind === 'string' && KINDS.has(e.kind)) return { type: 'listChanged', kind: e.kind as 'tools' };
  if (e.type === 'resourceUpdated' && typeof e.uri === 'string') return { type: 'resourceUpdated', uri: e.uri };
  return undefined;
}

/** See the module comment. */
export class RedisNotificationBus implements NotificationBus {
  readonly #pubsub: RedisPubSub;
  readonly #channel: string;

  /** @param options - See {@link RedisNotificationBusOptions}. */
  constructor(options: RedisNotificationBusOptions) {
    this.#pubsub = pubsubOf(options.connection);
    this.#channel = options.connection.key(options.channel ?? 'bus');
  }

  /** Publishes to every node. @throws VeloError `VELO_BACKEND_UNAVAILABLE` while Redis is unreachable. */
  async publish(event: BusEvent): Promise<void> {
    await this.#pubsub.publish(this.#channel, JSON.stringify(event));
  }

  /** Subscribes (resolves once Redis confirmed it); returns the unsubscribe function. */
  subscribe(listener: (event: BusEvent) => void): Promise<() => void> {
    return this.#pubsub.subscribe(this.#channel, (text) => {
      const e = parseBusEvent(text);
      if (e) listener(e);
    });
  }
}
