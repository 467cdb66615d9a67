/**
 * A summary of a V8 heap snapshot (`.heapsnapshot`, the format DevTools reads): the largest constructors
 * by self size and count, and the top retainers, i.e. which (holder, edge) pairs hold the most bytes of
 * those constructors' objects directly. Direct retention, not the dominator tree's retained size: cheap to
 * compute and enough to point at the map or array that keeps growing.
 */

interface SnapshotMeta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

/** The parts of the `.heapsnapshot` JSON read here. */
export interface HeapSnapshot {
  snapshot: { meta: SnapshotMeta; node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface ConstructorRow {
  /** Constructor name for objects, `(type)` for strings, arrays, closures, code, ... */
  name: string;
  count: number;
  selfBytes: number;
}

export interface RetainerRow {
  /** `Holder --edge--> Held`; element indices are collapsed to `[]`. */
  path: string;
  count: number;
  /** Self bytes of the held objects. */
  heldBytes: number;
}

export interface MemorySummary {
  nodes: number;
  totalSelfBytes: number;
  largestConstructors: ConstructorRow[];
  topRetainers: RetainerRow[];
}

/**
 * Summarises a parsed snapshot.
 * @throws Error when it lacks the node/edge field layout (not a heap snapshot).
 */
export function summariseHeap(h: HeapSnapshot, limit = 20): MemorySummary {
  const meta = h.snapshot?.meta;
  if (meta === undefined || !Array.isArray(h.nodes) || !Array.isArray(h.edges)) throw new Error('not a heap snapshot: no snapshot.meta, nodes or edges');
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const count = h.nodes.length / nf;
  const classOf = (i: number): string => {
    const t = nodeTypes[h.nodes[i * nf + nType] as number] ?? '?';
    return t === 'object' || t === 'native' ? (h.strings[h.nodes[i * nf + nName] as number] ?? '?') : `(${t})`;
  };
  const classes = new Map<string, ConstructorRow>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    const name = classOf(i);
    const size = h.nodes[i * nf + nSize] as number;
    total += size;
    const row = classes.get(name) ?? { name, count: 0, selfBytes: 0 };
    row.count++;
    row.selfBytes += size;
    classes.set(name, row);
  }
  const largest = [...classes.values()].sort((a, b) => b.selfBytes - a.selfBytes).slice(0, limit);
  const watched = new Set(largest.map((r) => r.name));
  const retainers = new Map<string, RetainerRow>();
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const edges = h.nodes[i * nf + nEdges] as number;
    const holder = classOf(i);
    for (let k = 0; k < edges; k++, edge++) {
      const type = edgeTypes[h.edges[edge * ef + eType] as number];
      if (type === 'weak') continue;
      const to = (h.edges[edge * ef + eTo] as number) / nf;
      const held = classOf(to);
      if (!watched.has(held)) continue;
      const nameOrIndex = h.edges[edge * ef + eName] as number;
      const label = type === 'element' || type === 'hidden' ? '[]' : (h.strings[nameOrIndex] ?? '?');
      const path = `${holder} --${label}--> ${held}`;
      const row = retainers.get(path) ?? { path, count: 0, heldBytes: 0 };
      row.count++;
      row.heldBytes += h.nodes[to * nf + nSize] as number;
      retainers.set(path, row);
    }
  }
  return {
    nodes: count,
    totalSelfBytes: total,
    largestConstructors: largest,
    topRetainers: [...retainers.values()].sort((a, b) => b.heldBytes - a.heldBytes).slice(0, limit),
  };
}
