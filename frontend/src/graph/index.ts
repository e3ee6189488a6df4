// The graph component: a WebGL (sigma 4) map of a Scope topology.
// See README.md in this folder for the contract, thresholds and performance notes.

export type {
  GraphDelta,
  GraphNode,
  GraphOptions,
  HoverListener,
  MetadataRow,
  MetricRow,
  OpenListener,
  ParentRef,
  SelectListener,
  Status,
} from "./types";
export { GraphView, ANIMATE_MAX_EDGES, HIDE_EDGES_ON_MOVE_ABOVE } from "./view";
export {
  statusOf,
  colorOf,
  metricStatus,
  CPU_WARNING_PERCENT,
  CPU_CRITICAL_PERCENT,
  MEMORY_WARNING_PERCENT,
  MEMORY_CRITICAL_PERCENT,
  FAILED_CONNECTIONS_WARNING,
  STATUS_COLORS,
  PSEUDO_COLOR,
} from "./status";
export { groupOf, isClusterId, CLUSTER_PREFIX } from "./grouping";
export { edgeKey } from "./model";
