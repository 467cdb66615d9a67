/**
 * Chaos: a node SIGKILLed while a client holds the session's GET stream and a call in flight (2 real
 * Redis-backed nodes; the client addresses them directly, as a load balancer does once the dead node is out
 * of its pool). The client resumes both streams with Last-Event-ID on the other node: every event it had
 * received arrives once and in order, the GET stream delivers later notifications, and the cut call is
 * failed with a clear error instead of hanging.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../cluster-nginx/harness.js';
import { liveSse, type LiveSse } from '../cluster/sse.js';
import { dropPrefix, until } from '../redis/helpers.js';
import type { SseEvent } from '../http/helpers.js';
import { WATCHED, assertOnceInOrder, openSession, request, sessionHeaders, startNodes, urlOf } from './helpers.js';

/** Shared Redis, database 8 (this engineer's), keys under a per-run prefix. */
const REDIS = 'redis://127.0.0.1:6379/8';
const PREFIX = `velomcp:test:chaos:${process.pid}:`;

describe('SIGKILL of the node holding a GET stream and running a call', { timeout: 110_000 }, () => {
  let nodes: Node[] = [];
  const open: LiveSse[] = [];

  before(async () => {
    nodes = await startNodes(2, REDIS, PREFIX);
  });
  after(async () => {
    for (const s of open) s.close();
    for (const n of nodes) await n.stop('SIGKILL');
    await dropPrefix(PREFIX, REDIS).catch(() => undefined);
  });

  const lastId = (events: readonly SseEvent[]): string => {
    const e = [...events].reverse().find((x) => x.id !== undefined);
    if (!e?.id) throw new Error('no event id received');
    return e.id;
  };

  test('both streams resume on the surviving node: received events once and in order, later notifications arrive, the cut call fails clearly', async () => {
    const [a, b] = nodes as [Node, Node];
    const A = urlOf(a);
    const B = urlOf(b);
    const opened = await openSession(A);
    assert.ok('sid' in opened, 'session opened');
    const sid = opened.sid;
    assert.equal((await request(A, sid, 1, 'resources/subscribe', { uri: WATCHED })).status, 200);

    // The GET stream on A, then two updates triggered on B: A delivers them (it holds the stream).
    const get1 = await liveSse(A, { headers: { ...sessionHeaders(sid), accept: 'text/event-stream' } });
    open.push(get1);
    assert.equal(get1.status, 200);
    assert.ok(await until(() => get1.events.length > 0, 10_000), 'priming event on the GET stream');
    for (let i = 0; i < 2; i++) assert.equal((await request(B, sid, 10 + i, 'tools/call', { name: 'test_trigger_resource_update', arguments: {} })).status, 200);
    const updates = (evs: readonly SseEvent[]): number => evs.filter((e) => e.data.includes('notifications/resources/updated')).length;
    assert.ok(await until(() => updates(get1.events) === 2, 10_000), `2 updates before the kill, got ${updates(get1.events)}`);

    // A call in flight on A, streaming progress every 50 ms.
    const call1 = await liveSse(A, {
      method: 'POST',
      headers: sessionHeaders(sid),
      body: JSON.stringify({ jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'cluster_wait', arguments: { ms: 30_000 }, _meta: { progressToken: 'p20' } } }),
    });
    open.push(call1);
    const progress = (evs: readonly SseEvent[]): number => evs.filter((e) => e.data.includes('notifications/progress')).length;
    assert.ok(await until(() => progress(call1.events) >= 3, 10_000), 'progress before the kill');

    await a.stop('SIGKILL');
    await Promise.race([Promise.all([get1.ended, call1.ended]), new Promise((r) => setTimeout(r, 10_000))]);
    const getSeen: SseEvent[] = [...get1.events];
    const callSeen: SseEvent[] = [...call1.events];
    const receivedProgress = progress(callSeen);

    // GET resumes on B: nothing already received comes again; an update triggered now arrives.
    const get2 = await liveSse(B, { headers: { ...sessionHeaders(sid), accept: 'text/event-stream', 'last-event-id': lastId(getSeen) } });
    open.push(get2);
    assert.equal(get2.status, 200, 'resumed on B');
    assert.equal((await request(B, sid, 12, 'tools/call', { name: 'test_trigger_resource_update', arguments: {} })).status, 200);
    assert.ok(await until(() => updates(get2.events) >= 1, 10_000), 'an update after the resumption reaches the resumed stream');
    const getMessages = assertOnceInOrder([...getSeen, ...get2.events], 'GET stream');
    assert.equal(getMessages.filter((m) => m.method === 'notifications/resources/updated').length, 3, 'three updates in all, none twice');

    // The call's stream resumes on B (bounded): events A stored after the last one received, then, once B
    // knows A is gone, an error answer for the request.
    const callEvents: SseEvent[] = [...callSeen];
    let answer: any;
    for (let attempt = 0; attempt < 10 && answer === undefined; attempt++) {
      const resumed = await liveSse(B, { headers: { ...sessionHeaders(sid), accept: 'text/event-stream', 'last-event-id': lastId(callEvents) } });
      open.push(resumed);
      assert.equal(resumed.status, 200, `resume attempt ${attempt}`);
      await Promise.race([resumed.ended, new Promise((r) => setTimeout(r, 15_000))]);
      callEvents.push(...resumed.events);
      answer = resumed.messages().find((m) => m.id === 20);
      resumed.close();
    }
    assert.ok(answer, 'the cut call was answered (not left hanging)');
    assert.equal(answer.error?.code, -32603, JSON.stringify(answer));
    assert.match(answer.error.message, /server process running this request stopped; send it again/);
    const callMessages = assertOnceInOrder(callEvents, 'call stream');
    const values = callMessages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress as number);
    assert.ok(values.length >= receivedProgress, 'no received progress lost');
    values.forEach((v, i) => assert.equal(v, i + 1, `progress ${i + 1} once, in order: ${values.join(',')}`));
    assert.equal(callMessages.filter((m) => m.id === 20).length, 1, 'one answer');

    // The session goes on on B.
    const r = await request(B, sid, 30, 'tools/call', { name: 'cluster_node', arguments: {} });
    assert.equal(r.json.result.structuredContent.pid, b.proc?.pid);
  });
});
