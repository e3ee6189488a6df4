// The topology list (GET /api/topology) as the view selector needs it: IDs from URLs, sub-topologies under
// their parent, empty ones hidden Scope-style, and the default view Scope would open.

import type { TopologyDesc, TopologyOption } from "../api/types";

export interface TopologyEntry {
  id: string;
  name: string;
  fullName: string; // "Containers by image"
  parentId: string | null;
  desc: TopologyDesc;
  children: TopologyEntry[];
}

export function topologyId(desc: TopologyDesc): string {
  return desc.url.split("/").pop() ?? desc.url;
}

/** Scope's filterHiddenTopologies: hide_if_empty ones with neither nodes nor filtered-out nodes. */
export function isShown(desc: TopologyDesc, current: string | null): boolean {
  const id = topologyId(desc);
  return !desc.hide_if_empty || desc.stats.node_count > 0 || desc.stats.filtered_nodes > 0 || id === current;
}

/** Top-level entries sorted by rank, each with its shown sub-topologies. */
export function entries(list: TopologyDesc[], current: string | null): TopologyEntry[] {
  const out: TopologyEntry[] = [];
  for (const t of [...list].sort((a, b) => a.rank - b.rank)) {
    const id = topologyId(t);
    const children = (t.sub_topologies ?? [])
      .filter((s) => isShown(s, current))
      .map((s) => ({ id: topologyId(s), name: s.name, fullName: `${t.name} ${s.name}`, parentId: id, desc: s,
        children: [] }));
    if (!isShown(t, current) && !children.some((c) => c.id === current)) continue;
    out.push({ id, name: t.name, fullName: t.name, parentId: null, desc: t, children });
  }
  return out;
}

export function flatten(list: TopologyDesc[]): Map<string, TopologyEntry> {
  const map = new Map<string, TopologyEntry>();
  for (const e of entries(list, null)) {
    map.set(e.id, e);
    for (const c of e.children) map.set(c.id, c);
  }
  // Hidden ones too: a shared URL may name one that is empty right now.
  for (const t of list) {
    const id = topologyId(t);
    if (!map.has(id)) map.set(id, { id, name: t.name, fullName: t.name, parentId: null, desc: t, children: [] });
    for (const s of t.sub_topologies ?? []) {
      const sid = topologyId(s);
      if (!map.has(sid)) {
        map.set(sid, { id: sid, name: s.name, fullName: `${t.name} ${s.name}`, parentId: id, desc: s, children: [] });
      }
    }
  }
  return map;
}

// Scope's TOPOLOGY_DISPLAY_PRIORITY, then whatever has nodes.
const PRIORITY = ["ecs-services", "ecs-tasks", "kube-controllers", "services", "replica-sets", "pods", "containers"];

export function defaultTopology(list: TopologyDesc[]): string | null {
  const all = [...flatten(list).values()];
  const nonEmpty = (e: TopologyEntry) => e.desc.stats.node_count > 0;
  for (const id of PRIORITY) {
    const e = all.find((x) => x.id === id);
    if (e && nonEmpty(e)) return id;
  }
  const withNodes = all.find((e) => e.parentId === null && nonEmpty(e));
  return withNodes?.id ?? all.find((e) => e.id === "hosts")?.id ?? all[0]?.id ?? null;
}

/** The options of a topology, or none. */
export function optionsOf(desc: TopologyDesc | undefined): TopologyOption[] {
  return desc?.options ?? [];
}

/** Query parameters for a topology: every option spelled out (defaults included), as Scope's UI sends them. */
export function optionParams(desc: TopologyDesc | undefined, chosen: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of optionsOf(desc)) out[o.id] = chosen[o.id] ?? o.defaultValue;
  return out;
}
