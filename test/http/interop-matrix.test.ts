/**
 * Interop matrix: the official SDK clients against the velomcp reference server (`createEverythingServer()`)
 * over HTTP on 127.0.0.1, one describe per mode, each covering tools (call and a validation failure),
 * resources (read and template), subscriptions, prompts, progress, cancellation and server→client input.
 *
 * | mode | client | subscriptions | input |
 * |---|---|---|---|
 * | legacy sessions | v1 `StreamableHTTPClientTransport` | `resources/subscribe`, updates on the GET stream | requests on the POST stream |
 * | legacy stateless (`sessions: false`) | v1 `StreamableHTTPClientTransport` | none: no channel; not advertised, -32601 | requests on the POST stream, answers routed by id |
 * | modern (2026-07-28) | v2 client pinned | `subscriptions/listen` | MRTR (`input_required` + retry) |
 * | HTTP+SSE (`legacySse`) | v1 `SSEClientTransport` | `resources/subscribe`, updates on the SSE stream | requests on the SSE stream |
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport as V1SseTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport as V1Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ElicitRequest,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import { createEverythingServer, URIS } from '../../examples/everything/server.js';
import { eventually, textOf, withTimeout } from '../interop/stdio-helpers.js';
import { serveHttp, type HttpServerHandle, type ServeHttpOptions } from '../../src/transports/http/index.js';

const OPTS = { timeout: 10_000 };
const SUITE = { timeout: 60_000 };

const FORM: Record<string, string> = { username: 'alice', email: 'alice@example.com' };

function answerElicitation(params: { requestedSchema?: { properties?: Record<string, unknown> } }): ElicitResult {
  const content: Record<string, string> = {};
  for (const key of Object.keys(params.requestedSchema?.properties ?? {})) {
    const v = FORM[key];
    if (v !== undefined) content[key] = v;
  }
  return { action: 'accept', content };
}

function answerSampling(params: CreateMessageRequest['params']): CreateMessageResult {
  const last = params.messages.at(-1);
  const prompt = last && !Array.isArray(last.content) && last.content.type === 'text' ? last.content.text : '';
  return { role: 'assistant', content: { type: 'text', text: `echo: ${prompt}` }, model: 'interop-model', stopReason: 'endTurn' };
}

async function serve(options: ServeHttpOptions): Promise<HttpServerHandle> {
  return serveHttp(createEverythingServer(), { port: 0, host: '127.0.0.1', keepAliveMs: 0, ...options });
}

interface CancellationReport {
  completed: number;
  cancelled: { requestId: string | number; reason: string }[];
}

type SubscriptionChannel = 'get-stream' | 'sse-stream' | 'none';

/** The same checks for every SDK v1 mode; only the transport and the subscription channel differ. */
function v1Suite(label: string, serveOptions: ServeHttpOptions, transportFor: (url: string) => V1Transport, channel: SubscriptionChannel): void {
  describe(label, SUITE, () => {
    let h: HttpServerHandle;
    let client: V1Client;
    let transport: V1Transport;
    const elicitations: ElicitRequest['params'][] = [];
    const updates: string[] = [];

    before(async () => {
      h = await serve(serveOptions);
      client = new V1Client({ name: 'matrix-v1', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        elicitations.push(request.params);
        return answerElicitation(request.params as { requestedSchema?: { properties?: Record<string, unknown> } });
      });
      client.setRequestHandler(CreateMessageRequestSchema, (request) => answerSampling(request.params));
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updates.push(n.params.uri);
      });
      transport = transportFor(h.url);
      await withTimeout(client.connect(transport, OPTS), 10_000, 'connect');
    });

    after(async () => {
      try {
        await withTimeout(client?.close() ?? Promise.resolve(), 5000, 'client.close()');
      } finally {
        await h?.close();
      }
    });

    test('session state as the mode defines it', () => {
      const sid = (transport as { sessionId?: string }).sessionId;
      if (serveOptions.sessions === false) {
        assert.equal(sid, undefined, 'no Mcp-Session-Id in stateless mode');
        assert.equal(h.handler.sessionCount, 0);
      } else if (transport instanceof V1HttpTransport) {
        assert.ok(sid, 'a session id');
        assert.equal(h.handler.sessionCount, 1);
      }
      assert.equal(client.getServerVersion()?.name, 'velomcp-everything');
    });

    test('tools: a call, and a validation failure as an isError result', async () => {
      const r = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, OPTS);
      assert.equal(textOf(r), 'This is a simple text response for testing.');
      const sum = await client.callTool({ name: 'test_structured_output', arguments: { a: 2, b: 3 } }, undefined, OPTS);
      assert.deepEqual(sum.structuredContent, { sum: 5 });
      const bad = await client.callTool({ name: 'test_structured_output', arguments: { a: 1, b: 'two' } }, undefined, OPTS);
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /Input validation error: .*\bb: .*number/);
    });

    test('resources: a static read and a template read', async () => {
      const r = await client.readResource({ uri: URIS.staticText }, OPTS);
      assert.equal((r.contents[0] as { text: string }).text, 'This is the content of the static text resource.');
      const t = await client.readResource({ uri: 'test://template/42/data' }, OPTS);
      assert.deepEqual(JSON.parse((t.contents[0] as { text: string }).text), { id: '42', templateTest: true, data: 'Data for ID: 42' });
      const templates = await client.listResourceTemplates(undefined, OPTS);
      assert.ok(templates.resourceTemplates.some((x) => x.uriTemplate === URIS.template));
    });

    if (channel === 'none') {
      test('subscriptions: stateless legacy has no channel, so subscribe is neither advertised nor served', async () => {
        const caps = client.getServerCapabilities();
        assert.ok(caps?.resources, 'resources are offered');
        assert.equal(caps.resources.subscribe, undefined);
        assert.equal(caps.tools?.listChanged, undefined);
        await assert.rejects(client.subscribeResource({ uri: URIS.watched }, OPTS), (err: unknown) => err instanceof McpError && err.code === -32601);
        await client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, undefined, OPTS);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(updates, [], 'no update can reach a client without a session');
      });
    } else {
      test(`subscriptions: resources/subscribe, then notifications/resources/updated on the ${channel}`, async () => {
        assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
        assert.deepEqual(await client.subscribeResource({ uri: URIS.watched }, OPTS), {});
        // The GET stream opens asynchronously after initialize: trigger until an update arrives.
        await eventually(
          async () => {
            if (updates.length > 0) return true;
            await client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, undefined, OPTS);
            await new Promise((r) => setTimeout(r, 50));
            return updates.length > 0 ? true : undefined;
          },
          5000,
          'notifications/resources/updated',
        );
        assert.equal(updates[0], URIS.watched);
        assert.deepEqual(await client.unsubscribeResource({ uri: URIS.watched }, OPTS), {});
      });
    }

    test('prompts: get with arguments', async () => {
      const p = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x', arg2: 'y' } }, OPTS);
      assert.equal((p.messages[0]?.content as { text: string }).text, "Prompt with arguments: arg1='x', arg2='y'");
    });

    test('progress: onprogress sees the notifications', async () => {
      const seen: number[] = [];
      const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { ...OPTS, onprogress: (p) => seen.push(p.progress) });
      assert.match(textOf(r), /Progress test completed for token/);
      assert.deepEqual(seen.slice(0, 2), [0, 50]);
    });

    test('cancellation: aborting the call aborts ctx.signal on the server, which keeps serving', async () => {
      const controller = new AbortController();
      let progressed = false;
      const call = client.callTool({ name: 'test_slow_operation', arguments: { durationMs: 20_000 } }, undefined, {
        ...OPTS,
        signal: controller.signal,
        onprogress: () => {
          if (!progressed) {
            progressed = true;
            controller.abort(new Error('interop test gave up'));
          }
        },
      });
      await assert.rejects(call);
      const report = await eventually(
        async () => {
          const r = (await client.callTool({ name: 'test_cancellation_report', arguments: {} }, undefined, OPTS)).structuredContent as unknown as CancellationReport;
          return r.cancelled.length > 0 ? r : undefined;
        },
        5000,
        'the server to observe the cancellation',
      );
      assert.equal(report.completed, 0);
      assert.match(report.cancelled[0]?.reason ?? '', /interop test gave up/);
      assert.equal(textOf(await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, OPTS)), 'This is a simple text response for testing.');
    });

    test('server→client input: elicitation and sampling round trips', async () => {
      const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } }, undefined, OPTS);
      assert.equal(textOf(e), 'User response: action=accept, content={"username":"alice","email":"alice@example.com"}');
      assert.equal(elicitations.at(-1)?.message, 'Who are you?');
      const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say hi' } }, undefined, OPTS);
      assert.equal(textOf(s), 'LLM response: echo: Say hi');
      // Concurrent askers keep their answers apart.
      const [a, b] = await Promise.all([
        client.callTool({ name: 'test_sampling', arguments: { prompt: 'one' } }, undefined, OPTS),
        client.callTool({ name: 'test_sampling', arguments: { prompt: 'two' } }, undefined, OPTS),
      ]);
      assert.equal(textOf(a), 'LLM response: echo: one');
      assert.equal(textOf(b), 'LLM response: echo: two');
    });
  });
}

v1Suite('SDK v1 StreamableHTTPClientTransport, legacy sessions', {}, (url) => new V1HttpTransport(new URL(url)), 'get-stream');
v1Suite('SDK v1 StreamableHTTPClientTransport, legacy stateless mode (sessions: false)', { sessions: false }, (url) => new V1HttpTransport(new URL(url)), 'none');
v1Suite('SDK v1 SSEClientTransport, HTTP+SSE (legacySse: true)', { legacySse: true }, (url) => new V1SseTransport(new URL(url.replace(/\/mcp$/, '/sse'))), 'sse-stream');

describe('SDK v2 client pinned to 2026-07-28 (modern)', SUITE, () => {
  let h: HttpServerHandle;
  let client: V2Client;
  const elicitations: unknown[] = [];
  const updates: string[] = [];

  before(async () => {
    h = await serve({});
    client = new V2Client(
      { name: 'matrix-v2', version: '2.0.0' },
      { capabilities: { sampling: {}, elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    client.setRequestHandler('elicitation/create', (request) => {
      elicitations.push(request.params);
      return answerElicitation(request.params as { requestedSchema?: { properties?: Record<string, unknown> } });
    });
    client.setRequestHandler('sampling/createMessage', (request) => answerSampling(request.params as CreateMessageRequest['params']));
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
    });
    await withTimeout(client.connect(new V2HttpTransport(new URL(h.url))), 10_000, 'connect');
  });

  after(async () => {
    try {
      await withTimeout(client?.close() ?? Promise.resolve(), 5000, 'client.close()');
    } finally {
      await h?.close();
    }
  });

  test('the modern era, with no session', () => {
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(h.handler.sessionCount, 0);
  });

  test('tools: a call, and a validation failure as an isError result', async () => {
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} }, OPTS);
    assert.equal(textOf(r), 'This is a simple text response for testing.');
    const bad = await client.callTool({ name: 'test_structured_output', arguments: { a: 1, b: 'two' } }, OPTS);
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /Input validation error: .*\bb: .*number/);
  });

  test('resources: a static read and a template read', async () => {
    const r = await client.readResource({ uri: URIS.staticText }, OPTS);
    assert.equal((r.contents[0] as { text: string }).text, 'This is the content of the static text resource.');
    const t = await client.readResource({ uri: 'test://template/7/data' }, OPTS);
    assert.deepEqual(JSON.parse((t.contents[0] as { text: string }).text), { id: '7', templateTest: true, data: 'Data for ID: 7' });
  });

  test('subscriptions: subscriptions/listen, then a tagged notifications/resources/updated', async () => {
    const sub = await client.listen({ resourceSubscriptions: [URIS.watched] }, OPTS);
    try {
      assert.deepEqual(sub.honoredFilter, { resourceSubscriptions: [URIS.watched] });
      await client.callTool({ name: 'test_trigger_resource_update', arguments: {} }, OPTS);
      await eventually(() => (updates.length > 0 ? true : undefined), 5000, 'notifications/resources/updated');
      assert.equal(updates[0], URIS.watched);
    } finally {
      await sub.close();
    }
    assert.equal(await withTimeout(sub.closed, 5000, 'subscription closed'), 'local');
  });

  test('prompts: get with arguments', async () => {
    const p = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x', arg2: 'y' } }, OPTS);
    assert.equal((p.messages[0]?.content as { text: string }).text, "Prompt with arguments: arg1='x', arg2='y'");
  });

  test('progress: onprogress sees the notifications', async () => {
    const seen: number[] = [];
    const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { ...OPTS, onprogress: (p: { progress: number }) => seen.push(p.progress) });
    assert.match(textOf(r), /Progress test completed for token/);
    assert.deepEqual(seen.slice(0, 2), [0, 50]);
  });

  test('cancellation: aborting the call closes its stream, which aborts ctx.signal; the server keeps serving', async () => {
    const controller = new AbortController();
    let progressed = false;
    const call = client.callTool(
      { name: 'test_slow_operation', arguments: { durationMs: 20_000 } },
      {
        ...OPTS,
        signal: controller.signal,
        onprogress: () => {
          if (!progressed) {
            progressed = true;
            controller.abort(new Error('interop test gave up'));
          }
        },
      },
    );
    await assert.rejects(call);
    const report = await eventually(
      async () => {
        const r = (await client.callTool({ name: 'test_cancellation_report', arguments: {} }, OPTS)).structuredContent as unknown as CancellationReport;
        return r.cancelled.length > 0 ? r : undefined;
      },
      5000,
      'the server to observe the cancellation',
    );
    assert.equal(report.completed, 0);
    assert.equal(textOf(await client.callTool({ name: 'test_simple_text', arguments: {} }, OPTS)), 'This is a simple text response for testing.');
  });

  test('input through MRTR: elicitation and sampling round trips', async () => {
    const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } }, OPTS);
    assert.equal(textOf(e), 'User response: action=accept, content={"username":"alice","email":"alice@example.com"}');
    assert.equal((elicitations.at(-1) as { message?: string } | undefined)?.message, 'Who are you?');
    const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say hi' } }, OPTS);
    assert.equal(textOf(s), 'LLM response: echo: Say hi');
  });
});
