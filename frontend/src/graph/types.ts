// The graph component's public types. GraphNode is Scope's NodeSummary JSON as
// GET /api/topology/<id> returns it (one value of its `nodes` object).

export interface MetadataRow {
  id: string;
  label?: string;
  value: string;
  priority?: number;
  dataType?: string;
}

export interface MetricRow {
  id: string;
  label?: string;
  value: number;
  min?: number;
  max?: number;
  format?: string;
  samples?: unknown;
}

export interface ParentRef {
  id: string;
  label: string;
  topologyId: string;
}

export interface GraphNode {
  id: string;
  label: string;
  labelMinor?: string;
  rank?: string;
  /** circle, square, hexagon, heptagon, octagon, pentagon, triangle, cloud, dottedcircle, ... */
  shape?: string;
  tag?: string;
  stack?: boolean;
  pseudo?: boolean;
  metadata?: MetadataRow[];
  metrics?: MetricRow[];
  parents?: ParentRef[];
  /** Ids of nodes this node has an edge TO. */
  adjacency?: string[];
  tables?: unknown[];
}

/** A websocket delta, as Scope's /api/topology/<id>/ws sends it. */
export interface GraphDelta {
  add?: GraphNode[] | null;
  update?: GraphNode[] | null;
  remove?: string[] | null;
  reset?: boolean;
}

export type Status = "healthy" | "warning" | "critical" | "unknown";

export interface GraphOptions {
  /** Metric id (e.g. "process_cpu_usage_percent"), "connections" (degree) or null = uniform size. */
  sizeMetric?: string | null;
  /** null, "host", "namespace", "image" or "label:<key>": one cluster node per group. */
  groupBy?: string | null;
  /** Bytes/s per edge key `${src}->${dst}`; animates edges by traffic. */
  edgeRates?: Map<string, number>;
  /**
   * Extension (not in the original contract, optional): "auto" (default) runs the
   * force layout in a worker after each change; "off" keeps the seeded positions.
   */
  layout?: "auto" | "off";
}

export type GraphEvent = "select" | "open" | "hover";
export type SelectListener = (ids: string[], additive: boolean) => void;
export type OpenListener = (id: string) => void;
export type HoverListener = (id: string | null) => void;
