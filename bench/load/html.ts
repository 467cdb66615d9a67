/**
 * A self-contained HTML page for a load report: uPlot (read from node_modules when the report is written,
 * inlined, no CDN) draws latency percentiles over time, throughput and server memory; a table holds the
 * summary and the verdict. The report JSON is embedded, so the page needs nothing else to open.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LoadReport } from './report.js';

const require = createRequire(import.meta.url);

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** JSON safe inside a `<script>` element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

function table(rows: readonly [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

// Drawn in the browser from the embedded report. Latency is "delivery" latency for fanout.
const CHARTS = `
const R = JSON.parse(document.getElementById('report').textContent);
const W = Math.min(1100, document.body.clientWidth - 40);
function chart(title, el, labels, data, yLabel, colors) {
  const series = [{ label: 's' }].concat(labels.map((l, i) => ({ label: l, stroke: colors[i], width: 1.5, spanGaps: false })));
  new uPlot({ title, width: W, height: 260, series, scales: { x: { time: false } }, axes: [{ label: 'seconds' }, { label: yLabel, size: 60 }] }, data, document.getElementById(el));
}
const pal = ['#1f77b4', '#ff7f0e', '#d62728', '#7f7f7f', '#2ca02c', '#9467bd'];
if (R.seconds) {
  const s = R.seconds, t = s.map((x) => x.t);
  const lat = R.scenario === 'fanout' ? 'delivery latency' : 'latency (from intended send time)';
  chart(lat + ', per second of schedule', 'lat', ['p50', 'p95', 'p99', 'max'], [t, s.map((x) => x.p50Ms), s.map((x) => x.p95Ms), s.map((x) => x.p99Ms), s.map((x) => x.maxMs)], 'ms', pal);
  chart('throughput', 'tput', ['target rate', 'answered/s', 'drops', 'errors'], [t, s.map((x) => x.rate), s.map((x) => x.answered), s.map((x) => x.drops), s.map((x) => x.errors)], 'per second', [pal[3], pal[4], pal[2], pal[1]]);
  chart('server memory and CPU', 'mem', ['RSS MiB', 'CPU % of a core'], [t, s.map((x) => x.rssKiB === null ? null : x.rssKiB / 1024), s.map((x) => x.serverCpuPct)], 'MiB / %', [pal[5], pal[1]]);
}
if (R.steps) {
  const p = R.steps;
  chart('server RSS while opening and holding idle connections', 'lat', ['RSS MiB', 'connections / 100'], [p.map((x) => x.t), p.map((x) => x.rssKiB === null ? null : x.rssKiB / 1024), p.map((x) => x.connections / 100)], 'MiB', [pal[5], pal[0]]);
}
`;

/** Renders `report` as one HTML document (uPlot and its CSS inlined from node_modules). */
export function renderHtml(report: LoadReport): string {
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const v = report.verdict;
  const checks = v.checks
    .map((c) => `<tr class="${c.pass ? 'ok' : 'bad'}"><td>${c.pass ? 'pass' : 'FAIL'}</td><td>${esc(c.name)}</td><td>${c.value === null ? 'n/a' : c.value} ${esc(c.unit)}</td><td>≤ ${c.limit} ${esc(c.unit)}</td><td>${esc(c.detail)}</td></tr>`)
    .join('');
  const env = report.environment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>velomcp load: ${esc(report.scenario)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:20px;color:#222}h1{font-size:20px}table{border-collapse:collapse;margin:8px 0 16px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}tr.ok td:first-child{color:#2a7d2a;font-weight:bold}
tr.bad td:first-child{color:#c62828;font-weight:bold}.verdict{font-size:18px;font-weight:bold}.pass{color:#2a7d2a}.fail{color:#c62828}
.cols{display:flex;gap:24px;flex-wrap:wrap}</style></head><body>
<h1>velomcp load scenario: ${esc(report.scenario)}</h1>
<p>Started ${esc(report.startedAt)}, ${report.wallS.toFixed(1)} s wall, against ${esc(report.target.server)} at ${esc(report.target.url)}.</p>
<p class="verdict ${v.pass ? 'pass' : 'fail'}">Verdict: ${v.pass ? 'PASS' : 'FAIL'}</p>
<table><tr><th></th><th>check</th><th>value</th><th>limit</th><th>how</th></tr>${checks}</table>
${v.notes.length ? `<ul>${v.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<div id="lat"></div><div id="tput"></div><div id="mem"></div>
<div class="cols"><div><h2>Summary</h2>${table(Object.entries(report.summary).map(([k, x]) => [k, String(x)]))}</div>
<div><h2>Options</h2>${table(Object.entries(report.options).map(([k, x]) => [k, JSON.stringify(x)]))}</div>
<div><h2>Machine</h2>${table([
    ['node', env.node],
    ['platform', env.platform],
    ['cpus', `${env.cpus} x ${env.cpuModel}`],
    ['load average (start → end)', `${env.loadavgStart.map((x) => x.toFixed(2)).join(' ')} → ${env.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`],
    ['other processes, % of machine', env.otherCpuPct === null ? 'n/a' : env.otherCpuPct.toFixed(1)],
    ['steal, % of machine', env.stealPct === null ? 'n/a' : env.stealPct.toFixed(1)],
  ])}</div></div>
<script id="report" type="application/json">${scriptJson(report)}</script>
<script>${js}</script>
<script>${CHARTS}</script>
</body></html>
`;
}
