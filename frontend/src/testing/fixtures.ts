// Typed fixtures for the unit tests, shaped like the app's JSON (trimmed from a real `GET /api/topology` and
// real node summaries), with spread variants.

import type { NodeSummary, TopologyDesc } from "../api/types";

const stats = (node_count: number, filtered_nodes = 0) =>
  ({ node_count, nonpseudo_node_count: node_count, edge_count: 0, filtered_nodes });

const base: Omit<TopologyDesc, "name" | "url" | "rank"> = { hide_if_empty: false, options: null, stats: stats(0) };

export const topologyList: TopologyDesc[] = [
  { ...base, name: "Processes", url: "/api/topology/processes", rank: 1, hide_if_empty: true, stats: stats(0, 77),
    options: [{ id: "unconnected", defaultValue: "hide", options: [{ value: "show", label: "Show unconnected" },
      { value: "hide", label: "Hide unconnected" }] }],
    sub_topologies: [{ ...base, name: "by name", url: "/api/topology/processes-by-name", rank: 0, hide_if_empty: true }] },
  { ...base, name: "Containers", url: "/api/topology/containers", rank: 2, stats: stats(4),
    sub_topologies: [{ ...base, name: "by image", url: "/api/topology/containers-by-image", rank: 0, stats: stats(1) }] },
  { ...base, name: "Pods", url: "/api/topology/pods", rank: 3, hide_if_empty: true,
    sub_topologies: [{ ...base, name: "Services", url: "/api/topology/services", rank: 0, hide_if_empty: true }] },
  { ...base, name: "Hosts", url: "/api/topology/hosts", rank: 4, stats: stats(1) },
];

export const host: NodeSummary = {
  id: "vm;<host>", label: "vm", labelMinor: "", shape: "circle",
  metrics: [{ id: "host_cpu_usage_percent", label: "CPU", format: "percent", value: 12.5, max: 100, priority: 1 }],
};

export const container: NodeSummary = {
  id: "754a;<container>", label: "shop-api", labelMinor: "vm", shape: "hexagon",
  parents: [{ id: "vm;<host>", label: "vm", topologyId: "hosts" }],
  tables: [{ id: "docker_label_", label: "Docker labels", type: "property-list", columns: null,
    rows: [{ id: "label_app", entries: { label: "app", value: "shop" } }] }],
};

export const process1: NodeSummary = {
  id: "vm;24305", label: "sh", labelMinor: "vm (24305)", shape: "square",
  parents: [{ id: "754a;<container>", label: "shop-api", topologyId: "containers" },
    { id: "vm;<host>", label: "vm", topologyId: "hosts" }],
};

export const process2: NodeSummary = { ...process1, id: "vm;999", labelMinor: "vm (999)",
  parents: [{ id: "vm;<host>", label: "vm", topologyId: "hosts" }] };
