/** @internal An SSE writer over a stream port: `message` events, keep-alive comments, teardown. */
import type { StreamPort } from './ports.js';

export class SseWriter {
  readonly port: StreamPort;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(port: StreamPort, keepAliveMs: number) {
    this.port = port;
    if (keepAliveMs > 0) {
      this.#timer = setInterval(() => {
        if (!this.port.write(': keep-alive\n\n')) this.stop();
      }, keepAliveMs);
      this.#timer.unref();
    }
  }

  get closed(): boolean {
    return this.#ended || this.port.closed;
  }

  /** Writes one `message` event; false when the stream is gone. */
  event(data: string, id?: string): boolean {
    if (this.closed) return false;
    const ok = this.port.write(id === undefined ? `data: ${data}\n\n` : `id: ${id}\ndata: ${data}\n\n`);
    if (!ok) this.stop();
    return ok;
  }

  raw(text: string): boolean {
    if (this.closed) return false;
    const ok = this.port.write(text);
    if (!ok) this.stop();
    return ok;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  end(): void {
    this.stop();
    if (this.#ended) return;
    this.#ended = true;
    if (!this.port.closed) this.port.end();
  }
}
