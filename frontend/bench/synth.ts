// Synthetic Scope topologies for the benchmark and the smoke tests: N nodes in
// hosts of ~50, ~1.5 N edges (70 % within a host), NodeSummary JSON shaped like
// Scope 1.13's (containers: hexagons with image and host parents; processes:
// squares; a few pseudo "internet" clouds). Deterministic for a given seed.

import type { GraphDelta, GraphNode, MetricRow } from "../src/graph";

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IMAGES = ["nginx:1.27", "redis:7", "postgres:16", "shop/api:2.3", "shop/web:2.3", "busybox:1.36", "envoy:1.30"];
const NAMESPACES = ["default", "shop", "kube-system", "monitoring"];
const GIB = 1024 ** 3;

export interface Synthetic {
  nodes: GraphNode[];
  hosts: string[];
  edgeCount: number;
}

function metrics(r: () => number, kind: "container" | "process"): MetricRow[] {
  // Most nodes idle, a few busy: ~8 % warning or worse.
  const hot = r() < 0.08;
  const cpu = hot ? 80 + r() * 20 : r() * r() * 40;
  const limit = 512 * 1024 ** 2;
  const mem = (hot && r() < 0.5 ? 0.8 + r() * 0.2 : r() * 0.6) * limit;
  if (kind === "container") {
    return [
      { id: "docker_cpu_total_usage", label: "CPU", format: "percent", value: cpu, min: 0, max: 100, samples: null },
      { id: "docker_memory_usage", label: "Memory", format: "filesize", value: mem, min: 0, max: limit, samples: null },
    ];
  }
  return [
    { id: "process_cpu_usage_percent", label: "CPU", format: "percent", value: cpu * 2, min: 0, max: 200, samples: null },
    { id: "process_memory_usage_bytes", label: "Memory", format: "filesize", value: mem, min: 0, max: 2 ** 64, samples: null },
    { id: "open_files_count", label: "Open files", format: "integer", value: Math.floor(r() * 200), min: 0, max: 20000, samples: null },
  ];
}

function makeNode(r: () => number, i: number, host: string): GraphNode {
  const isContainer = i % 3 !== 0;
  const hostParent = { id: `${host};<host>`, label: host, topologyId: "hosts" };
  if (isContainer) {
    const image = IMAGES[Math.floor(r() * IMAGES.length)];
    const ns = NAMESPACES[Math.floor(r() * NAMESPACES.length)];
    const name = `${image.split(/[:/]/)[image.includes("/") ? 1 : 0]}-${i}`;
    const id = `${(i * 2654435761 >>> 0).toString(16).padStart(8, "0")}c0ffee${i};<container>`;
    return {
      id,
      label: name,
      labelMinor: host,
      rank: image,
      shape: "hexagon",
      metadata: [
        { id: "docker_image_name", label: "Image name", value: image.split(":")[0], priority: 2 },
        { id: "docker_container_state_human", label: "State", value: "Up 3 hours", priority: 4 },
        { id: "kubernetes_namespace", label: "Namespace", value: ns, priority: 6 },
        { id: "docker_container_ips", label: "IPs", value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, priority: 8 },
      ],
      metrics: metrics(r, "container"),
      parents: [
        { id: `${image.split(":")[0]};<container_image>`, label: image.split(":")[0], topologyId: "containers-by-image" },
        hostParent,
      ],
      tables: [
        {
          id: "docker_label_",
          label: "Docker labels",
          type: "property-list",
          columns: null,
          rows: [
            { id: "label_app", entries: { label: "app", value: `app-${i % 17}` } },
            { id: "label_tier", entries: { label: "tier", value: ["web", "api", "db", "cache"][i % 4] } },
          ],
        },
      ],
      adjacency: [],
    };
  }
  const pid = 1000 + i;
  return {
    id: `${host};${pid}`,
    label: ["nginx", "python3", "java", "node", "postgres", "sshd"][i % 6],
    labelMinor: `${host} (${pid})`,
    rank: "proc",
    shape: "square",
    metadata: [
      { id: "pid", label: "PID", value: String(pid), priority: 1, dataType: "number" },
      { id: "cmdline", label: "Command", value: "/usr/bin/app --serve", priority: 2 },
    ],
    metrics: metrics(r, "process"),
    parents: [hostParent],
    adjacency: [],
  };
}

/** A topology of about n nodes (n - n/200 regular nodes plus n/200 pseudo clouds). */
export function synthesize(n: number, seed = 42): Synthetic {
  const r = rng(seed);
  const hostCount = Math.max(1, Math.round(n / 50));
  const hosts = Array.from({ length: hostCount }, (_, h) => `host-${String(h).padStart(3, "0")}`);
  const pseudoCount = Math.max(1, Math.round(n / 200));
  const nodes: GraphNode[] = [];
  const byHost: number[][] = hosts.map(() => []);
  for (let i = 0; i < n - pseudoCount; i++) {
    const h = Math.floor((i / (n - pseudoCount)) * hostCount);
    byHost[h].push(nodes.length);
    nodes.push(makeNode(r, i, hosts[h]));
  }
  const pseudoStart = nodes.length;
  for (let p = 0; p < pseudoCount; p++) {
    nodes.push({
      id: p === 0 ? "in-theinternet" : `pseudo:internet-${p}`,
      label: p === 0 ? "The Internet" : `Internet ${p}`,
      labelMinor: "Inbound connections",
      shape: "cloud",
      pseudo: true,
      adjacency: [],
    });
  }
  // ~1.5 N edges: each regular node gets 1 or 2 outgoing edges.
  let edgeCount = 0;
  const regular = pseudoStart;
  for (let i = 0; i < regular; i++) {
    const out = r() < 0.5 ? 1 : 2;
    const h = Math.floor((i / regular) * hostCount);
    const targets = new Set<string>();
    for (let k = 0; k < out; k++) {
      let j: number;
      const x = r();
      if (x < 0.7 && byHost[h].length > 1) j = byHost[h][Math.floor(r() * byHost[h].length)];
      else if (x < 0.98) j = Math.floor(r() * regular);
      else j = pseudoStart + Math.floor(r() * pseudoCount);
      const t = nodes[j].id;
      if (t !== nodes[i].id) targets.add(t);
    }
    nodes[i].adjacency = [...targets];
    edgeCount += targets.size;
  }
  return { nodes, hosts, edgeCount };
}

/** A copy of `node` with new metric values (an "update" as Scope sends it). */
export function withNewMetrics(node: GraphNode, r: () => number): GraphNode {
  return {
    ...node,
    metrics: node.metrics?.map((m) => ({ ...m, value: m.id.includes("cpu") ? r() * (m.max ?? 100) : m.value * (0.5 + r()) })),
  };
}

/** A delta updating the metrics of `count` nodes (no structural change). */
export function metricsDelta(nodes: GraphNode[], count: number, seed: number): GraphDelta {
  const r = rng(seed);
  const update: GraphNode[] = [];
  const picked = new Set<number>();
  while (picked.size < Math.min(count, nodes.length)) picked.add(Math.floor(r() * nodes.length));
  for (const i of picked) if (!nodes[i].pseudo) update.push(withNewMetrics(nodes[i], r));
  return { update };
}

/**
 * A mixed delta: `adds` new processes on existing hosts (with edges to
 * existing nodes), `removes` removed nodes, the rest metric updates. Returns
 * the delta and the node list after it.
 */
export function mixedDelta(
  nodes: GraphNode[],
  hosts: string[],
  total: number,
  adds: number,
  removes: number,
  seed: number,
): { delta: GraphDelta; after: GraphNode[] } {
  const r = rng(seed);
  const regular = nodes.filter((n) => !n.pseudo);
  const removed = new Set<string>();
  while (removed.size < Math.min(removes, regular.length)) removed.add(regular[Math.floor(r() * regular.length)].id);
  const add: GraphNode[] = [];
  for (let k = 0; k < adds; k++) {
    const host = hosts[Math.floor(r() * hosts.length)];
    const pid = 900000 + seed * 1000 + k;
    const target = regular[Math.floor(r() * regular.length)].id;
    add.push({
      id: `${host};${pid}`,
      label: "worker",
      labelMinor: `${host} (${pid})`,
      shape: "square",
      metrics: [{ id: "process_cpu_usage_percent", value: r() * 100, min: 0, max: 200 }],
      parents: [{ id: `${host};<host>`, label: host, topologyId: "hosts" }],
      adjacency: removed.has(target) ? [] : [target],
    });
  }
  const update: GraphNode[] = [];
  const seen = new Set<string>();
  const wanted = Math.min(total - adds - removes, regular.length - removed.size);
  while (update.length < wanted) {
    const n = regular[Math.floor(r() * regular.length)];
    if (removed.has(n.id) || seen.has(n.id)) continue;
    seen.add(n.id);
    update.push(withNewMetrics(n, r));
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const u of update) byId.set(u.id, u);
  for (const id of removed) byId.delete(id);
  for (const a of add) byId.set(a.id, a);
  return { delta: { add, update, remove: [...removed] }, after: [...byId.values()] };
}
