/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core loads the page of a
 * `velomcp serve --http --metrics --dashboard` process under load; the numbers move, and the page's call
 * total matches `/metrics` within tolerance. A screenshot is saved to test-artifacts/dashboard.png.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { McpClient } from '../../src/client/index.js';
import { ROOT, SERVE_ARGS } from '../client/helpers.js';
import { INFO, parseExposition, series } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Starts the CLI and resolves with the MCP and dashboard URLs it prints on stderr. */
function startServer(): Promise<{ child: ChildProcess; mcp: string; dashboard: string }> {
  const child = spawn(process.execPath, [...SERVE_ARGS, '--http', '--port', '0', '--metrics', '--dashboard'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const mcp = /Streamable HTTP at (\S+)/.exec(err)?.[1];
      const dashboard = /dashboard at (\S+)/.exec(err)?.[1];
      if (mcp && dashboard) {
        clearTimeout(timer);
        resolve({ child, mcp, dashboard });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

/** Total of mcp_server_operation_duration_seconds_count over every series. */
async function metricsTotal(mcpUrl: string): Promise<number> {
  const text = await (await fetch(mcpUrl.replace(/\/mcp$/, '/metrics'))).text();
  let total = 0;
  for (const v of series(parseExposition(text), 'mcp_server_operation_duration_seconds').values()) total += v;
  return total;
}

const pageNumber = async (page: Page, id: string): Promise<number> => Number(await page.textContent(`#${id}`));
const snapshotsSeen = async (page: Page): Promise<number> => Number(await page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: { snapshots?: string } } } }).document.body.dataset.snapshots ?? 0));

async function waitForSnapshots(page: Page, atLeast: number): Promise<void> {
  for (let i = 0; i < 200 && (await snapshotsSeen(page)) < atLeast; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok((await snapshotsSeen(page)) >= atLeast, `the page drew ${atLeast} snapshots`);
}

describe('dashboard in headless Chromium against a server under load', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let stopLoad = false;
  let load: Promise<number>;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
    server = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    // Load: two clients (one per era) calling a tool back to back until told to stop (bounded at 60 s).
    const deadline = Date.now() + 60_000;
    const worker = async (era: 'legacy' | { pin: string }): Promise<number> => {
      const client = new McpClient(INFO, { era });
      await client.connect(server.mcp);
      let n = 0;
      while (!stopLoad && Date.now() < deadline) {
        await client.callTool({ name: 'test_simple_text' });
        n++;
      }
      await client.close();
      return n;
    };
    load = Promise.all([worker('legacy'), worker({ pin: '2026-07-28' })]).then((ns) => ns[0]! + ns[1]!);
  });

  after(async () => {
    stopLoad = true;
    await load.catch(() => 0);
    await browser?.close();
    server?.child.kill('SIGTERM');
  });

  test('the numbers on the page move under load and the call total matches /metrics', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(server.dashboard);
    await waitForSnapshots(page, 2);
    const first = await pageNumber(page, 'total-calls');
    const seen = await snapshotsSeen(page);
    await waitForSnapshots(page, seen + 2);
    const second = await pageNumber(page, 'total-calls');
    assert.ok(second > first, `total calls moved: ${first} → ${second}`);
    assert.ok((await pageNumber(page, 'calls-per-second')) > 0, 'calls/s is above zero under load');
    const toolRow = page.locator('#by-tool tr[data-key="test_simple_text"] td');
    assert.ok(Number(await toolRow.nth(1).textContent()) > 0, 'the tool has calls in the last second');
    assert.match((await page.textContent('#latency')) ?? '', /^\d+\.\d+ \/ \d+\.\d+ \/ \d+\.\d+$/, 'P50/P95/P99 are shown');
    assert.equal(await page.locator('.chart canvas').count() >= 4, true, 'four uPlot charts are drawn');

    // Under load: the page lags /metrics by at most the snapshot interval, so compare with a tolerance of a
    // few seconds' worth of calls at the rate the page shows.
    const rate = await pageNumber(page, 'calls-per-second');
    const live = await pageNumber(page, 'total-calls');
    const fromMetrics = await metricsTotal(server.mcp);
    assert.ok(fromMetrics >= live && fromMetrics - live <= Math.max(50, rate * 3), `page ${live} vs /metrics ${fromMetrics} at ${rate}/s`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // Once the load stops, both settle on the same total (the clients' own count is the floor).
    stopLoad = true;
    const sent = await load;
    const after1 = await snapshotsSeen(page);
    await waitForSnapshots(page, after1 + 2);
    const settled = await pageNumber(page, 'total-calls');
    const settledMetrics = await metricsTotal(server.mcp);
    assert.equal(settled, settledMetrics, 'page and /metrics agree once idle');
    assert.ok(settled >= sent, `every tool call the clients made is counted (${settled} ≥ ${sent})`);
    await page.close();
  });
});
