/** pino request logs at info, one JSON line per call, written to /dev/null (serialisation and write cost). */
import { pino } from 'pino';
import { RequestLogger } from '../../../src/observability/logging.js';
import { serveEcho } from './base.js';

await serveEcho(() => void new RequestLogger({ logger: pino(pino.destination({ dest: '/dev/null', sync: false })) }));
