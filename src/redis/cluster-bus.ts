/**
 * A {@link ClusterBus} on Redis pub/sub: each node subscribes to its own channel (`<prefix>node:<id>`) and
 * to the broadcast channel (`<prefix>nodes:all`); a message is one `PUBLISH` of `{"f":from,"m":message}`.
 * Redis keeps the order of one connection's publishes, so delivery is in order per sender→receiver pair;
 * a node drops its own broadcasts; a message to a node that is not subscribed is dropped by Redis.
 *
 * Liveness: live nodes are listed in `<prefix>nodes`; every `nodeCheckIntervalMs` each node asks Redis how
 * many subscribers the others' channels have (`PUBSUB NUMSUB`, one command). A node killed with SIGKILL
 * loses its subscriber socket at once, so after two checks in a row without a subscriber it is reported
 * down to {@link RedisClusterBus.onNodeDown} listeners. The node that finds it dead removes it from the
 * registry and tells the others on the broadcast channel (they no longer see it listed), so every node hears
 * of it once. A node closing cleanly says goodbye on the broadcast channel. After a Redis outage, checks pause for three intervals while nodes resubscribe.
 */
import { ALL_NODES, type ClusterBus, type ClusterListener, type ClusterMessage, type NodeId } from '../cluster/types.js';
import type { RedisConnection } from './connection.js';
import { pubsubOf } from './pubsub.js';

/** Options of {@link RedisClusterBus.open}. */
export interface RedisClusterBusOptions {
  connection: RedisConnection;
  nodeId: NodeId;
  /** How often other nodes' liveness is checked, in ms (default 1000). */
  nodeCheckIntervalMs?: number;
}

interface Envelope {
  f: NodeId;
  m?: ClusterMessage;
  /** A clean goodbye. */
  bye?: true;
  /** `f` found this node dead (its channel lost its subscriber) and removed it from the registry. */
  down?: NodeId;
}

/** See the module comment. Create with {@link RedisClusterBus.open}. */
export class RedisClusterBus implements ClusterBus {
  readonly nodeId: NodeId;
  readonly #conn: RedisConnection;
  readonly #listeners = new Set<ClusterListener>();
  readonly #down = new Set<(node: NodeId) => void>();
  readonly #strikes = new Map<NodeId, number>();
  /** Nodes reported down and not seen alive since (each is reported once). */
  readonly #gone = new Set<NodeId>();
  readonly #registry: string;
  readonly #interval: number;
  #offs: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #graceUntil = 0;
  #closed = false;

  private constructor(options: RedisClusterBusOptions) {
    this.#conn = options.connection;
    this.nodeId = options.nodeId;
    this.#registry = this.#conn.key('nodes');
    this.#interval = options.nodeCheckIntervalMs ?? 1000;
  }

  /** Subscribes this node's channels and registers it; resolves once messages to it are delivered. */
  static async open(options: RedisClusterBusOptions): Promise<RedisClusterBus> {
    const bus = new RedisClusterBus(options);
    const ps = pubsubOf(bus.#conn);
    const onMessage = (text: string): void => bus.#receive(text);
    bus.#offs.push(await ps.subscribe(bus.#channel(bus.nodeId), onMessage), await ps.subscribe(bus.#channel(ALL_NODES), onMessage));
    await bus.#conn.run((c) => c.sadd(bus.#registry, bus.nodeId));
    bus.#offs.push(
      bus.#conn.onStateChange((up) => {
        if (!up) return;
        bus.#graceUntil = Date.now() + 3 * bus.#interval;
        bus.#strikes.clear();
        bus.#conn.run((c) => c.sadd(bus.#registry, bus.nodeId)).catch(() => undefined);
      }),
    );
    bus.#timer = setInterval(() => void bus.#check(), bus.#interval);
    bus.#timer.unref();
    return bus;
  }

  #channel(node: NodeId | typeof ALL_NODES): string {
    return this.#conn.key(node === ALL_NODES ? 'nodes:all' : `node:${node}`);
  }

  #receive(text: string): void {
    let env: Envelope;
    try {
      env = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (typeof env !== 'object' || env === null || typeof env.f !== 'string' || env.f === this.nodeId) return;
    if (env.bye) {
      this.#nodeDown(env.f);
      return;
    }
    if (typeof env.down === 'string') {
      // Whoever saw it first removed it from the registry, so the others would not see it any more: tell them.
      if (env.down !== this.nodeId) this.#nodeDown(env.down);
      return;
    }
    this.#gone.delete(env.f);
    if (typeof env.m !== 'object' || env.m === null) return;
    for (const l of [...this.#listeners]) {
      try {
        l(env.m, env.f);
      } catch {
        // One failing listener must not starve the others.
      }
    }
  }

  /** Publishes to one node or to every other node. @throws VeloError `VELO_BACKEND_UNAVAILABLE` while Redis is away. */
  async send(to: NodeId | typeof ALL_NODES, message: ClusterMessage): Promise<void> {
    await pubsubOf(this.#conn).publish(this.#channel(to), JSON.stringify({ f: this.nodeId, m: message }));
  }

  subscribe(listener: ClusterListener): () => void {
    const entry: ClusterListener = (m, f) => listener(m, f);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  onNodeDown(listener: (node: NodeId) => void): () => void {
    const entry = (n: NodeId): void => listener(n);
    this.#down.add(entry);
    return () => void this.#down.delete(entry);
  }

  #nodeDown(node: NodeId): void {
    this.#strikes.delete(node);
    if (this.#gone.has(node)) return;
    this.#gone.add(node);
    for (const l of [...this.#down]) {
      try {
        l(node);
      } catch {
        // One failing listener must not starve the others.
      }
    }
  }

  /** One liveness round (see the module comment). */
  async #check(): Promise<void> {
    if (this.#closed || !this.#conn.up || Date.now() < this.#graceUntil) return;
    try {
      const others = (await this.#conn.run((c) => c.smembers(this.#registry))).filter((n) => n !== this.nodeId);
      if (others.length === 0) return;
      const counts = (await this.#conn.run((c) => c.call('PUBSUB', 'NUMSUB', ...others.map((n) => this.#channel(n))))) as (string | number)[];
      others.forEach((node, i) => {
        if (Number(counts[2 * i + 1]) > 0) {
          this.#strikes.delete(node);
          this.#gone.delete(node);
          return;
        }
        const s = (this.#strikes.get(node) ?? 0) + 1;
        this.#strikes.set(node, s);
        if (s >= 2) {
          this.#conn.run((c) => c.srem(this.#registry, node)).catch(() => undefined);
          pubsubOf(this.#conn)
            .publish(this.#channel(ALL_NODES), JSON.stringify({ f: this.nodeId, down: node }))
            .catch(() => undefined);
          this.#nodeDown(node);
        }
      });
    } catch {
      // Redis went away mid-check; the next round retries.
    }
  }

  /** Says goodbye, leaves the registry and stops listening (idempotent; the connection stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      await this.#conn.run((c) => c.srem(this.#registry, this.nodeId));
      await pubsubOf(this.#conn).publish(this.#channel(ALL_NODES), JSON.stringify({ f: this.nodeId, bye: true }));
    } catch {
      // Redis is away: the others will see the channel without subscribers.
    }
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#listeners.clear();
  }
}
