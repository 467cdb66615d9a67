/**
 * `velomcp/orchestration`: lazy tool categories with progressive discovery and BM25 tool search, mounting and
 * proxying upstream MCP servers with per-principal connection pools, circuit breakers, retries, timeouts and
 * bulkheads, `dispatchParallel`, and a tool result cache (memory and SQLite here; Redis at
 * `velomcp/orchestration/redis`). See docs/orchestration.md.
 * @packageDocumentation
 */
export { ToolCategories, type ToolCategoriesOptions, type ToolSearchResult } from './categories/categories.js';
export { ToolCategory, type CategoryTool, type CategoryLoader, type CategoryLoadResult, type CategoryOptions, type CategoryState, type SchemaCacheInfo } from './categories/category.js';
export { ToolSearchIndex, type ToolSearchHit } from './search/index.js';
export { mount, Mount, type MountOptions, type MountStats } from './mount/mount.js';
export { UpstreamConnection, describeTarget, type UpstreamTarget, type UpstreamConnectOptions } from './mount/upstream.js';
export { ConnectionPool, type PoolFactory, type PoolOptions, type PoolStats, type Lease } from './pool/pool.js';
export { UpstreamPolicy, isUpstreamFailure, type BreakerState, type ResilienceOptions, type PolicyEvents } from './resilience/policy.js';
export { ToolBreakers, ToolCircuitOpenError, type ToolBreakerOptions, type ToolBreakerStats } from './resilience/tool-breakers.js';
export { dispatchParallel, type ParallelCall, type ParallelOutcome, type DispatchOptions, type ToolCaller } from './dispatch/parallel.js';
export { ResultCache, canonicalJson, resolveCachePolicy, type ResultCacheOptions, type ResultCacheStats, type ToolCachePolicy } from './cache/result-cache.js';
export type { CacheBackend } from './cache/types.js';
export { MemoryCacheBackend, type MemoryCacheOptions } from './cache/memory.js';
export { SqliteCacheBackend, type SqliteCacheOptions } from './cache/sqlite.js';
export { createGateway, type GatewayConfig, type Gateway } from './proxy/gateway.js';
