/**
 * A loopback HTTP relay for `--workers` tests: clients keep their keep-alive connections to the relay, and the
 * relay sends every request to the server on a connection of its own (`agent: false`), so node:cluster hands
 * consecutive requests to different workers (it spreads connections, not requests). Responses, SSE included,
 * stream through unbuffered. Each forwarded request carries `x-relay-seq: N` and the relay keeps what it
 * carried (HTTP method, session, JSON-RPC body), so a test joining this with the workers' log of
 * `x-relay-seq` (fixtures/server.ts, `$CLUSTER_HTTP_LOG`) knows which worker received which message.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the relay forwarded. */
export interface Relayed {
  seq: number;
  method: string;
  session: string;
  /** The status the server answered (0 until it did). */
  status: number;
  /** The parsed JSON body of a POST (undefined when none or not JSON). */
  body: any;
}

export class Relay {
  readonly #server: Server;
  readonly #target: URL;
  readonly #open = new Set<IncomingMessage>();
  readonly log: Relayed[] = [];
  #seq = 0;

  private constructor(server: Server, target: URL) {
    this.#server = server;
    this.#target = target;
  }

  /** The MCP endpoint through the relay (same path as the target). */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.#target.pathname}`;
  }

  /** Starts a relay to `target` (e.g. `http://127.0.0.1:PORT/mcp`) on a free loopback port. */
  static async start(target: string): Promise<Relay> {
    const t = new URL(target);
    let relay: Relay | undefined;
    const server = createServer((req, res) => void relay?.handle(req, res));
    relay = new Relay(server, t);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return relay;
  }

  private handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seq = ++this.#seq;
      const raw = Buffer.concat(chunks);
      let body: any;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const session = req.headers['mcp-session-id'];
      const entry: Relayed = { seq, method: req.method ?? '', session: typeof session === 'string' ? session : '', status: 0, body };
      this.log.push(entry);
      const headers = { ...req.headers, host: this.#target.host, 'x-relay-seq': String(seq), connection: 'close' };
      const up = request({ host: this.#target.hostname, port: this.#target.port, path: req.url, method: req.method, headers, agent: false }, (ur) => {
        entry.status = ur.statusCode ?? 0;
        this.#open.add(ur);
        ur.once('close', () => this.#open.delete(ur));
        const h = { ...ur.headers };
        delete h.connection;
        delete h['keep-alive'];
        res.writeHead(ur.statusCode ?? 502, h);
        res.flushHeaders();
        ur.on('data', (d: Buffer) => res.write(d));
        ur.on('end', () => res.end());
        ur.on('error', () => res.destroy());
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      // The client went away (closed its SSE stream): close the upstream side too.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(raw);
    });
  }

  async stop(): Promise<void> {
    for (const r of this.#open) r.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
