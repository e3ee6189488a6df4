// Drill-down between views without losing context: host -> its containers -> their processes, pod -> its
// containers, image -> its containers, a service or controller -> its pods. The child view keeps only the
// drilled node's children, found by their parents (live: new children appear) or, for group nodes that are no
// one's parent (processes by name), by the IDs the node's details list as children.

import type { NodeDetails, NodeSummary } from "../api/types";
import type { Crumb } from "../state/store";

// Where drilling into a node of a view leads, best first (the node's details must list children there).
const DRILL: Record<string, string[]> = {
  hosts: ["containers", "pods", "processes"],
  containers: ["processes"],
  "containers-by-image": ["containers"],
  "containers-by-hostname": ["containers"],
  pods: ["containers"],
  "kube-controllers": ["pods"],
  services: ["pods"],
  namespaces: ["pods"],
  "processes-by-name": ["processes"],
  "ecs-services": ["ecs-tasks"],
  "ecs-tasks": ["containers"],
  "swarm-services": ["containers"],
};

/** Options a drilled-into view uses unless the user chose otherwise: every child, not only connected ones. */
export const DRILL_OPTIONS: Record<string, string> = { unconnected: "show", system: "all" };

export interface DrillTarget { topology: string; childIds: Set<string> }

/** The view to drill into from a node, and its children's IDs; null if it has none. */
export function drillTarget(from: string, d: NodeDetails): DrillTarget | null {
  const groups = (d.children ?? []).filter((g) => g.nodes?.length && g.topologyId);
  const prefs = DRILL[from] ?? [];
  const g = prefs.map((t) => groups.find((x) => x.topologyId === t)).find(Boolean) ?? groups[0];
  if (!g) return null;
  return { topology: g.topologyId, childIds: new Set((g.nodes ?? []).map((n) => n.id)) };
}

/** Whether a node of the child view belongs to the crumb's node. */
export function inContext(crumb: Crumb, childIds: ReadonlySet<string> | undefined): (n: NodeSummary) => boolean {
  return (n) => (n.parents ?? []).some((p) => p.id === crumb.node) || (childIds?.has(n.id) ?? false);
}
