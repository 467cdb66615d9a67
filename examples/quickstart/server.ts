import { McpServer, elicit } from 'velomcp';

const server = new McpServer({ name: 'weather', version: '1.0.0' });

server.registerTool(
  'get_weather',
  {
    description: 'Current weather for a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  async ({ city }: { city: string }, ctx) => {
    ctx.progress(0, 1);
    // One API for asking the client, in both eras: a server→client request in a legacy session,
    // an input_required result and a retried call in the 2026-07-28 era.
    const { unit } = await ctx.input({
      unit: elicit({
        message: 'Units?',
        requestedSchema: { type: 'object', properties: { u: { type: 'string', enum: ['C', 'F'] } }, required: ['u'] },
      }),
    });
    const u = (unit?.content as { u?: string } | undefined)?.u ?? 'C';
    return { content: [{ type: 'text', text: `Sunny in ${city}, 21°${u}` }] };
  },
);

// `velomcp serve` serves the default export (over stdio, --http, --ws or --tcp).
export default server;
