import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidMessageError, MessageKind, messageKind, recoverableId, serializeError, serializeResult } from '../../src/jsonrpc/message.js';
import { McpError, VeloError } from '../../src/jsonrpc/errors.js';

describe('messageKind', () => {
  test('classifies requests, notifications, responses and errors', () => {
    assert.equal(messageKind({ jsonrpc: '2.0', id: 1, method: 'ping' }), MessageKind.Request);
    assert.equal(messageKind({ jsonrpc: '2.0', id: 'a', method: 'x', params: {} }), MessageKind.Request);
    assert.equal(messageKind({ jsonrpc: '2.0', method: 'n' }), MessageKind.Notification);
    assert.equal(messageKind({ jsonrpc: '2.0', id: 1, result: {} }), MessageKind.Success);
    assert.equal(messageKind({ jsonrpc: '2.0', id: null, error: { code: -1, message: 'x' } }), MessageKind.Error);
  });

  test('rejects null and boolean request ids, wrong versions, array params and malformed errors', () => {
    for (const bad of [
      { jsonrpc: '2.0', id: null, method: 'x' },
      { jsonrpc: '2.0', id: true, method: 'x' },
      { jsonrpc: '1.0', id: 1, method: 'x' },
      { id: 1, method: 'x' },
      { jsonrpc: '2.0', id: 1, method: 'x', params: [1] },
      { jsonrpc: '2.0', id: 1, method: 5 },
      { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'm' } },
      { jsonrpc: '2.0', id: 1, error: { code: '1', message: 'm' } },
      { jsonrpc: '2.0', id: 1, result: [] },
      { jsonrpc: '2.0' },
      [],
      'text',
      null,
      42,
    ]) {
      assert.equal(messageKind(bad), MessageKind.Invalid, JSON.stringify(bad));
      assert.equal(invalidMessageError(bad).code, -32600);
    }
  });

  test('recovers a usable id from an invalid message, null otherwise', () => {
    assert.equal(recoverableId({ id: 7, method: 1 }), 7);
    assert.equal(recoverableId({ id: null }), null);
    assert.equal(recoverableId('x'), null);
  });

  test('serialisers produce valid JSON-RPC', () => {
    assert.deepEqual(JSON.parse(serializeResult('a"b', '{"x":1}')), { jsonrpc: '2.0', id: 'a"b', result: { x: 1 } });
    assert.deepEqual(JSON.parse(serializeError(null, { code: -32700, message: 'p' })), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'p' } });
  });
});

describe('error families', () => {
  test('McpError carries code and data; VeloError a string code; instanceof survives duplicate copies', () => {
    const e = new McpError(-32602, 'bad', { uri: 'x' });
    assert.deepEqual(e.toJSON(), { code: -32602, message: 'bad', data: { uri: 'x' } });
    const foreign = Object.create({ [Symbol.for('velomcp.McpError')]: true });
    assert.ok(foreign instanceof McpError);
    assert.ok(!(new Error('x') instanceof McpError));
    const v = new VeloError('VELO_REQUEST_TIMEOUT', 'slow');
    assert.equal(v.code, 'VELO_REQUEST_TIMEOUT');
    assert.ok(v instanceof VeloError && !(v instanceof McpError));
  });
});
