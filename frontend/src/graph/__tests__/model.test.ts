import { TopologyModel } from "../model";
import type { GraphDelta, GraphNode } from "../types";
import { eq, ok, test } from "./harness";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function world(n: number, seed: number): GraphNode[] {
  const r = rng(seed);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      id: `n${i}`,
      label: `n${i}`,
      shape: i % 2 ? "hexagon" : "square",
      metrics: [{ id: "host_cpu_usage_percent", value: r() * 100, max: 100 }],
      parents: [{ id: `h${i % 5}`, label: `host ${i % 5}`, topologyId: "hosts" }],
      adjacency: [],
    });
  }
  for (const node of nodes) {
    const k = Math.floor(r() * 3);
    for (let j = 0; j < k; j++) node.adjacency!.push(`n${Math.floor(r() * (n + 5))}`); // some dangle
  }
  return nodes;
}

function randomDelta(nodes: GraphNode[], r: () => number, nextId: { v: number }): { delta: GraphDelta; after: GraphNode[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ids = [...byId.keys()];
  const remove = new Set<string>();
  const update: GraphNode[] = [];
  const add: GraphNode[] = [];
  for (let k = 0; k < 4; k++) remove.add(ids[Math.floor(r() * ids.length)]);
  for (let k = 0; k < 6; k++) {
    const id = ids[Math.floor(r() * ids.length)];
    if (remove.has(id) || update.some((u) => u.id === id)) continue;
    const old = byId.get(id)!;
    const host = r() < 0.3 ? `h${Math.floor(r() * 7)}` : old.parents![0].id;
    update.push({
      ...old,
      metrics: [{ id: "host_cpu_usage_percent", value: r() * 100, max: 100 }],
      parents: [{ id: host, label: `host ${host.slice(1)}`, topologyId: "hosts" }],
      adjacency: r() < 0.5 ? old.adjacency : [ids[Math.floor(r() * ids.length)]],
    });
  }
  for (let k = 0; k < 3; k++) {
    const id = `n${nextId.v++}`;
    add.push({
      id,
      label: id,
      parents: [{ id: `h${k}`, label: `host ${k}`, topologyId: "hosts" }],
      adjacency: [ids[Math.floor(r() * ids.length)], `n${nextId.v + 1}`],
    });
  }
  for (const id of remove) byId.delete(id);
  for (const u of update) byId.set(u.id, u);
  for (const a of add) byId.set(a.id, a);
  return { delta: { add, update, remove: [...remove] }, after: [...byId.values()] };
}

/** Everything a view would draw, in a comparable form. */
function snapshot(m: TopologyModel): { nodes: string[]; edges: string[] } {
  const nodes = m.displayIds().sort().map((id) => `${id} ${JSON.stringify(m.nodeVisual(id))}`);
  const edges = [...m.displayEdges()].map(([k]) => `${k} x${m.edgeCount(k)}`).sort();
  return { nodes, edges };
}

function lawIncrementalEqualsReset(groupBy: string | null, sizeMetric: string | null): void {
  const r = rng(7);
  let nodes = world(60, 3);
  const inc = new TopologyModel();
  inc.groupBy = groupBy;
  inc.sizeMetric = sizeMetric;
  inc.reset(nodes);
  const nextId = { v: 100 };
  for (let step = 0; step < 25; step++) {
    const { delta, after } = randomDelta(nodes, r, nextId);
    inc.apply(delta);
    nodes = after;
    const full = new TopologyModel();
    full.groupBy = groupBy;
    full.sizeMetric = sizeMetric;
    full.reset(nodes);
    eq(snapshot(inc), snapshot(full), `step ${step} groupBy=${groupBy}`);
  }
}

export const tests = [
  test("edges: live adjacency only, no self loops, no dangling targets", () => {
    const m = new TopologyModel();
    m.reset([
      { id: "a", label: "a", adjacency: ["b", "a", "zz"] },
      { id: "b", label: "b", adjacency: ["a"] },
    ]);
    eq([...m.displayEdges()].map(([k]) => k).sort(), ["a->b", "b->a"]);
  }),
  test("law: applying deltas = resetting to the result (ungrouped)", () => lawIncrementalEqualsReset(null, null)),
  test("law: applying deltas = resetting to the result (grouped by host)", () => lawIncrementalEqualsReset("host", null)),
  test("law: applying deltas = resetting to the result (sized by connections)", () =>
    lawIncrementalEqualsReset(null, "connections")),
  test("a metrics-only update touches its node, not its edges", () => {
    const nodes = world(30, 1);
    const m = new TopologyModel();
    m.reset(nodes);
    const u = { ...nodes[3], metrics: [{ id: "host_cpu_usage_percent", value: 99, max: 100 }] };
    const change = m.apply({ update: [u] });
    eq([...change.nodes], ["n3"]);
    eq(change.edges.size, 0);
  }),
  test("grouping: one cluster per host, aggregated edges, expansion", () => {
    const nodes = world(50, 2);
    const m = new TopologyModel();
    m.groupBy = "host";
    m.reset(nodes);
    eq(m.displayIds().length, 5);
    const v = m.nodeVisual("cluster:host|h0");
    ok(v.cluster && v.label === "host 0 (10)", `cluster label ${v.label}`);
    for (const [k, s, t] of m.displayEdges()) ok(s !== t && m.edgeCount(k) >= 1, "aggregated");
    m.expand("cluster:host|h0");
    eq(m.displayIds().length, 4 + 10);
    eq(m.rep("n0"), "n0");
    eq(m.rep("n1"), "cluster:host|h1");
  }),
  test("edge rates aggregate over clusters", () => {
    const m = new TopologyModel();
    m.groupBy = "host";
    const host = (h: string) => [{ id: h, label: h, topologyId: "hosts" }];
    m.reset([
      { id: "a", label: "a", parents: host("h1"), adjacency: ["c"] },
      { id: "b", label: "b", parents: host("h1"), adjacency: ["c"] },
      { id: "c", label: "c", parents: host("h2") },
    ]);
    m.setEdgeRates(new Map([["a->c", 1000], ["b->c", 3000]]));
    const k = "cluster:host|h1->cluster:host|h2";
    eq(m.edgeCount(k), 2);
    ok(m.hasTraffic(), "traffic");
    ok(m.edgeVisualOf(k, true).flow > 0, "animated");
    eq(m.edgeVisualOf(k, false).flow, 0);
  }),
];
