// Node sizes (sigma sizes, in screen pixels at zoom 1). Each size depends on
// the node alone, never on the other nodes (no "largest value" normalisation),
// so an update changes the size of the updated nodes only.

import type { GraphNode } from "./types";
import { UNBOUNDED_MAX } from "./status";

export const UNIFORM_SIZE = 6;
export const MIN_SIZE = 4;
export const MAX_SIZE = 14;
export const CLUSTER_MIN_SIZE = 8;
export const CLUSTER_MAX_SIZE = 26;
/** Degree at which "connections" sizing reaches MAX_SIZE. */
export const CONNECTIONS_FULL = 64;
/** Member count at which a cluster reaches CLUSTER_MAX_SIZE. */
export const CLUSTER_FULL = 1000;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Log-ish scale: 0 -> 0, 0.01 -> 0.15, 0.1 -> 0.52, 1 -> 1. Small values stay
 * distinguishable from nothing, large values saturate.
 */
export function logScale(fraction: number): number {
  return Math.log1p(99 * clamp01(fraction)) / Math.log(100);
}

/**
 * Fraction (0..1) of a metric value: value / max when the metric has a real
 * max (capacity, limit), otherwise log10(1 + value) / 12 (1 TB ~ 1).
 */
export function metricFraction(value: number, max: number | undefined): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  if (max !== undefined && max > 0 && max < UNBOUNDED_MAX) return clamp01(value / max);
  return clamp01(Math.log10(1 + value) / 12);
}

/** Pseudo nodes (the internet, ...) are hubs: never smaller than this. */
export const PSEUDO_SIZE = 9;

/** Size of a node for the given size metric (null = uniform). */
export function sizeOf(node: GraphNode, sizeMetric: string | null | undefined, degree: number): number {
  if (node.pseudo) return Math.max(PSEUDO_SIZE, sizeMetric ? sizeOfMetric(node, sizeMetric, degree) : UNIFORM_SIZE);
  return sizeMetric ? sizeOfMetric(node, sizeMetric, degree) : UNIFORM_SIZE;
}

function sizeOfMetric(node: GraphNode, sizeMetric: string, degree: number): number {
  let f = 0;
  if (sizeMetric === "connections") {
    f = clamp01(Math.log1p(degree) / Math.log1p(CONNECTIONS_FULL));
    return MIN_SIZE + (MAX_SIZE - MIN_SIZE) * f;
  }
  const metrics = node.metrics;
  if (metrics) {
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i];
      if (m.id === sizeMetric) {
        f = logScale(metricFraction(m.value, m.max));
        break;
      }
    }
  }
  return MIN_SIZE + (MAX_SIZE - MIN_SIZE) * f;
}

/** Size of a cluster node with `count` members. */
export function clusterSize(count: number): number {
  const f = clamp01(Math.log1p(count) / Math.log1p(CLUSTER_FULL));
  return CLUSTER_MIN_SIZE + (CLUSTER_MAX_SIZE - CLUSTER_MIN_SIZE) * f;
}
