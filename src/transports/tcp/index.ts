/**
 * `velomcp/tcp`: MCP over newline-delimited JSON on TCP or TLS, server and client side. A velomcp extension:
 * the MCP specification defines only stdio and Streamable HTTP; this carries exactly the stdio framing over a
 * socket, and serves both protocol eras on every connection.
 * @packageDocumentation
 */
export { serveTcp, type ServeTcpOptions, type TcpServerHandle } from './server.js';
export { TcpClientTransport, type TcpClientTransportOptions } from './client.js';
export { UNAVAILABLE_CODE } from '../shared/outbox.js';
