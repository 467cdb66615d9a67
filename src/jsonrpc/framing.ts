/**
 * Newline-delimited JSON framing over byte streams (MCP stdio transport: "messages are delimited by
 * newlines and MUST NOT contain embedded newlines"; also used by the TCP transport).
 *
 * The decoder keeps incomplete tails as a list of `Buffer` slices and concatenates them only once, when
 * their line completes: each byte is copied at most once, so a message split into many chunks costs
 * O(n), never O(n²). The complete lines of a chunk are decoded with one UTF-8 decode and split in JS.
 */

/** Default maximum size of one message, in bytes (4 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Callbacks of a {@link LineDecoder}. */
export interface LineDecoderHandlers {
  /** One complete line, without its `\n` (and without a trailing `\r`), decoded as UTF-8. Never empty. */
  onLine(line: string): void;
  /**
   * A line exceeded the maximum size; its bytes were discarded up to and including its newline.
   * Called once per oversized line, as soon as the limit is crossed. `bytes` is the size seen so far.
   */
  onOversize(bytes: number): void;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Feed chunks with {@link LineDecoder.push}; call
 * {@link LineDecoder.end} when the stream ends to flush a final line that has no newline.
 */
export class LineDecoder {
  readonly #handlers: LineDecoderHandlers;
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** True while discarding the rest of an oversized line. */
  #skipping = false;

  /**
   * @param handlers - Receives lines and oversize reports.
   * @param maxMessageBytes - Maximum bytes per line (default {@link DEFAULT_MAX_MESSAGE_BYTES}).
   */
  constructor(handlers: LineDecoderHandlers, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    if (!(maxMessageBytes > 0)) throw new RangeError('maxMessageBytes must be a positive number');
    this.#handlers = handlers;
    this.#max = maxMessageBytes;
  }

  /** Bytes held for an incomplete line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds one chunk. Lines complete in it are delivered synchronously, in order. */
  push(chunk: Buffer): void {
    let start = 0;
    const len = chunk.length;
    if (this.#pendingBytes > 0 || this.#skipping) {
      // Finish the line carried over from earlier chunks.
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.#hold(chunk, 0, len);
        return;
      }
      if (this.#skipping) {
        this.#skipping = false;
      } else {
        const total = this.#pendingBytes + nl;
        if (total > this.#max) {
          this.#handlers.onOversize(total);
        } else {
          this.#pending.push(chunk.subarray(0, nl));
          const line = Buffer.concat(this.#pending, total);
          this.#emit(line, 0, total);
        }
      }
      this.#pending = [];
      this.#pendingBytes = 0;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      this.#emitRun(chunk, start, last);
      start = last + 1;
    }
    if (start < len) this.#hold(chunk, start, len);
  }

  /**
   * Delivers the complete lines in `chunk[start, last)` (`last` is the final newline): the region is decoded
   * once and split in JS, while sizes are checked in bytes. A newline byte always decodes to `\n` and
   * never appears inside a multi-byte sequence, so the k-th line of the text is the k-th line of the bytes.
   */
  #emitRun(chunk: Buffer, start: number, last: number): void {
    const text = chunk.toString('utf8', start, last);
    let bytePos = start;
    let strPos = 0;
    for (;;) {
      const byteNl = chunk.indexOf(NL, bytePos);
      const strNl = byteNl === last ? text.length : text.indexOf('\n', strPos);
      if (byteNl - bytePos > this.#max) this.#handlers.onOversize(byteNl - bytePos);
      else {
        let end = strNl;
        if (end > strPos && text.charCodeAt(end - 1) === CR) end--;
        if (end > strPos) this.#handlers.onLine(text.slice(strPos, end));
      }
      if (byteNl === last) return;
      bytePos = byteNl + 1;
      strPos = strNl + 1;
    }
  }

  /** Flushes a final unterminated line (if any) and resets the decoder. */
  end(): void {
    if (this.#pendingBytes > 0 && !this.#skipping) {
      const line = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#emit(line, 0, line.length);
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#skipping = false;
  }

  #hold(chunk: Buffer, start: number, end: number): void {
    if (this.#skipping) return;
    const size = this.#pendingBytes + (end - start);
    if (size > this.#max) {
      // Report as soon as the limit is crossed so a peer streaming an endless line cannot grow memory.
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#skipping = true;
      this.#handlers.onOversize(size);
      return;
    }
    this.#pending.push(chunk.subarray(start, end));
    this.#pendingBytes = size;
  }

  #emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end <= start) return;
    this.#handlers.onLine(buf.toString('utf8', start, end));
  }
}
