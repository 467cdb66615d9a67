/** prom-client metrics subscribed (default process metrics included, as `velomcp serve --metrics` does). */
import { McpMetrics } from '../../../src/observability/metrics.js';
import { serveEcho } from './base.js';

await serveEcho(() => void new McpMetrics());
