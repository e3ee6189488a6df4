// Node health: a pure function of a node's metrics. The thresholds are the
// contract; the README and the UI legend repeat them.

import type { GraphNode, MetricRow, Status } from "./types";

/**
 * CPU thresholds, in percent of the capacity Scope reports for the metric.
 * The capacity is the metric's `max` when it is at least 100 (Scope sends
 * 100 x cores for processes, 100 for hosts and containers), otherwise 100.
 * cpu% >= 80 is "warning", cpu% >= 95 is "critical".
 * Metrics: any id containing "cpu" (process_cpu_usage_percent,
 * docker_cpu_total_usage, host_cpu_usage_percent).
 */
export const CPU_WARNING_PERCENT = 80;
export const CPU_CRITICAL_PERCENT = 95;

/**
 * Memory thresholds, in percent of the metric's `max` (the container's limit,
 * or the host's memory when there is no limit). memory% >= 80 is "warning",
 * >= 95 is "critical". A `max` of 2^53 or more is Scope's "unbounded"
 * sentinel (processes report 2^64) and gives no memory status.
 * Metrics: any id containing "mem" (docker_memory_usage, host_mem_usage_bytes,
 * process_memory_usage_bytes).
 */
export const MEMORY_WARNING_PERCENT = 80;
export const MEMORY_CRITICAL_PERCENT = 95;

/**
 * Failed connections: any metric whose id contains "fail" (e.g.
 * "connection_failures", "failed_connections") with a value above this is
 * "warning".
 */
export const FAILED_CONNECTIONS_WARNING = 0;

/** Above this `max`, a metric's max is a sentinel, not a capacity. */
export const UNBOUNDED_MAX = 2 ** 53;

/**
 * Colours by status. Pseudo nodes (the internet, uncontained, ...) are grey
 * whatever their metrics; "unknown" is a node without any metric the
 * thresholds read.
 */
export const STATUS_COLORS: Readonly<Record<Status, string>> = {
  healthy: "#3d9f78",
  warning: "#e8a10f",
  critical: "#de3b3b",
  unknown: "#7f8ba0",
};
export const PSEUDO_COLOR = "#b9bec7";

const RANK: Record<Status, number> = { unknown: 0, healthy: 1, warning: 2, critical: 3 };

function worse(a: Status, b: Status): Status {
  return RANK[b] > RANK[a] ? b : a;
}

function grade(percent: number, warning: number, critical: number): Status {
  if (percent >= critical) return "critical";
  if (percent >= warning) return "warning";
  return "healthy";
}

/** Percent of capacity for a CPU metric (see CPU_WARNING_PERCENT). */
export function cpuPercent(m: MetricRow): number {
  const capacity = m.max !== undefined && m.max >= 100 && m.max < UNBOUNDED_MAX ? m.max : 100;
  return (m.value / capacity) * 100;
}

/** Percent of the limit for a memory metric, or null without a usable limit. */
export function memoryPercent(m: MetricRow): number | null {
  if (m.max === undefined || !(m.max > 0) || m.max >= UNBOUNDED_MAX) return null;
  return (m.value / m.max) * 100;
}

/** Status of one metric, or null when the thresholds do not read it. */
export function metricStatus(m: MetricRow): Status | null {
  const id = m.id.toLowerCase();
  if (!Number.isFinite(m.value)) return null;
  if (id.includes("fail")) return m.value > FAILED_CONNECTIONS_WARNING ? "warning" : "healthy";
  if (id.includes("cpu")) return grade(cpuPercent(m), CPU_WARNING_PERCENT, CPU_CRITICAL_PERCENT);
  if (id.includes("mem")) {
    const p = memoryPercent(m);
    return p === null ? null : grade(p, MEMORY_WARNING_PERCENT, MEMORY_CRITICAL_PERCENT);
  }
  return null;
}

/**
 * A node's status: the worst of its metrics' statuses; "unknown" for pseudo
 * nodes and for nodes without a metric the thresholds read.
 */
export function statusOf(node: GraphNode): Status {
  if (node.pseudo) return "unknown";
  let status: Status = "unknown";
  const metrics = node.metrics;
  if (!metrics) return status;
  for (let i = 0; i < metrics.length; i++) {
    const s = metricStatus(metrics[i]);
    if (s !== null) status = worse(status, s);
  }
  return status;
}

/** The fill colour of a node. */
export function colorOf(node: GraphNode): string {
  return node.pseudo ? PSEUDO_COLOR : STATUS_COLORS[statusOf(node)];
}

/**
 * A cluster's status: "critical" when at least this share of its members is
 * critical, "warning" when that share is warning or critical, otherwise
 * "healthy" (or "unknown" when no member has a status). One hot process in a
 * host of 50 does not turn the whole host red; its own node, once the cluster
 * is expanded, does.
 */
export const CLUSTER_STATUS_SHARE = 0.1;

export function clusterStatus(statuses: readonly Status[]): Status {
  let critical = 0;
  let warning = 0;
  let healthy = 0;
  for (const s of statuses) {
    if (s === "critical") critical++;
    else if (s === "warning") warning++;
    else if (s === "healthy") healthy++;
  }
  const n = statuses.length;
  if (n === 0) return "unknown";
  if (critical > 0 && critical >= CLUSTER_STATUS_SHARE * n) return "critical";
  if (critical + warning > 0 && critical + warning >= CLUSTER_STATUS_SHARE * n) return "warning";
  return healthy + warning + critical > 0 ? "healthy" : "unknown";
}

/** Worst status of a set. */
export function worstStatus(statuses: Iterable<Status>): Status {
  let s: Status = "unknown";
  for (const x of statuses) s = worse(s, x);
  return s;
}
