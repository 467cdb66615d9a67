/**
 * `velomcp/observability`: the diagnostics-channel seam (no dependencies), health endpoints and the small
 * routes listener. Metrics (`velomcp/metrics`), tracing (`velomcp/tracing`), logs (`velomcp/logging`) and the
 * dashboard (`velomcp/dashboard`) live behind their own subpaths so each pulls in only its own library.
 * @packageDocumentation
 */
export {
  channels,
  subscribe,
  type ChannelMessages,
  type ChannelName,
  type ClientRequestEvent,
  type ConnectionEvent,
  type FanoutEvent,
  type HandlerLogEvent,
  type QueueEvent,
  type BreakerEvent,
  type CacheEvent,
  type RejectedMessageEvent,
  type RequestOutcome,
  type ServerRequestEvent,
  type SessionEvent,
  type Subscribers,
} from './channels.js';
export { healthRoutes, readiness, storeReachable, type HealthOptions, type ReadinessCheck, type ReadinessReport } from './health.js';
export { serveRoutes, type RoutesListener, type RoutesListenerOptions } from './listener.js';
export { Attr, DURATION_BUCKETS, errorTypeOf, networkOf } from './semconv.js';
