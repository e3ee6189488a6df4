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
}

interface Internals {
  edgeGroups: EdgeGroups;
  internals: { dragManager?: { graph: unknown } };
  unbindGraphHandlers(): void;
  bindGraphHandlers(): void;
  removeNode(key: string): void;
}

function internalsOf(sigma: AnySigma): Internals | null {
  const s = sigma as unknown as Partial<Internals>;
  const ok =
    typeof s.unbindGraphHandlers === "function" &&
    typeof s.bindGraphHandlers === "function" &&
    typeof s.removeNode === "function";
  return ok ? (s as Internals) : null;
}

/**
 * sigma.setGraph(), fixed: sigma 4.0.4 keeps its parallel-edge index and its
 * drag manager on the previous graph (both get the graph in sigma's
 * constructor only): the next edge added to the new graph threw "Graph.source:
 * could not find the edge". The graph sigma sees now holds nodes only (edges.ts
 * draws the edges), but the fix stays so nothing in sigma keeps a stale graph.
 * setGraph re-indexes and renders synchronously.
 */
export function setGraph(sigma: AnySigma, g: AnyGraph): void {
  const s = sigma as unknown as Partial<Internals>;
  if (s.edgeGroups && "graph" in s.edgeGroups) s.edgeGroups.graph = g;
  const drag = s.internals?.dragManager;
  if (drag && "graph" in drag) drag.graph = g;
  sigma.setGraph(g);
}

/**
 * Drops nodes with ONE re-index. Through graph events, sigma re-indexes every
 * node synchronously for each dropped node (its drop handler asks for a full
 * refresh): ~15 ms per drop at 1,000 nodes, ~100 ms at 10,000, so a delta
 * removing 10 processes would block for a second. This detaches sigma's graph
 * listeners, does what the drop handler does minus its full refresh,
 * re-attaches them, and asks for one node re-process at the next frame.
 * The graph given to sigma holds no edges (edges.ts draws them).
 */
export function dropNodes(sigma: AnySigma, graph: AnyGraph, nodes: readonly string[]): void {
  if (nodes.length === 0) return;
  const s = internalsOf(sigma);
  if (!s) {
    for (const n of nodes) if (graph.hasNode(n)) graph.dropNode(n);
    return;
  }
  s.unbindGraphHandlers();
  try {
    for (const n of nodes) {
      if (!graph.hasNode(n)) continue;
      graph.dropNode(n);
      s.removeNode(n);
    }
  } finally {
    s.bindGraphHandlers();
  }
  // An empty partial refresh schedules a node re-process (programs compacted).
  sigma.refresh({ partialGraph: { nodes: [] }, schedule: true });
}
