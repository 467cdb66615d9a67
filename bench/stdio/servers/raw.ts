/**
 * `raw`: the baseline. A bare newline-delimited JSON-RPC echo server with no
 * framework and no validation: read stdin, split lines, JSON.parse, answer,
 * JSON.stringify, one line per response (the responses to one stdin chunk
 * go out in one write). Everything else in the stdio benchmark is reported as
 * a ratio against this process.
 */

let buffered = '';

function answer(line: string): string | undefined {
  const msg = JSON.parse(line) as { id?: string | number | null; method?: string; params?: any };
  if (msg.id === undefined || msg.id === null) return undefined; // notification (or a response): ignore
  switch (msg.method) {
    case 'initialize':
      return JSON.stringify({
        jsonrpc: '2.0',
        id: msg.id,
        result: {
          protocolVersion: typeof msg.params?.protocolVersion === 'string' ? msg.params.protocolVersion : '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 'raw', version: '1.0.0' },
        },
      });
    case 'tools/call': {
      const text = msg.params?.arguments?.text;
      return JSON.stringify({
        jsonrpc: '2.0',
        id: msg.id,
        result: { content: [{ type: 'text', text: typeof text === 'string' ? text : 'ok' }] },
      });
    }
    default:
      return JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  // Answer every complete line of this chunk, then write the answers with one
  // write (the responses are still one line each). A write per response costs
  // a syscall per response on both sides of the pipe; coalescing per chunk is
  // what any throughput-minded stdio server does, so the baseline does it too
  // rather than flattering everyone's ratio with a slow denominator.
  let out = '';
  let start = 0;
  let nl: number;
  while ((nl = buffered.indexOf('\n', start)) !== -1) {
    const line = buffered.slice(start, nl);
    start = nl + 1;
    if (line.length === 0) continue;
    const response = answer(line);
    if (response !== undefined) out += response + '\n';
  }
  buffered = start === buffered.length ? '' : buffered.slice(start);
  if (out.length > 0) process.stdout.write(out);
});
process.stdin.on('end', () => process.exit(0));
