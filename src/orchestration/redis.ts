/**
 * `velomcp/orchestration/redis`: the Redis result cache backend (ioredis), kept behind its own subpath so
 * importing `velomcp/orchestration` does not load a Redis client.
 * @packageDocumentation
 */
export { RedisCacheBackend, type RedisCacheOptions } from './cache/redis.js';
