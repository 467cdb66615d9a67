/**
 * @internal The seam between the HTTP protocol logic ({@link HttpEngine}) and a concrete HTTP stack
 * (`node:http` or web-standard `Request`/`Response`).
 */

/** Response headers: lower-case names. */
export type OutHeaders = Record<string, string>;

/** An inbound HTTP request, as the engine sees it. */
export interface RequestPort {
  /** Upper-case method. */
  readonly method: string;
  /** The path, without query. */
  readonly path: string;
  /** The raw query string, without `?` (empty when none). */
  readonly query: string;
  /** A header value by lower-case name (first value when repeated). */
  header(name: string): string | undefined;
  /** True when the request arrived on a loopback socket (unknown → false). */
  readonly loopback: boolean;
  /**
   * The peer's IP address (the socket's remote address for the node handler; undefined when unknown, as in
   * the fetch handler). Keys the per-client quotas when no principal is set.
   */
  readonly peer: string | undefined;
  /**
   * Reads the body as UTF-8 text, failing with {@link BodyError} past `limit` bytes or after `timeoutMs`
   * without completion.
   */
  readBody(limit: number, timeoutMs: number): Promise<string>;
  /** The underlying request object (`IncomingMessage` or `Request`), for the principal hook. */
  readonly raw: unknown;
}

/** A failed body read: the HTTP status to answer with. */
export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** An SSE response being written. */
export interface StreamPort {
  /**
   * Writes raw SSE text. Returns false when the stream is gone: the peer left, or the unread backlog
   * passed the per-stream limit (the stream is then destroyed).
   */
  write(chunk: string): boolean;
  /** Ends the response normally. */
  end(): void;
  readonly closed: boolean;
}

/** The response side of one exchange. */
export interface ResponsePort {
  /** Sends a complete response. */
  respond(status: number, headers: OutHeaders, body: string): void;
  /** Starts a 200 `text/event-stream` response. */
  openStream(headers: OutHeaders): StreamPort;
  /** Called once if the peer goes away before the response ended (including on stream overflow). */
  onAbort(listener: () => void): void;
}
