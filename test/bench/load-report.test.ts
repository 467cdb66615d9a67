/**
 * `runLoadScenario` against the reference server (`velomcp serve ... --http`, short runs): each scenario
 * resolves with the documented report shape and verdict checks, and writes a JSON file that parses and a
 * self-contained HTML page (uPlot inlined, the report embedded).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadScenario, type LoadReport } from '../../bench/load/index.js';

function checkFiles(report: LoadReport): void {
  assert.ok(report.files);
  const json = JSON.parse(readFileSync(report.files.json, 'utf8')) as LoadReport;
  assert.equal(json.scenario, report.scenario);
  assert.deepEqual(json.verdict, report.verdict);
  const html = readFileSync(report.files.html, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /var uPlot=function/, 'uPlot is inlined, not linked');
  assert.doesNotMatch(html, /<script src=|<link [^>]*href="http/, 'no external assets');
  const embedded = /<script id="report" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(embedded);
  assert.equal((JSON.parse(embedded[1] as string) as LoadReport).scenario, report.scenario);
}

describe('runLoadScenario report shape', () => {
  const out = mkdtempSync(join(tmpdir(), 'velomcp-load-'));
  test.after(() => rmSync(out, { recursive: true, force: true }));

  test('sustained: per-second series with latency, throughput and server RSS; drift, memory and loss checks', async () => {
    const r = await runLoadScenario('sustained', { durationS: 4, rate: 50, out, progress: false });
    assert.equal(r.seconds?.length, 4);
    for (const s of r.seconds ?? []) {
      assert.equal(s.scheduled, 50);
      assert.equal(typeof s.p95Ms, 'number');
    }
    assert.ok(r.seconds?.some((s) => typeof s.rssKiB === 'number' && s.rssKiB > 0), 'server RSS is read from /proc');
    assert.deepEqual(r.verdict.checks.map((c) => c.name), ['p95 drift', 'memory growth', 'drops + errors']);
    assert.equal(r.summary.completed, 200);
    assert.equal(typeof r.summary.p99Ms, 'number');
    assert.ok(r.environment.cpus >= 1);
    checkFiles(r);
  });

  test('burst: 2x rate for burstS between two stretches; P95 during the burst and recovery time', async () => {
    const r = await runLoadScenario('burst', { durationS: 12, burstS: 2, rate: 40, out, progress: false });
    const phases = (r.seconds ?? []).map((s) => `${s.phase}:${s.scheduled}`);
    assert.deepEqual(phases, [...Array(5).fill('before:40'), 'burst:80', 'burst:80', ...Array(5).fill('after:40')]);
    assert.equal(typeof r.summary.burstP95Ms, 'number');
    assert.ok('recoverS' in r.summary);
    assert.deepEqual(r.verdict.checks.map((c) => c.name), ['recovery']);
    checkFiles(r);
  });

  test('fanout: every update reaches every subscriber, with delivery latency', async () => {
    const r = await runLoadScenario('fanout', { durationS: 2, subscribers: 5, updateHz: 50, out, progress: false });
    assert.equal(r.summary.updates, 100);
    assert.equal(r.summary.expectedDeliveries, 500);
    assert.equal(r.summary.delivered, 500);
    assert.equal(typeof r.summary.deliveryP95Ms, 'number');
    assert.deepEqual(r.verdict.checks.map((c) => c.name), ['lost notifications', 'update rate shortfall']);
    checkFiles(r);
  });

  test('idle: RSS per held connection from five opening steps', async () => {
    const r = await runLoadScenario('idle', { durationS: 1, idleConnections: 100, out, progress: false });
    assert.equal(r.summary.connections, 100);
    assert.deepEqual(r.steps?.slice(0, 6).map((s) => s.connections), [0, 20, 40, 60, 80, 100]);
    assert.equal(typeof r.summary.kibPerConnection, 'number');
    assert.equal(typeof r.summary.livenessCallMs, 'number');
    checkFiles(r);
  });
});
