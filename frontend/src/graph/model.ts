// The display model: Scope nodes in, display nodes (nodes or cluster nodes)
// and aggregated display edges out. No DOM, no WebGL: the view feeds it and
// draws what it says changed. Deltas are applied incrementally: the cost is
// proportional to the changed nodes and their edges, not to the topology.

import { clusterId, groupOf, isClusterId, type Group } from "./grouping";
import { programShape, shapeFor } from "./shapes";
import { clusterSize, sizeOf } from "./sizing";
import { clusterStatus, colorOf, statusOf, STATUS_COLORS } from "./status";
import type { GraphDelta, GraphNode, Status } from "./types";
import { CLUSTER_OUTLINE, EDGE_COLOR, FLOW_COLOR } from "./programs";

/** What a display node looks like (position excluded: the view owns positions). */
export interface NodeVisual {
  size: number;
  color: string;
  label: string;
  shape: string;
  labelVisibility: "auto" | "visible" | "hidden";
  outlineWidth: number;
  outlineColor: string;
  cluster: boolean;
}

export interface EdgeVisual {
  size: number;
  color: string;
  flow: number;
}

/** Display ids and display edge keys touched by a change. */
export interface ModelChange {
  /** Display nodes to add, update or remove (the view checks which). */
  nodes: Set<string>;
  /** Display edges whose multiplicity or rate changed (0 = gone). */
  edges: Set<string>;
  /** Raw ids added by the change (for seeding positions). */
  added: string[];
}

/** The display edge key for source/target display ids. */
export function edgeKey(source: string, target: string): string {
  return source + "->" + target;
}

const RAW_SEP = "\u0000";

function mixHex(a: string, b: string, t: number): string {
  const x = parseInt(a.slice(1), 16);
  const y = parseInt(b.slice(1), 16);
  const ch = (s: number): number => {
    const u = (x >> s) & 255;
    const v = (y >> s) & 255;
    return Math.round(u + (v - u) * t);
  };
  return "#" + ((1 << 24) | (ch(16) << 16) | (ch(8) << 8) | ch(0)).toString(16).slice(1);
}

/** Traffic fraction (0..1) of a rate in bytes/s: log10, 100 MB/s ~ 1. */
export function rateFraction(rate: number): number {
  if (!(rate > 0)) return 0;
  return Math.min(1, Math.log10(1 + rate) / 8);
}

/** Width, colour and pulse intensity of an edge of `count` raw edges carrying `rate` bytes/s. */
export function edgeVisual(count: number, rate: number, animate: boolean): EdgeVisual {
  const f = rateFraction(rate);
  const multiplicity = count > 1 ? Math.min(2, Math.log2(count) * 0.4) : 0;
  return {
    size: 1 + multiplicity + 2.5 * f,
    color: f > 0 ? mixHex(EDGE_COLOR, FLOW_COLOR, 0.25 + 0.75 * f) : EDGE_COLOR,
    flow: animate && f > 0 ? 0.15 + 0.85 * f : 0,
  };
}

export function sameNodeVisual(a: NodeVisual, b: NodeVisual): boolean {
  return (
    a.size === b.size &&
    a.color === b.color &&
    a.label === b.label &&
    a.shape === b.shape &&
    a.labelVisibility === b.labelVisibility &&
    a.outlineWidth === b.outlineWidth &&
    a.outlineColor === b.outlineColor
  );
}

export class TopologyModel {
  /** Scope nodes by id. */
  readonly raw = new Map<string, GraphNode>();
  /** target -> present sources with an edge to it. */
  private readonly rawIn = new Map<string, Set<string>>();
  private readonly groups = new Map<string, Group>();
  private readonly members = new Map<string, Set<string>>();
  private readonly clusterLabels = new Map<string, string>();
  private readonly expanded = new Set<string>();
  private readonly edgeCounts = new Map<string, number>();
  private readonly edgeRatesAgg = new Map<string, number>();
  private readonly edgeEndsMap = new Map<string, [string, string]>();

  sizeMetric: string | null = null;
  groupBy: string | null = null;
  edgeRates: Map<string, number> | null = null;

  // ---- queries ---------------------------------------------------------

  /** The display node a Scope node is drawn as (itself, or its cluster). */
  rep(id: string): string {
    const g = this.groups.get(id);
    if (!g) return id;
    const cid = clusterId(g.key);
    return this.expanded.has(cid) ? id : cid;
  }

  /** Whether `displayId` is currently drawn. */
  hasDisplay(displayId: string): boolean {
    if (isClusterId(displayId)) {
      const m = this.members.get(displayId);
      return !!m && m.size > 0 && !this.expanded.has(displayId);
    }
    return this.raw.has(displayId) && this.rep(displayId) === displayId;
  }

  /** All display node ids. */
  displayIds(): string[] {
    const out: string[] = [];
    for (const id of this.raw.keys()) if (this.rep(id) === id) out.push(id);
    for (const [cid, m] of this.members) if (m.size > 0 && !this.expanded.has(cid)) out.push(cid);
    return out;
  }

  /** Scope ids drawn as `displayId` (one id, or a cluster's members). */
  membersOf(displayId: string): string[] {
    if (isClusterId(displayId)) return [...(this.members.get(displayId) ?? [])];
    return this.raw.has(displayId) ? [displayId] : [];
  }

  clusterOf(rawId: string): string | null {
    const g = this.groups.get(rawId);
    return g ? clusterId(g.key) : null;
  }

  isExpanded(cid: string): boolean {
    return this.expanded.has(cid);
  }

  /** Display edges: [key, source, target]. */
  *displayEdges(): IterableIterator<[string, string, string]> {
    for (const [key, [s, t]] of this.edgeEndsMap) yield [key, s, t];
  }

  edgeEnds(key: string): [string, string] | undefined {
    return this.edgeEndsMap.get(key);
  }

  edgeCount(key: string): number {
    return this.edgeCounts.get(key) ?? 0;
  }

  displayEdgeCount(): number {
    return this.edgeEndsMap.size;
  }

  edgeVisualOf(key: string, animate: boolean): EdgeVisual {
    return edgeVisual(this.edgeCount(key), this.edgeRatesAgg.get(key) ?? 0, animate);
  }

  /** Sum of rates over display edges (0 = nothing to animate). */
  hasTraffic(): boolean {
    for (const r of this.edgeRatesAgg.values()) if (r > 0) return true;
    return false;
  }

  /** Present Scope nodes with an edge to `id`. */
  sourcesOf(id: string): ReadonlySet<string> {
    return this.rawIn.get(id) ?? new Set();
  }

  /** Live edges of a Scope node (both ends present, no self loops). */
  degree(id: string): number {
    const n = this.raw.get(id);
    let d = 0;
    if (n?.adjacency) for (const b of n.adjacency) if (b !== id && this.raw.has(b)) d++;
    const ins = this.rawIn.get(id);
    if (ins) for (const a of ins) if (a !== id) d++;
    return d;
  }

  nodeVisual(displayId: string): NodeVisual {
    if (isClusterId(displayId)) return this.clusterVisual(displayId);
    const n = this.raw.get(displayId);
    if (!n) throw new Error(`no node ${displayId}`);
    return {
      size: sizeOf(n, this.sizeMetric, this.sizeMetric === "connections" ? this.degree(displayId) : 0),
      color: colorOf(n),
      label: n.label || displayId,
      shape: programShape(shapeFor(n.shape, n.pseudo)),
      labelVisibility: "auto",
      outlineWidth: 0,
      outlineColor: CLUSTER_OUTLINE,
      cluster: false,
    };
  }

  private clusterVisual(cid: string): NodeVisual {
    const m = this.members.get(cid);
    const count = m ? m.size : 0;
    const statuses: Status[] = [];
    const shapes = new Map<string, number>();
    if (m) {
      for (const id of m) {
        const n = this.raw.get(id);
        if (!n) continue;
        statuses.push(statusOf(n));
        const s = shapeFor(n.shape, n.pseudo);
        shapes.set(s, (shapes.get(s) ?? 0) + 1);
      }
    }
    let shape = "circle";
    let best = 0;
    // Ties go to the first name alphabetically: the result must not depend on member order.
    for (const [s, c] of shapes) if (c > best || (c === best && s < shape)) [shape, best] = [s, c];
    return {
      size: clusterSize(count),
      color: STATUS_COLORS[clusterStatus(statuses)],
      label: `${this.clusterLabels.get(cid) ?? cid} (${count})`,
      shape: programShape(shape as Parameters<typeof programShape>[0]),
      labelVisibility: "visible",
      outlineWidth: 2,
      outlineColor: CLUSTER_OUTLINE,
      cluster: true,
    };
  }

  // ---- changes ---------------------------------------------------------

  /** Replaces everything. Cluster expansions are kept only if asked. */
  reset(nodes: readonly GraphNode[], keepExpanded = false): void {
    this.raw.clear();
    this.rawIn.clear();
    if (!keepExpanded) this.expanded.clear();
    for (const n of nodes) this.raw.set(n.id, n);
    for (const n of nodes) this.linkIn(n);
    this.regroup();
  }

  /** Re-groups every node under the current groupBy and rebuilds the display edges. */
  regroup(): void {
    this.groups.clear();
    this.members.clear();
    this.clusterLabels.clear();
    for (const n of this.raw.values()) this.addToGroup(n);
    this.rebuildEdges();
  }

  setGroupBy(groupBy: string | null): void {
    this.groupBy = groupBy;
    this.expanded.clear();
    this.regroup();
  }

  /** Expands a cluster into its members; returns false if it is not a cluster. */
  expand(cid: string): boolean {
    if (!this.members.has(cid) || this.expanded.has(cid)) return false;
    this.expanded.add(cid);
    this.rebuildEdges();
    return true;
  }

  collapseAll(): void {
    this.expanded.clear();
    this.rebuildEdges();
  }

  setEdgeRates(rates: Map<string, number> | null): void {
    this.edgeRates = rates;
    this.edgeRatesAgg.clear();
    if (!rates) return;
    for (const [a, n] of this.raw) {
      if (!n.adjacency) continue;
      for (const b of n.adjacency) {
        if (!this.live(a, b)) continue;
        const r = rates.get(edgeKey(a, b));
        if (r && r > 0) {
          const k = edgeKey(this.rep(a), this.rep(b));
          if (this.edgeEndsMap.has(k)) this.edgeRatesAgg.set(k, (this.edgeRatesAgg.get(k) ?? 0) + r);
        }
      }
    }
  }

  /** Applies a websocket delta incrementally. */
  apply(delta: GraphDelta): ModelChange {
    const change: ModelChange = { nodes: new Set(), edges: new Set(), added: [] };
    const touched = new Set<string>();
    for (const id of delta.remove ?? []) touched.add(id);
    for (const n of delta.update ?? []) touched.add(n.id);
    for (const n of delta.add ?? []) touched.add(n.id);

    // 1. Detach: the edges and display nodes of touched nodes, as they were.
    const before = this.incidentRawEdges(touched);
    for (const [a, b] of before) this.countRawEdge(a, b, -1, change.edges);
    for (const id of touched) if (this.raw.has(id)) change.nodes.add(this.rep(id));

    // 2. Mutate.
    for (const id of delta.remove ?? []) this.removeRaw(id);
    for (const n of delta.update ?? []) this.putRaw(n, change);
    for (const n of delta.add ?? []) this.putRaw(n, change);

    // 3. Attach, as they are now.
    const after = this.incidentRawEdges(touched);
    for (const [a, b] of after) this.countRawEdge(a, b, +1, change.edges);
    for (const id of touched) if (this.raw.has(id)) change.nodes.add(this.rep(id));

    // Degree-sized nodes change size with their edges.
    if (this.sizeMetric === "connections") {
      for (const [a, b] of before) change.nodes.add(this.rep(a)).add(this.rep(b));
      for (const [a, b] of after) change.nodes.add(this.rep(a)).add(this.rep(b));
    }
    // Edges detached and re-attached as they were are not changes.
    for (const [k, [count, rate]] of this.edgeAtStart) {
      if ((this.edgeCounts.get(k) ?? 0) === count && Math.abs((this.edgeRatesAgg.get(k) ?? 0) - rate) < 1e-6) {
        change.edges.delete(k);
      }
    }
    this.edgeAtStart.clear();
    return change;
  }

  // ---- internals -------------------------------------------------------

  /** Count and rate of each display edge touched by apply(), before it. */
  private readonly edgeAtStart = new Map<string, [number, number]>();

  private live(a: string, b: string): boolean {
    return a !== b && this.raw.has(a) && this.raw.has(b);
  }

  private linkIn(n: GraphNode): void {
    if (!n.adjacency) return;
    for (const b of n.adjacency) {
      if (b === n.id) continue;
      let s = this.rawIn.get(b);
      if (!s) this.rawIn.set(b, (s = new Set()));
      s.add(n.id);
    }
  }

  private unlinkIn(n: GraphNode): void {
    if (!n.adjacency) return;
    for (const b of n.adjacency) {
      const s = this.rawIn.get(b);
      if (!s) continue;
      s.delete(n.id);
      if (s.size === 0) this.rawIn.delete(b);
    }
  }

  private addToGroup(n: GraphNode): void {
    const g = groupOf(n, this.groupBy);
    if (!g) return;
    this.groups.set(n.id, g);
    const cid = clusterId(g.key);
    let m = this.members.get(cid);
    if (!m) {
      this.members.set(cid, (m = new Set()));
      this.clusterLabels.set(cid, g.label);
    }
    m.add(n.id);
  }

  private removeFromGroup(id: string): void {
    const g = this.groups.get(id);
    if (!g) return;
    this.groups.delete(id);
    const cid = clusterId(g.key);
    const m = this.members.get(cid);
    if (m) {
      m.delete(id);
      if (m.size === 0) {
        this.members.delete(cid);
        this.clusterLabels.delete(cid);
        this.expanded.delete(cid);
      }
    }
  }

  private removeRaw(id: string): void {
    const n = this.raw.get(id);
    if (!n) return;
    this.unlinkIn(n);
    this.removeFromGroup(id);
    this.raw.delete(id);
  }

  private putRaw(n: GraphNode, change: ModelChange): void {
    const old = this.raw.get(n.id);
    if (old) {
      this.unlinkIn(old);
      this.removeFromGroup(n.id);
    } else {
      change.added.push(n.id);
    }
    this.raw.set(n.id, n);
    this.linkIn(n);
    this.addToGroup(n);
  }

  /** Live raw edges with at least one end in `ids`, deduplicated. */
  private incidentRawEdges(ids: Set<string>): [string, string][] {
    const seen = new Set<string>();
    const out: [string, string][] = [];
    const push = (a: string, b: string): void => {
      if (!this.live(a, b)) return;
      const k = a + RAW_SEP + b;
      if (seen.has(k)) return;
      seen.add(k);
      out.push([a, b]);
    };
    for (const id of ids) {
      const n = this.raw.get(id);
      if (!n) continue;
      if (n.adjacency) for (const b of n.adjacency) push(id, b);
      const ins = this.rawIn.get(id);
      if (ins) for (const a of ins) push(a, id);
    }
    return out;
  }

  private countRawEdge(a: string, b: string, by: 1 | -1, touched: Set<string>): void {
    const s = this.rep(a);
    const t = this.rep(b);
    if (s === t) return;
    const k = edgeKey(s, t);
    if (!touched.has(k)) {
      touched.add(k);
      this.edgeAtStart.set(k, [this.edgeCounts.get(k) ?? 0, this.edgeRatesAgg.get(k) ?? 0]);
    }
    const c = (this.edgeCounts.get(k) ?? 0) + by;
    if (c > 0) {
      this.edgeCounts.set(k, c);
      if (!this.edgeEndsMap.has(k)) this.edgeEndsMap.set(k, [s, t]);
    } else {
      this.edgeCounts.delete(k);
      this.edgeEndsMap.delete(k);
    }
    const r = this.edgeRates?.get(edgeKey(a, b));
    if (r && r > 0) {
      const agg = (this.edgeRatesAgg.get(k) ?? 0) + by * r;
      if (agg > 1e-6 && c > 0) this.edgeRatesAgg.set(k, agg);
      else this.edgeRatesAgg.delete(k);
    }
  }

  private rebuildEdges(): void {
    this.edgeCounts.clear();
    this.edgeEndsMap.clear();
    for (const [a, n] of this.raw) {
      if (!n.adjacency) continue;
      for (const b of n.adjacency) {
        if (!this.live(a, b)) continue;
        const s = this.rep(a);
        const t = this.rep(b);
        if (s === t) continue;
        const k = edgeKey(s, t);
        this.edgeCounts.set(k, (this.edgeCounts.get(k) ?? 0) + 1);
        if (!this.edgeEndsMap.has(k)) this.edgeEndsMap.set(k, [s, t]);
      }
    }
    this.setEdgeRates(this.edgeRates);
  }
}
