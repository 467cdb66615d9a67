/** No-op subscribers on every channel: the cost of the seam itself (event objects, WeakMap, publish). */
import { subscribe } from '../../../src/observability/channels.js';
import { serveEcho } from './base.js';

const noop = (): void => {};
await serveEcho(() => void subscribe({ requestStart: noop, requestEnd: noop, requestRejected: noop, sessionOpen: noop, sessionClose: noop, connectionOpen: noop, connectionClose: noop, fanout: noop, log: noop }));
