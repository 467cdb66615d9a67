/**
 * Reading a V8 CPU profile (`.cpuprofile`, the CDP `Profiler.Profile` shape): time per call-tree node,
 * the top functions by self time, and a flame graph page that opens in a browser with nothing else.
 */

/** The `.cpuprofile` shape (CDP `Profiler.Profile`); times in microseconds. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One row of the top list. */
export interface TopFunction {
  /** `functionName` or `(anonymous)`. */
  name: string;
  /** `url:line` (1-based line), or `(native)` / the V8 pseudo-node name for built-ins. */
  location: string;
  selfMs: number;
  /** Self time as % of all sampled time (idle included). */
  selfPct: number;
  /** Self time as % of the sampled time the process was not idle (`(idle)` excluded), the useful share. */
  busyPct: number;
}

/** A flame graph node: name, location, self µs, total µs, children. */
export interface FlameNode {
  n: string;
  l: string;
  s: number;
  t: number;
  c: FlameNode[];
}

/**
 * Self time (µs) per node id: each sample is charged the time until the next sample (the last one the
 * mean interval). Falls back to hitCount x mean interval when the profile has no samples.
 */
export function selfTimes(p: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const mean = samples.length > 0 ? (p.endTime - p.startTime) / samples.length : 0;
  if (samples.length > 0) {
    for (let i = 0; i < samples.length; i++) {
      const d = i + 1 < deltas.length ? (deltas[i + 1] as number) : mean;
      const id = samples[i] as number;
      self.set(id, (self.get(id) ?? 0) + Math.max(0, d));
    }
  } else {
    const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const per = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) self.set(n.id, (n.hitCount ?? 0) * per);
  }
  return self;
}

function locationOf(cf: CpuProfile['nodes'][number]['callFrame']): string {
  if (cf.url === '') return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  return `${cf.url.replace(/^file:\/\//, '')}:${cf.lineNumber + 1}`;
}

/**
 * The `limit` functions with the most self time (grouped by name and location over the whole tree).
 * @throws Error when `p` has no nodes (not a CPU profile).
 */
export function topBySelfTime(p: CpuProfile, limit = 30): TopFunction[] {
  if (!Array.isArray(p.nodes) || p.nodes.length === 0) throw new Error('not a CPU profile: no nodes');
  const self = selfTimes(p);
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  let idle = 0;
  for (const node of p.nodes) if (node.callFrame.functionName === '(idle)') idle += self.get(node.id) ?? 0;
  const busy = total - idle || 1;
  const groups = new Map<string, TopFunction>();
  for (const node of p.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    const location = locationOf(node.callFrame);
    const key = `${name}\u0000${location}`;
    const g = groups.get(key) ?? { name, location, selfMs: 0, selfPct: 0, busyPct: 0 };
    g.selfMs += us / 1000;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({ ...g, selfMs: Number(g.selfMs.toFixed(3)), selfPct: Number(((100 * g.selfMs * 1000) / total).toFixed(2)), busyPct: g.name === '(idle)' ? 0 : Number(((100 * g.selfMs * 1000) / busy).toFixed(2)) }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, limit);
}

/** The call tree with total times, nodes under `minFraction` of the whole pruned (their time stays in the parent's total). */
export function flameTree(p: CpuProfile, minFraction = 0.001): FlameNode {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = selfTimes(p);
  const childIds = new Set(p.nodes.flatMap((n) => n.children ?? []));
  const root = p.nodes.find((n) => !childIds.has(n.id)) ?? p.nodes[0];
  if (root === undefined) throw new Error('not a CPU profile: no nodes');
  const build = (id: number): FlameNode => {
    const n = byId.get(id);
    if (n === undefined) return { n: '?', l: '', s: 0, t: 0, c: [] };
    const c = (n.children ?? []).map(build);
    const s = self.get(id) ?? 0;
    return { n: n.callFrame.functionName || '(anonymous)', l: locationOf(n.callFrame), s, t: s + c.reduce((a, x) => a + x.t, 0), c };
  };
  const tree = build(root.id);
  const min = tree.t * minFraction;
  const prune = (f: FlameNode): FlameNode => ({ ...f, s: Math.round(f.s), t: Math.round(f.t), c: f.c.filter((x) => x.t >= min).sort((a, b) => b.t - a.t).map(prune) });
  return prune(tree);
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

// Draws the tree as an icicle (root on top), a row per depth; click a frame to zoom, click the root to reset.
const FLAME_JS = `
const T = JSON.parse(document.getElementById('tree').textContent);
const box = document.getElementById('flame'), info = document.getElementById('info');
function hue(l) { return l.includes('node_modules') ? 45 : l.startsWith('node:') || l === '(native)' ? 200 : l.startsWith('(') ? 0 : 15; }
function draw(focus) {
  box.innerHTML = '';
  const rows = [];
  (function walk(f, x, depth, scale) {
    const w = f.t * scale;
    if (w < 0.05) return;
    const d = document.createElement('div');
    d.className = 'f';
    d.style.left = x + '%'; d.style.width = w + '%'; d.style.top = (depth * 18) + 'px';
    d.style.background = 'hsl(' + hue(f.l) + ',70%,' + (60 + (depth * 7) % 25) + '%)';
    d.textContent = f.n;
    d.title = f.n + ' ' + f.l + '\\nself ' + (f.s / 1000).toFixed(1) + ' ms, total ' + (f.t / 1000).toFixed(1) + ' ms (' + (100 * f.t / T.t).toFixed(1) + ' %)';
    d.onclick = (e) => { e.stopPropagation(); draw(f === focus ? T : f); };
    d.onmouseover = () => { info.textContent = d.title; };
    box.appendChild(d);
    rows[depth] = true;
    let cx = x;
    for (const c of f.c) { walk(c, cx, depth + 1, scale); cx += c.t * scale; }
  })(focus, 0, 0, 100 / Math.max(1, focus.t));
  box.style.height = (rows.length * 18 + 4) + 'px';
}
draw(T);
`;

/** A self-contained flame graph page for `p` (the tree is embedded; no external script). */
export function flameGraphHtml(p: CpuProfile, title: string): string {
  const tree = flameTree(p);
  const json = JSON.stringify(tree).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:13px system-ui,sans-serif;margin:16px}#flame{position:relative;width:100%;overflow:hidden}
.f{position:absolute;height:17px;line-height:17px;font-size:11px;overflow:hidden;white-space:nowrap;box-sizing:border-box;border:1px solid #fff;padding:0 3px;cursor:pointer}
#info{min-height:36px;white-space:pre;font-family:monospace}</style></head><body>
<h1 style="font-size:18px">${esc(title)}</h1>
<p>${(tree.t / 1000).toFixed(0)} ms sampled. Width = total time; root on top, callees below. Click a frame to zoom, again to reset. Orange: application, blue: node internals/native, yellow: node_modules.</p>
<div id="info"></div><div id="flame"></div>
<script id="tree" type="application/json">${json}</script>
<script>${FLAME_JS}</script>
</body></html>
`;
}
