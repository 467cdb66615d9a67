/**
 * The JSON-RPC 2.0 layer: message shapes and validation, serialisation, error codes and classes,
 * and newline framing. It imports nothing from the rest of velomcp.
 * @packageDocumentation
 */
export * from './codes.js';
export * from './errors.js';
export * from './message.js';
export * from './framing.js';
