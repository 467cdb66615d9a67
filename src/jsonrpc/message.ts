/**
 * JSON-RPC 2.0 message shapes and their validation (JSON-RPC 2.0 §4–§5; MCP `basic/index.mdx`, "Messages").
 * MCP narrows JSON-RPC: request ids are strings or numbers and never null.
 */
import { ErrorCode } from './codes.js';
import type { JsonRpcErrorObject } from './errors.js';

/** A JSON-RPC request id. MCP forbids `null` ids on requests. */
export type JsonRpcId = string | number;

/** A JSON object (the shape of `params` and `result` in MCP). */
export type JsonObject = { [key: string]: unknown };

/** A request: expects exactly one response with the same `id`. */
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: JsonObject;
}

/** A notification: no `id`, never answered. */
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonObject;
}

/** A successful response. */
export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: JsonObject;
}

/** An error response; `id` is null when the request's id could not be read (parse errors). */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

/** Any single JSON-RPC message. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcSuccess | JsonRpcErrorResponse;

/** What {@link messageKind} found. Numeric so the hot path compares small integers. */
export const MessageKind = {
  Invalid: 0,
  Request: 1,
  Notification: 2,
  Success: 3,
  Error: 4,
} as const;
/** One of the {@link MessageKind} values. */
export type MessageKindValue = (typeof MessageKind)[keyof typeof MessageKind];

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function isParams(v: unknown): boolean {
  // MCP params and results are objects. JSON-RPC also allows arrays for params; MCP never uses them,
  // and every MCP method needs named params, so an array is rejected as an invalid request.
  return v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
}

/**
 * Classifies one parsed JSON value as a JSON-RPC message without allocating.
 * Batches (arrays) are {@link MessageKind.Invalid} here; callers decide whether batching is allowed.
 *
 * @param value - A value produced by `JSON.parse`.
 * @returns The kind; use {@link invalidMessageError} to explain an invalid one.
 */
export function messageKind(value: unknown): MessageKindValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return MessageKind.Invalid;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return MessageKind.Invalid;
  const method = m.method;
  if (method !== undefined) {
    if (typeof method !== 'string' || !isParams(m.params)) return MessageKind.Invalid;
    if (!('id' in m)) return MessageKind.Notification;
    return isId(m.id) ? MessageKind.Request : MessageKind.Invalid;
  }
  if ('result' in m) {
    if ('error' in m || !isId(m.id)) return MessageKind.Invalid;
    const r = m.result;
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? MessageKind.Success : MessageKind.Invalid;
  }
  if ('error' in m) {
    const e = m.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'number' || typeof e.message !== 'string') {
      return MessageKind.Invalid;
    }
    return m.id === null || isId(m.id) ? MessageKind.Error : MessageKind.Invalid;
  }
  return MessageKind.Invalid;
}

/**
 * The id to echo in the error answering an invalid message: its `id` when that is a valid id, else null
 * (JSON-RPC 2.0 §5: "If there was an error in detecting the id … it MUST be Null").
 */
export function recoverableId(value: unknown): JsonRpcId | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as Record<string, unknown>).id;
  return isId(id) ? id : null;
}

/**
 * Explains why a value is not a valid JSON-RPC message, as the `-32600 Invalid Request` error to send back.
 *
 * @param value - The value {@link messageKind} classified as invalid.
 */
export function invalidMessageError(value: unknown): JsonRpcErrorObject {
  let reason: string;
  if (typeof value !== 'object' || value === null) reason = 'a JSON-RPC message must be a JSON object';
  else if (Array.isArray(value)) reason = 'batches are not allowed here';
  else {
    const m = value as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') reason = 'the "jsonrpc" member must be exactly "2.0"';
    else if (m.method !== undefined && typeof m.method !== 'string') reason = '"method" must be a string';
    else if (m.method !== undefined && !isParams(m.params)) reason = '"params" must be an object';
    else if (m.method !== undefined) reason = '"id" must be a string or a number (MCP forbids null request ids)';
    else if ('result' in m && 'error' in m) reason = 'a response must not carry both "result" and "error"';
    else if ('result' in m) reason = 'a response needs a string or number "id" and an object "result"';
    else if ('error' in m) reason = '"error" must be an object with a numeric "code" and a string "message"';
    else reason = 'not a request, notification or response';
  }
  return { code: ErrorCode.InvalidRequest, message: `Invalid Request: ${reason}` };
}

/**
 * Serialises a successful response. `resultJson` must already be the JSON text of the result object,
 * which lets cached, pre-serialised results be spliced in without re-encoding.
 */
export function serializeResult(id: JsonRpcId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${typeof id === 'number' ? id : JSON.stringify(id)},"result":${resultJson}}`;
}

/** Serialises an error response. */
export function serializeError(id: JsonRpcId | null, error: JsonRpcErrorObject): string {
  const idJson = id === null ? 'null' : typeof id === 'number' ? String(id) : JSON.stringify(id);
  return `{"jsonrpc":"2.0","id":${idJson},"error":${JSON.stringify(error)}}`;
}

/** Serialises a notification. */
export function serializeNotification(method: string, params?: JsonObject): string {
  return params === undefined
    ? `{"jsonrpc":"2.0","method":${JSON.stringify(method)}}`
    : `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
}

/** Serialises a request. */
export function serializeRequest(id: JsonRpcId, method: string, params?: JsonObject): string {
  const head = `{"jsonrpc":"2.0","id":${typeof id === 'number' ? id : JSON.stringify(id)},"method":${JSON.stringify(method)}`;
  return params === undefined ? `${head}}` : `${head},"params":${JSON.stringify(params)}}`;
}
