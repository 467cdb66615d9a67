/**
 * Request logs: one pino JSON line per request, arguments hidden unless opted in, errors at the error level,
 * and handlers' ctx.log bridged when asked.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { McpClient, InMemoryClientTransport } from '../../src/client/index.js';
import { RequestLogger, REDACTED } from '../../src/observability/logging.js';
import { INFO, observedServer } from './helpers.js';

/** A pino logger writing into an array of raw lines. */
function capture(level: pino.Level = 'info'): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line);
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Lines are written synchronously by pino to a sync stream; give the event loop one turn. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('request logs', () => {
  test('every request is one JSON line with method, target, ids, duration and outcome; arguments are redacted by default', async () => {
    const { logger, lines } = capture();
    const log = new RequestLogger({ logger });
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(new InMemoryClientTransport(observedServer()));
    await client.callTool({ name: 'echo', arguments: { text: 'my-password-123' } });
    await client.callTool({ name: 'fails' });
    await assert.rejects(client.callTool({ name: 'refuses' }));
    await client.close();
    log.close();
    await settle();
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, 3, lines.join('\n'));
    const [ok, toolError, refused] = records as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    assert.equal(ok.msg, 'mcp request');
    assert.equal(ok.level, 30);
    assert.equal(ok.method, 'tools/call');
    assert.equal(ok.target, 'echo');
    assert.equal(ok.era, 'legacy');
    assert.equal(ok.protocolVersion, '2025-11-25');
    assert.equal(ok.transport, 'memory');
    assert.equal(ok.outcome, 'ok');
    assert.equal(typeof ok.requestId, 'number');
    assert.ok(typeof ok.durationMs === 'number' && ok.durationMs >= 0);
    assert.equal(ok.arguments, REDACTED);
    for (const line of lines) assert.ok(!line.includes('my-password-123'), 'no line holds the argument value');
    assert.equal(toolError.level, 40, 'a tool error logs at warn');
    assert.equal(toolError.outcome, 'tool_error');
    assert.equal(toolError.errorType, 'tool_error');
    assert.equal(refused.outcome, 'error');
    assert.equal(refused.errorType, '-32602');
    assert.equal(refused.errorMessage, 'Invalid params: refused');
  });

  test('logArguments: true logs arguments as given; a level above info drops ok lines', async () => {
    const shown = capture();
    const quiet = capture('warn');
    const a = new RequestLogger({ logger: shown.logger, logArguments: true });
    const b = new RequestLogger({ logger: quiet.logger });
    const client = new McpClient(INFO, { era: { pin: '2026-07-28' } });
    await client.connect(new InMemoryClientTransport(observedServer()));
    await client.callTool({ name: 'echo', arguments: { text: 'visible' } });
    await client.callTool({ name: 'fails' });
    await client.close();
    a.close();
    b.close();
    await settle();
    const echo = shown.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.target === 'echo');
    assert.deepEqual(echo?.arguments, { text: 'visible' });
    assert.equal(echo?.sessionId, undefined, 'no session for 2026-07-28 traffic');
    assert.deepEqual(quiet.lines.map((l) => (JSON.parse(l) as { target: string }).target), ['fails']);
  });

  test('bridgeMcpLogging sends handlers\' ctx.log messages to the logger, mapped onto pino levels', async () => {
    const { logger, lines } = capture('debug');
    const log = new RequestLogger({ logger, bridgeMcpLogging: true });
    const server = observedServer();
    server.registerTool('chatty', { inputSchema: { type: 'object', properties: {} } }, (_a, ctx) => {
      ctx.log('warning', { disk: 'low' }, 'storage');
      return { content: [] };
    });
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(new InMemoryClientTransport(server));
    await client.callTool({ name: 'chatty' });
    await client.close();
    log.close();
    await settle();
    const bridged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.msg === 'mcp log');
    assert.ok(bridged, lines.join('\n'));
    assert.equal(bridged.level, 40);
    assert.equal(bridged.mcpLevel, 'warning');
    assert.equal(bridged.logger, 'storage');
    assert.deepEqual(bridged.data, { disk: 'low' });
  });
});
