/**
 * The dashboard page: static HTML and a small script that reads `/events` (SSE, one snapshot a second) and
 * draws with uPlot (served by the dashboard from node_modules, never a CDN).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>velomcp dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 16px; color: #1d2433; background: #f6f7f9; }
  h1 { font-size: 18px; margin: 0 0 12px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin-bottom: 12px; }
  .tile { background: #fff; border-radius: 6px; padding: 8px 10px; box-shadow: 0 1px 2px #0001; }
  .tile .label { color: #667; font-size: 12px; }
  .tile .value { font-size: 20px; font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 8px; }
  .chart { background: #fff; border-radius: 6px; padding: 8px; box-shadow: 0 1px 2px #0001; }
  .chart h2, .tables h2 { font-size: 13px; margin: 0 0 4px; color: #445; }
  .tables { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 8px; margin-top: 12px; }
  table { width: 100%; border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid #eee; }
  th:first-child, td:first-child { text-align: left; }
  #status { color: #667; font-size: 12px; }
</style>
</head>
<body>
<h1>velomcp <span id="status">connecting…</span></h1>
<div class="tiles">
  <div class="tile"><div class="label">calls/s</div><div class="value" id="calls-per-second">–</div></div>
  <div class="tile"><div class="label">total calls</div><div class="value" id="total-calls">–</div></div>
  <div class="tile"><div class="label">errors (total)</div><div class="value" id="total-errors">–</div></div>
  <div class="tile"><div class="label">P50 / P95 / P99 ms</div><div class="value" id="latency">–</div></div>
  <div class="tile"><div class="label">sessions</div><div class="value" id="sessions">–</div></div>
  <div class="tile"><div class="label">connections</div><div class="value" id="connections">–</div></div>
  <div class="tile"><div class="label">in flight</div><div class="value" id="in-flight">–</div></div>
  <div class="tile"><div class="label">queue depth</div><div class="value" id="queue-depth">–</div></div>
  <div class="tile"><div class="label">RSS MiB</div><div class="value" id="rss">–</div></div>
  <div class="tile"><div class="label">event-loop P99 ms</div><div class="value" id="loop-delay">–</div></div>
  <div class="tile"><div class="label">CPU %</div><div class="value" id="cpu">–</div></div>
</div>
<div class="charts">
  <div class="chart"><h2>Throughput (per second)</h2><div id="chart-throughput"></div></div>
  <div class="chart"><h2>Latency (ms)</h2><div id="chart-latency"></div></div>
  <div class="chart"><h2>Memory (MiB)</h2><div id="chart-memory"></div></div>
  <div class="chart"><h2>Event loop (ms) and CPU (%)</h2><div id="chart-loop"></div></div>
</div>
<div class="tables">
  <div><h2>By method (last second)</h2><table><thead><tr><th>method</th><th>calls</th><th>P50</th><th>P95</th><th>P99</th></tr></thead><tbody id="by-method"></tbody></table></div>
  <div><h2>By tool (last second)</h2><table><thead><tr><th>tool</th><th>calls</th><th>P50</th><th>P95</th><th>P99</th></tr></thead><tbody id="by-tool"></tbody></table></div>
  <div><h2>Errors by error.type (total)</h2><table><thead><tr><th>error.type</th><th>count</th></tr></thead><tbody id="errors-by-type"></tbody></table></div>
</div>
<script src="/assets/uPlot.iife.min.js"></script>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;

/** The page script (plain browser JavaScript). */
export const DASHBOARD_JS = `'use strict';
(function () {
  var KEEP = 300;
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (v, d) { return v === null || v === undefined ? '–' : Number(v).toFixed(d === undefined ? 1 : d); };
  var MiB = 1024 * 1024;
  var series = { t: [], calls: [], errors: [], p50: [], p95: [], p99: [], rss: [], heap: [], lag: [], cpu: [] };
  function chart(el, labels, colors) {
    var opts = { width: Math.max(380, el.parentElement.clientWidth - 16), height: 180, series: [{}].concat(labels.map(function (l, i) { return { label: l, stroke: colors[i], width: 1.5 }; })), axes: [{}, { size: 50 }] };
    return new uPlot(opts, [[]].concat(labels.map(function () { return []; })), el);
  }
  var charts = {
    throughput: chart($('chart-throughput'), ['calls/s', 'errors/s'], ['#2563eb', '#dc2626']),
    latency: chart($('chart-latency'), ['P50', 'P95', 'P99'], ['#16a34a', '#ca8a04', '#dc2626']),
    memory: chart($('chart-memory'), ['RSS', 'heap used'], ['#7c3aed', '#0891b2']),
    loop: chart($('chart-loop'), ['event-loop P99 ms', 'CPU %'], ['#ea580c', '#475569'])
  };
  function rows(tbody, byKey) {
    var keys = Object.keys(byKey).sort();
    tbody.innerHTML = '';
    keys.forEach(function (k) {
      var p = byKey[k];
      var tr = document.createElement('tr');
      tr.dataset.key = k;
      [k, p.count, fmt(p.p50, 3), fmt(p.p95, 3), fmt(p.p99, 3)].forEach(function (v) { var td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td); });
      tbody.appendChild(tr);
    });
  }
  function push(s) {
    series.t.push(s.time / 1000);
    series.calls.push(s.callsPerSecond); series.errors.push(s.errorsPerSecond);
    series.p50.push(s.latency.p50); series.p95.push(s.latency.p95); series.p99.push(s.latency.p99);
    series.rss.push(s.rssBytes / MiB); series.heap.push(s.heapUsedBytes / MiB);
    series.lag.push(s.eventLoopDelayP99Ms); series.cpu.push(s.cpuPercent);
    Object.keys(series).forEach(function (k) { if (series[k].length > KEEP) series[k].shift(); });
  }
  function draw(s) {
    $('calls-per-second').textContent = fmt(s.callsPerSecond);
    $('total-calls').textContent = String(s.totalCalls);
    $('total-errors').textContent = String(s.totalErrors);
    $('latency').textContent = fmt(s.latency.p50, 2) + ' / ' + fmt(s.latency.p95, 2) + ' / ' + fmt(s.latency.p99, 2);
    $('sessions').textContent = String(s.sessions);
    var c = Object.keys(s.connections).filter(function (k) { return s.connections[k] > 0; }).map(function (k) { return k + ' ' + s.connections[k]; });
    $('connections').textContent = c.length ? c.join(', ') : '0';
    $('in-flight').textContent = String(s.inFlight);
    $('queue-depth').textContent = s.queueDepth === null ? 'n/a' : String(s.queueDepth);
    $('rss').textContent = fmt(s.rssBytes / MiB);
    $('loop-delay').textContent = fmt(s.eventLoopDelayP99Ms, 2);
    $('cpu').textContent = fmt(s.cpuPercent);
    rows($('by-method'), s.byMethod);
    rows($('by-tool'), s.byTool);
    var et = {};
    Object.keys(s.errorsByType).forEach(function (k) { et[k] = { count: s.errorsByType[k], p50: null, p95: null, p99: null }; });
    var tb = $('errors-by-type'); tb.innerHTML = '';
    Object.keys(et).sort().forEach(function (k) { var tr = document.createElement('tr'); tr.innerHTML = '<td></td><td></td>'; tr.children[0].textContent = k; tr.children[1].textContent = String(et[k].count); tb.appendChild(tr); });
    charts.throughput.setData([series.t, series.calls, series.errors]);
    charts.latency.setData([series.t, series.p50, series.p95, series.p99]);
    charts.memory.setData([series.t, series.rss, series.heap]);
    charts.loop.setData([series.t, series.lag, series.cpu]);
    document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots || 0) + 1);
  }
  var es = new EventSource('/events');
  es.addEventListener('history', function (e) { JSON.parse(e.data).forEach(push); });
  es.onmessage = function (e) { var s = JSON.parse(e.data); push(s); draw(s); $('status').textContent = 'live, ' + new Date(s.time).toLocaleTimeString(); };
  es.onerror = function () { $('status').textContent = 'disconnected, retrying…'; };
})();
`;
