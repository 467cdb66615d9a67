/**
 * Options of the load scenarios, their defaults, and validation (a bad value is a clear error).
 */
import type { ScenarioName } from './report.js';
import { SCENARIOS } from './report.js';

/** What `runLoadScenario(name, options)` accepts. Units: seconds (`...S`), requests per second (`rate`). */
export interface LoadOptions {
  /** Attach to a running server at `http://127.0.0.1:PORT/mcp` instead of starting one (no memory readings then). */
  url?: string;
  /** Server module to start with `velomcp serve <module> --http` (default: the compiled reference server). */
  module?: string;
  /** Scenario length in seconds (sustained/burst/fanout: the schedule; idle: how long the connections are held). Default 60. */
  durationS?: number;
  /** Sustained arrival rate, requests/s (burst runs 2x this for `burstS`). Default 300. */
  rate?: number;
  /** Directory to write `<scenario>.json` and `<scenario>.html` into (created). */
  out?: string;
  /** Base name of the files in `out` (default: the scenario name). */
  name?: string;
  /** Progress bars on stderr (only drawn on a TTY). Default true. */
  progress?: boolean;
  /** Bound on requests in flight; more are dropped and counted. Default 256. */
  maxOutstanding?: number;
  /** Keep-alive sockets for the request traffic. Default 16. */
  connections?: number;
  /** Legacy sessions the calls are spread over (round robin). Default 4. */
  sessions?: number;
  /** Tool called by sustained/burst. Default `test_header_echo` (the reference server's echo). */
  tool?: string;
  /** Its arguments. Default `{ region: 'eu-west' }`. */
  args?: unknown;
  /** Burst length, seconds (at 2x rate). Default 10. */
  burstS?: number;
  /** Fanout: subscribed sessions. Default 50. */
  subscribers?: number;
  /** Fanout: resource updates per second. Default 100. */
  updateHz?: number;
  /** Idle: connections to open (each a session with its GET stream). Default 1000. */
  idleConnections?: number;
}

/** Options with every default applied. */
export type ResolvedOptions = Required<Omit<LoadOptions, 'url' | 'module' | 'out' | 'name'>> & Pick<LoadOptions, 'url' | 'module' | 'out' | 'name'>;

const positive = (what: string, v: number, integer: boolean): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  }
  return v;
};

/**
 * Checks the scenario name and options and applies the defaults.
 * @throws Error naming the bad option (unknown scenario, non-positive or non-integer counts, both url and module).
 */
export function resolveOptions(name: string, o: LoadOptions): { scenario: ScenarioName; options: ResolvedOptions } {
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown load scenario ${JSON.stringify(name)}: choose one of ${SCENARIOS.join(', ')}`);
  if (o.url !== undefined && o.module !== undefined) throw new Error('give either url (attach) or module (start), not both');
  const options: ResolvedOptions = {
    durationS: positive('durationS', o.durationS ?? 60, false),
    rate: positive('rate', o.rate ?? 300, false),
    progress: o.progress ?? true,
    maxOutstanding: positive('maxOutstanding', o.maxOutstanding ?? 256, true),
    connections: positive('connections', o.connections ?? 16, true),
    sessions: positive('sessions', o.sessions ?? 4, true),
    tool: o.tool ?? 'test_header_echo',
    args: o.args ?? { region: 'eu-west' },
    burstS: positive('burstS', o.burstS ?? 10, false),
    subscribers: positive('subscribers', o.subscribers ?? 50, true),
    updateHz: positive('updateHz', o.updateHz ?? 100, false),
    idleConnections: positive('idleConnections', o.idleConnections ?? 1000, true),
    ...(o.url === undefined ? {} : { url: o.url }),
    ...(o.module === undefined ? {} : { module: o.module }),
    ...(o.out === undefined ? {} : { out: o.out }),
    ...(o.name === undefined ? {} : { name: o.name }),
  };
  if (name === 'burst' && options.durationS < options.burstS + 10) throw new Error(`burst needs durationS >= burstS + 10 (warm-up and recovery), got ${options.durationS} with burstS ${options.burstS}`);
  if (name === 'idle' && options.idleConnections > 18_000) throw new Error(`idleConnections ${options.idleConnections} exceeds what 20,000 file descriptors allow here (at most 18000)`);
  return { scenario: name as ScenarioName, options };
}
