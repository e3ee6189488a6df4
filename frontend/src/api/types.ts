// The app's JSON, as Scope 1.13 shapes it (see /api/openapi.json and docs/scope-compatibility.md).

export interface TopologyOptionValue { value: string; label: string }

export interface TopologyOption {
  id: string;
  defaultValue: string;
  selectType?: string; // "union" for multi-select options (namespaces)
  noneLabel?: string;
  options: TopologyOptionValue[] | null;
}

export interface TopologyStats {
  node_count: number;
  nonpseudo_node_count: number;
  edge_count: number;
  filtered_nodes: number;
}

export interface TopologyDesc {
  name: string;
  rank: number;
  hide_if_empty: boolean;
  options: TopologyOption[] | null;
  url: string;
  stats: TopologyStats;
  sub_topologies?: TopologyDesc[] | null;
}

export interface MetadataRow {
  id: string;
  label?: string;
  value: string;
  priority?: number;
  dataType?: string;
  truncate?: number;
}

export interface Sample { date: string; value: number }

export interface MetricRow {
  id: string;
  label?: string;
  format?: string;
  group?: string;
  value: number;
  priority?: number;
  samples?: Sample[] | null;
  min?: number;
  max?: number;
  url?: string;
}

export interface Parent { id: string; label: string; topologyId: string }

export interface Column { id: string; label: string; dataType?: string; defaultSort?: boolean }

export interface TableRow { id: string; entries: Record<string, string> }

export interface Table {
  id: string;
  label: string;
  type: string; // "property-list" | "multicolumn-table"
  columns: Column[] | null;
  rows: TableRow[] | null;
  truncationCount?: number;
}

export interface NodeSummary {
  id: string;
  label: string;
  labelMinor?: string;
  rank?: string;
  shape?: string;
  tag?: string;
  stack?: boolean;
  pseudo?: boolean;
  // Arrays may be null in the JSON (Go's nil slices); typed without null to match the graph's GraphNode, and
  // always read with `?? []`.
  metadata?: MetadataRow[];
  parents?: Parent[];
  metrics?: MetricRow[];
  tables?: Table[];
  adjacency?: string[];
}

export interface Delta {
  add?: NodeSummary[] | null;
  update?: NodeSummary[] | null;
  remove?: string[] | null;
  reset?: boolean;
}

export interface Control {
  probeId: string;
  nodeId: string;
  id: string;
  human: string;
  icon?: string;
  confirmation?: string;
  rank?: number;
}

export interface ChildGroup {
  id: string;
  label: string;
  topologyId: string;
  columns: Column[] | null;
  nodes: NodeSummary[] | null;
}

export interface ConnectionRow {
  id: string;
  nodeId: string;
  label: string;
  labelMinor?: string;
  metadata: MetadataRow[] | null;
}

export interface ConnectionTable {
  id: string; // "incoming-connections" | "outgoing-connections"
  topologyId: string;
  label: string;
  columns: Column[] | null;
  connections: ConnectionRow[] | null;
}

export interface NodeDetails extends NodeSummary {
  controls?: Control[] | null;
  children?: ChildGroup[] | null;
  connections?: ConnectionTable[] | null;
}

/** Scope's xfer.Response: what a control answers. */
export interface ControlResult {
  value?: unknown;
  error?: string;
  pipe?: string;
  raw_tty?: boolean;
  resize_tty_control?: string;
  removedNode?: string;
}

export interface BatchResult extends ControlResult { probe: string; node: string; status: number }

export interface ProbeSource { live: boolean; reason: string }

export interface Probe {
  id: string;
  hostname: string;
  version: string;
  lastSeen: string;
  online?: boolean;
  status?: string;
  transport?: string;
  connected?: boolean;
  sources?: Record<string, ProbeSource>;
}

export interface SearchError { error: string; position?: number }
