// The two places where the graph component reaches into sigma 4.0.4's
// internals, kept here so that a sigma upgrade has one file to check. Each
// feature-detects what it uses and falls back to the public API (correct, but
// slower) when sigma's internals look different.

import type Graph from "graphology";
import type Sigma from "sigma";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySigma = Sigma<any, any, any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyGraph = Graph<any, any, any>;

interface EdgeGroups {
  graph: unknown;
  getSiblings(edge: string): string[];
  unregister(edge: string): void;
}

interface Internals {
  edgeGroups: EdgeGroups;
  internals: { dragManager?: { graph: unknown } };
  unbindGraphHandlers(): void;
  bindGraphHandlers(): void;
  removeNode(key: string): void;
  removeEdge(key: string): void;
  addEdge(key: string): void;
}

function internalsOf(sigma: AnySigma): Internals | null {
  const s = sigma as unknown as Partial<Internals>;
  const ok =
    typeof s.unbindGraphHandlers === "function" &&
    typeof s.bindGraphHandlers === "function" &&
    typeof s.removeNode === "function" &&
    typeof s.removeEdge === "function" &&
    typeof s.addEdge === "function" &&
    !!s.edgeGroups &&
    typeof s.edgeGroups.getSiblings === "function" &&
    typeof s.edgeGroups.unregister === "function";
  return ok ? (s as Internals) : null;
}

/**
 * sigma.setGraph(), fixed: sigma 4.0.4 keeps its parallel-edge index and its
 * drag manager on the previous graph (both get the graph in sigma's
 * constructor only), so the next edge added to the new graph throws
 * "Graph.source: could not find the edge". Points them at the new graph
 * first. setGraph re-indexes and renders synchronously.
 */
export function setGraph(sigma: AnySigma, g: AnyGraph): void {
  const s = sigma as unknown as Partial<Internals>;
  if (s.edgeGroups && "graph" in s.edgeGroups) s.edgeGroups.graph = g;
  const drag = s.internals?.dragManager;
  if (drag && "graph" in drag) drag.graph = g;
  sigma.setGraph(g);
}

/**
 * Drops nodes (with their edges) and edges with ONE re-index of the graph.
 * Through graph events, sigma re-indexes every node and edge synchronously for
 * each dropped node and each dropped edge (15 ms per drop at 1,000 nodes,
 * ~100 ms at 10,000): a delta removing 10 processes would block for seconds.
 * This detaches sigma's graph listeners, does what each drop handler does
 * minus its full refresh, re-attaches them and asks for one full re-process
 * at the next frame.
 */
export function dropBatch(sigma: AnySigma, graph: AnyGraph, nodes: readonly string[], edges: readonly string[]): void {
  if (nodes.length === 0 && edges.length === 0) return;
  const s = internalsOf(sigma);
  if (!s) {
    for (const e of edges) if (graph.hasEdge(e)) graph.dropEdge(e);
    for (const n of nodes) if (graph.hasNode(n)) graph.dropNode(n);
    return;
  }
  const siblings = new Set<string>();
  const dropEdge = (e: string): void => {
    for (const sib of s.edgeGroups.getSiblings(e)) siblings.add(sib);
    s.edgeGroups.unregister(e);
    s.removeEdge(e);
    siblings.delete(e);
    graph.dropEdge(e);
  };
  s.unbindGraphHandlers();
  try {
    for (const e of edges) if (graph.hasEdge(e)) dropEdge(e);
    for (const n of nodes) {
      if (!graph.hasNode(n)) continue;
      for (const e of graph.edges(n)) dropEdge(e);
      graph.dropNode(n);
      s.removeNode(n);
    }
  } finally {
    s.bindGraphHandlers();
  }
  let anyEdge: string | undefined;
  for (const sib of siblings) {
    if (!graph.hasEdge(sib)) continue;
    s.addEdge(sib); // its parallel-edge state changed
    anyEdge = sib;
  }
  anyEdge ??= graph.findEdge(() => true);
  // A partial refresh naming an edge schedules a full node + edge re-process;
  // without any edge left, a full refresh is as cheap.
  if (anyEdge !== undefined) sigma.refresh({ partialGraph: { edges: [anyEdge] }, schedule: true });
  else sigma.refresh({ schedule: true });
}
