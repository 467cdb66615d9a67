/** Tracing subscribed with no SDK installed: the @opentelemetry/api no-op tracer and propagator. */
import { McpTracing } from '../../../src/observability/tracing.js';
import { serveEcho } from './base.js';

await serveEcho(() => void new McpTracing());
