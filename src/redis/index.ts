/**
 * `velomcp/redis`: the Redis tier (ioredis), behind its own subpath so that other imports never load a Redis
 * client. Connect once with {@link connectRedis}, then give the stores to the HTTP transport:
 *
 * ```ts
 * import { serveHttp } from 'velomcp/http';
 * import { connectRedis, RedisSessionStore, RedisEventStore, RedisNotificationBus } from 'velomcp/redis';
 * const connection = await connectRedis('redis://127.0.0.1:6379/0');
 * await serveHttp(server, {
 *   sessionStore: new RedisSessionStore({ connection }),
 *   eventStore: new RedisEventStore({ connection }),
 *   bus: new RedisNotificationBus({ connection }),
 * });
 * ```
 *
 * For several processes or machines serving one endpoint with no sticky sessions, open one node of the
 * cluster backend per process instead: `await redisBackend({ url, nodeId })` (see `velomcp/cluster`).
 * What each piece guarantees is in `docs/scaling.md`.
 * @packageDocumentation
 */
export { connectRedis, parseRedisUrl, redactRedisUrl, RedisConnection, type RedisConnectionOptions } from './connection.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './session-store.js';
export { RedisEventStore, type RedisEventStoreOptions } from './event-store.js';
export { RedisNotificationBus, parseBusEvent, type RedisNotificationBusOptions } from './bus.js';
export { RedisPubSub, pubsubOf } from './pubsub.js';
export { RedisTaskStore, type RedisTaskStoreOptions } from './task-store.js';
export { RedisClusterBus, type RedisClusterBusOptions } from './cluster-bus.js';
export { redisBackend, type RedisBackendOptions, type RedisClusterBackend } from './backend.js';
