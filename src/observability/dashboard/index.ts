/**
 * `velomcp/dashboard`: the live dashboard and the per-second statistics behind it.
 * @packageDocumentation
 */
export { serveDashboard, type DashboardHandle, type DashboardOptions } from './server.js';
export { LiveStats, type LiveStatsOptions, type Percentiles, type Snapshot } from './stats.js';
