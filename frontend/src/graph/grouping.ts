// Which group a node falls in for a `groupBy` option. Pure functions.
//
//   "host"        the parent with topologyId "hosts"
//   "namespace"   metadata "kubernetes_namespace", else the parent with topologyId "namespaces"
//   "image"       the parent with topologyId "containers-by-image", else metadata "docker_image_name"
//   "label:<key>" a row of a label table (table id containing "label", row entries {label: key, value}),
//                 else a metadata row whose label (or id) is the key
//
// Pseudo nodes and nodes without a value stay ungrouped (drawn as themselves).

import type { GraphNode } from "./types";

/** Cluster node ids start with this; no Scope node id does. */
export const CLUSTER_PREFIX = "cluster:";

export interface Group {
  /** Stable group key (the cluster node's id without CLUSTER_PREFIX). */
  key: string;
  /** Cluster label. */
  label: string;
}

export function isClusterId(id: string): boolean {
  return id.startsWith(CLUSTER_PREFIX);
}

export function clusterId(groupKey: string): string {
  return CLUSTER_PREFIX + groupKey;
}

function parentOf(node: GraphNode, topologyId: string): Group | null {
  const parents = node.parents;
  if (!parents) return null;
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i];
    if (p.topologyId === topologyId) return { key: p.id, label: p.label || p.id };
  }
  return null;
}

function metadataValue(node: GraphNode, id: string): string | null {
  const rows = node.metadata;
  if (!rows) return null;
  for (let i = 0; i < rows.length; i++) if (rows[i].id === id && rows[i].value) return rows[i].value;
  return null;
}

interface TableRowLike {
  entries?: { label?: unknown; value?: unknown };
}
interface TableLike {
  id?: unknown;
  rows?: unknown;
}

/** Value of label `key` in the node's label tables or metadata, or null. */
export function labelValue(node: GraphNode, key: string): string | null {
  const tables = node.tables;
  if (Array.isArray(tables)) {
    for (const t of tables as TableLike[]) {
      if (!t || typeof t.id !== "string" || !t.id.toLowerCase().includes("label")) continue;
      if (!Array.isArray(t.rows)) continue;
      for (const r of t.rows as TableRowLike[]) {
        const e = r && r.entries;
        if (e && e.label === key && typeof e.value === "string") return e.value;
      }
    }
  }
  const rows = node.metadata;
  if (rows) {
    for (const m of rows) if ((m.label === key || m.id === key) && m.value) return m.value;
  }
  return null;
}

/** The group of `node` under `groupBy`, or null (ungrouped). */
export function groupOf(node: GraphNode, groupBy: string | null | undefined): Group | null {
  if (!groupBy || node.pseudo) return null;
  let g: Group | null = null;
  if (groupBy === "host") {
    g = parentOf(node, "hosts");
  } else if (groupBy === "namespace") {
    const ns = metadataValue(node, "kubernetes_namespace");
    g = ns ? { key: ns, label: ns } : parentOf(node, "namespaces");
  } else if (groupBy === "image") {
    g = parentOf(node, "containers-by-image");
    if (!g) {
      const img = metadataValue(node, "docker_image_name");
      g = img ? { key: img, label: img } : null;
    }
  } else if (groupBy.startsWith("label:")) {
    const key = groupBy.slice("label:".length);
    const v = labelValue(node, key);
    g = v ? { key: v, label: `${key}=${v}` } : null;
  }
  return g ? { key: `${groupBy}|${g.key}`, label: g.label } : null;
}
