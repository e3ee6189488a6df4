// GraphView: draws a Scope topology with sigma 4 (WebGL), lays it out in a
// worker, and turns pointer and keyboard input into select/open/hover events.
//
// Who does what:
//   model.ts     Scope nodes -> display nodes (nodes, clusters) and edges; deltas incrementally
//   sigma        the nodes (one multi-shape program), labels, picking, camera
//   edges.ts     the edges (our own non-instanced layer inside sigma's frame)
//   layout.ts    ForceAtlas2 in a worker, positions streamed back
//   seed.ts      where nodes start (their host's disc, a neighbour, a new shelf)

import Graph from "graphology";
import type { Attributes } from "graphology-types";
import Sigma from "sigma";
import type { Settings } from "sigma/settings";
import { EdgeLayer, type EdgeDraw } from "./edges";
import { CLUSTER_PREFIX, isClusterId } from "./grouping";
import { directionOfKey, nearestInDirection, type Direction } from "./keyboard";
import { LayoutRunner, type LayoutMode } from "./layout";
import { sameNodeVisual, TopologyModel, type NodeVisual } from "./model";
import { DIM_EDGE_COLOR, FLOW_COLOR, primitives, styles, type NodeState } from "./programs";
import { jitterAround, seedGroupKey, seedPositions, SPACING, sunflower, type Point } from "./seed";
import { dropNodes, setGraph } from "./sigma-internals";
import { statusOf } from "./status";
import type {
  GraphDelta,
  GraphNode,
  GraphOptions,
  HoverListener,
  OpenListener,
  SelectListener,
  Status,
} from "./types";

type NodeAttrs = NodeVisual & { x: number; y: number };
type DisplayGraph = Graph<NodeAttrs, Attributes>;
type Renderer = Sigma<NodeAttrs, Attributes, Attributes, NodeState>;

/**
 * Above this many edges the traffic pulse is not animated: each animation
 * frame redraws the whole graph, which in software WebGL costs tens of ms at
 * 10k nodes. Edges still show traffic by width and colour.
 */
export const ANIMATE_MAX_EDGES = 3000;
/** Above this many edges, edges are not drawn while the user pans or zooms. */
export const HIDE_EDGES_ON_MOVE_ABOVE = 5000;
/** Animation frame interval for the traffic pulse (ms): ~30 fps. */
const ANIMATION_FRAME_MS = 33;
/** Layout weight of the virtual edges tying each host's nodes together (real edges weigh 1). */
const HOST_EDGE_WEIGHT = 0.3;
/** Padding around the graph when fitting (px). */
const FIT_PADDING = 24;

interface PendingMeasure {
  name: string;
  start: number;
  detail: Record<string, number>;
}

function newGraph(): DisplayGraph {
  return new Graph<NodeAttrs, Attributes>({ type: "directed", multi: false, allowSelfLoops: false });
}

const SIGMA_SETTINGS: Partial<Settings> = {
  autoRescale: false, // 1 graph unit = 1 px at zoom 1: positions never rescale when nodes come and go
  itemSizesReference: "screen",
  allowInvalidContainer: true,
  enableCameraRotation: false,
  enableCameraMouseRotation: false,
  labelDensity: 0.6,
  labelGridCellSize: 120,
  labelRenderedSizeThreshold: 5,
  minCameraRatio: 0.02,
  maxCameraRatio: 200,
  zoomDuration: 200,
};

export class GraphView {
  private readonly container: HTMLElement;
  private readonly model = new TopologyModel();
  private graph: DisplayGraph = newGraph();
  private readonly sigma: Renderer;
  private readonly edges: EdgeLayer;
  private readonly layout: LayoutRunner;
  private readonly positions = new Map<string, Point>();
  private topologyId: string | null = null;
  private layoutEnabled = true;
  private layoutMode: LayoutMode | null = null;
  private animateEdges = true;
  private animationTimer: ReturnType<typeof setTimeout> | null = null;
  private animating = false;
  private selection = new Set<string>();
  private highlight: Set<string> | null = null;
  private dimmedNodes = new Set<string>();
  private focused: string | null = null;
  /** The camera follows the layout (re-fits) until the user moves it. */
  private autoFit = false;
  private pending: PendingMeasure[] = [];
  /**
   * Nodes added since sigma last processed the graph. sigma can repaint a node
   * in place (refresh with skipIndexation) only once it has indexed it; while
   * this is not empty a node pass is pending anyway, so refreshes index.
   */
  private unindexed = new Set<string>();
  private toRepaint = new Set<string>();
  private repaintFrame = 0;
  private destroyed = false;
  private readonly selectListeners: SelectListener[] = [];
  private readonly openListeners: OpenListener[] = [];
  private readonly hoverListeners: HoverListener[] = [];
  private readonly onKeyDown = (e: KeyboardEvent): void => this.handleKey(e);

  constructor(container: HTMLElement, options: GraphOptions = {}) {
    this.container = container;
    if (!container.hasAttribute("tabindex")) container.tabIndex = 0;
    if (!container.getAttribute("role")) container.setAttribute("role", "application");
    if (!container.getAttribute("aria-label")) container.setAttribute("aria-label", "Topology map");
    this.model.sizeMetric = options.sizeMetric ?? null;
    this.model.groupBy = options.groupBy ?? null;
    this.model.edgeRates = options.edgeRates ?? null;
    this.layoutEnabled = options.layout !== "off";
    const customNodeState: NodeState = { isSelected: false, isDimmed: false };
    this.sigma = new Sigma<NodeAttrs, Attributes, Attributes, NodeState>(this.graph, container, {
      primitives: primitives(),
      styles: styles(),
      settings: SIGMA_SETTINGS,
      customNodeState,
    } as never);
    this.edges = new EdgeLayer(this.sigma as unknown as Sigma, {
      get: (id) => (this.graph.hasNode(id) ? this.graph.getNodeAttributes(id) : undefined),
    });
    this.edges.dimColor = DIM_EDGE_COLOR;
    this.edges.flowColor = FLOW_COLOR;
    this.layout = new LayoutRunner((ids, xy, done) => this.applyLayout(ids, xy, done));
    this.bindEvents();
  }

  // ---- contract ----------------------------------------------------------

  /** Full replace (view switch or websocket reset); keeps positions of ids already known. */
  setTopology(topologyId: string, nodes: GraphNode[]): void {
    const start = performance.now();
    const switching = topologyId !== this.topologyId;
    this.topologyId = topologyId;
    this.model.reset(nodes, !switching);
    this.rebuild(start, switching || this.graph.order === 0, "full");
  }

  /** Applies a websocket delta; nodes not in it keep their positions exactly. */
  applyDelta(delta: GraphDelta): void {
    const start = performance.now();
    if (delta.reset) {
      this.model.reset(delta.add ?? [], true);
      this.rebuild(start, false, "full");
      return;
    }
    const changed = (delta.add?.length ?? 0) + (delta.update?.length ?? 0) + (delta.remove?.length ?? 0);
    const change = this.model.apply(delta);
    const g = this.graph;
    const toAdd: string[] = [];
    const toDrop: string[] = [];
    const repaint: string[] = [];
    for (const d of change.nodes) {
      const has = g.hasNode(d);
      const should = this.model.hasDisplay(d);
      if (has && !should) {
        toDrop.push(d);
      } else if (!has && should) {
        toAdd.push(d);
      } else if (has && should) {
        const visual = this.model.nodeVisual(d);
        const attrs = g.getNodeAttributes(d);
        if (!sameNodeVisual(attrs, visual)) {
          const resized = attrs.size !== visual.size;
          Object.assign(attrs, visual); // silent: repainted below without re-indexing
          repaint.push(d);
          if (resized) this.edges.nodesChanged([d]);
        }
      }
    }
    // Removals in one batch: one node re-index instead of one per node.
    for (const d of toDrop) {
      for (const k of [...this.edges.edgesOf(d)]) this.edges.remove(k);
      this.selection.delete(d);
      this.dimmedNodes.delete(d);
    }
    dropNodes(this.sigma as unknown as Sigma, g, toDrop);
    if (toAdd.length > 0) {
      this.placeNodes(toAdd);
      for (const d of toAdd) {
        g.addNode(d, { ...this.model.nodeVisual(d), ...this.positionOf(d) });
        this.unindexed.add(d);
      }
    }
    for (const k of change.edges) {
      const ends = this.model.edgeEnds(k);
      if (ends && g.hasNode(ends[0]) && g.hasNode(ends[1])) this.edges.set(k, this.edgeDraw(k, ends));
      else this.edges.remove(k);
    }
    this.repaint(repaint);
    const detail = { changed };
    if (toDrop.length > 0 || toAdd.length > 0 || repaint.length > 0 || change.edges.size > 0) {
      this.pending.push({ name: "scope:delta", start, detail });
      this.sigma.scheduleRender();
    } else {
      performance.measure("scope:delta", { start, end: performance.now(), detail });
    }
    if (this.highlight) this.applyHighlight();
    if (toAdd.length > 0) this.startLayout(this.layoutMode === "full" ? "full" : "settle", new Set(toAdd));
    this.updateAnimation();
  }

  setOptions(options: Partial<GraphOptions>): void {
    const start = performance.now();
    let rebuild = false;
    let resize = false;
    if ("groupBy" in options && (options.groupBy ?? null) !== this.model.groupBy) {
      this.model.setGroupBy(options.groupBy ?? null);
      rebuild = true;
    }
    if ("sizeMetric" in options && (options.sizeMetric ?? null) !== this.model.sizeMetric) {
      this.model.sizeMetric = options.sizeMetric ?? null;
      resize = true;
    }
    if ("edgeRates" in options) {
      this.model.setEdgeRates(options.edgeRates ?? null);
      if (!rebuild) this.resetEdges();
    }
    if ("layout" in options) {
      this.layoutEnabled = options.layout !== "off";
      if (!this.layoutEnabled) this.stopLayout();
    }
    if (rebuild) this.rebuild(start, true, "full"); // grouping changes the extent: re-frame
    else if (resize) this.repaintAllNodes(start);
    this.updateAnimation();
  }

  /** Search matches: the others are dimmed; null = none. */
  setHighlight(ids: Set<string> | null): void {
    this.highlight = ids ? new Set(ids) : null;
    this.applyHighlight();
  }

  /** Multi-select (shown outlined). Ids of grouped nodes select their cluster. */
  setSelection(ids: Set<string>): void {
    const next = new Set<string>();
    for (const id of ids) next.add(this.graph.hasNode(id) ? id : this.model.rep(id));
    this.setSelected(next);
  }

  /** Centres the camera on a node (or on the cluster it is grouped in). */
  focusNode(id: string): void {
    const d = this.graph.hasNode(id) ? id : this.model.rep(id);
    if (!this.graph.hasNode(d)) return;
    const a = this.graph.getNodeAttributes(d);
    const f = this.framed(a.x, a.y);
    const camera = this.sigma.getCamera();
    this.autoFit = false;
    void camera.animate({ x: f.x, y: f.y, ratio: Math.min(camera.ratio, 1) }, { duration: 300 });
    this.focused = d;
  }

  fit(): void {
    this.autoFit = true;
    const state = this.fitState();
    if (state) void this.sigma.getCamera().animate(state, { duration: 300 });
  }

  zoomIn(): void {
    this.autoFit = false;
    void this.sigma.getCamera().zoomIn({ factor: 1.5, duration: 200 });
  }

  zoomOut(): void {
    this.autoFit = false;
    void this.sigma.getCamera().zoomOut({ factor: 1.5, duration: 200 });
  }

  on(event: "select", cb: SelectListener): void;
  on(event: "open", cb: OpenListener): void;
  on(event: "hover", cb: HoverListener): void;
  on(event: "select" | "open" | "hover", cb: SelectListener | OpenListener | HoverListener): void {
    if (event === "select") this.selectListeners.push(cb as SelectListener);
    else if (event === "open") this.openListeners.push(cb as OpenListener);
    else this.hoverListeners.push(cb as HoverListener);
  }

  statusOf(node: GraphNode): Status {
    return statusOf(node);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.repaintFrame !== 0) cancelAnimationFrame(this.repaintFrame);
    this.stopAnimation();
    this.layout.destroy();
    this.container.removeEventListener("keydown", this.onKeyDown);
    this.edges.destroy();
    this.sigma.kill();
    this.pending = [];
  }

  // ---- extras (inspection, tests) ---------------------------------------

  /** Number of display nodes and edges. */
  counts(): { nodes: number; edges: number } {
    return { nodes: this.graph.order, edges: this.edges.size };
  }

  /** Graph position of a display node (a node id or a cluster id), or null. */
  nodePosition(id: string): Point | null {
    if (!this.graph.hasNode(id)) return null;
    const a = this.graph.getNodeAttributes(id);
    return { x: a.x, y: a.y };
  }

  /** Display node ids; cluster ids start with CLUSTER_PREFIX. */
  displayNodes(): string[] {
    return this.graph.nodes();
  }

  /** Scope ids drawn as a display node (a cluster's members). */
  clusterMembers(id: string): string[] {
    return this.model.membersOf(id);
  }

  /** Expands a cluster (what a double click on it does). */
  expandCluster(id: string): void {
    if (!isClusterId(id) || !this.model.expand(id)) return;
    const start = performance.now();
    const center = this.positions.get(id);
    const members = this.model.membersOf(id).sort();
    if (center) members.forEach((m, i) => this.positions.set(m, sunflower(center, i)));
    this.rebuild(start, false, "settle", new Set(members));
  }

  /** Resolves when the layout worker is idle. */
  layoutIdle(): Promise<void> {
    return this.layout.whenIdle();
  }

  /** The underlying sigma instance (tests, debugging). */
  renderer(): Renderer {
    return this.sigma;
  }

  // ---- building ----------------------------------------------------------

  private rebuild(start: number, fitCamera: boolean, mode: LayoutMode, free?: Set<string>): void {
    this.stopLayout();
    const ids = this.model.displayIds();
    this.placeNodes(ids);
    const g = newGraph();
    for (const id of ids) g.addNode(id, { ...this.model.nodeVisual(id), ...this.positionOf(id) });
    this.graph = g;
    this.unindexed.clear(); // setGraph indexes everything
    // Selection of ids no longer drawn goes; states are set before the render.
    const keep = new Set<string>();
    for (const id of this.selection) if (g.hasNode(id)) keep.add(id);
    this.selection = keep;
    if (this.focused && !g.hasNode(this.focused)) this.focused = null;
    this.sigma.setNodesState([...keep], { isSelected: true });
    this.dimmedNodes.clear();
    this.resetEdges();
    if (fitCamera) {
      const state = this.fitState();
      if (state) this.sigma.getCamera().setState(state);
      this.autoFit = true;
    }
    this.pending.push({ name: "scope:render", start, detail: { nodes: g.order, edges: this.edges.size } });
    setGraph(this.sigma as unknown as Sigma, g); // renders synchronously
    if (this.highlight) this.applyHighlight();
    this.startLayout(mode, free);
    this.updateAnimation();
  }

  private edgeDraw(key: string, ends: [string, string]): EdgeDraw {
    const v = this.model.edgeVisualOf(key, this.animateEdges);
    return { source: ends[0], target: ends[1], size: v.size, color: v.color, flow: v.flow };
  }

  /** All display edges into the edge layer (new topology, grouping, rates). */
  private resetEdges(): void {
    const count = this.model.displayEdgeCount();
    this.animateEdges = count <= ANIMATE_MAX_EDGES;
    this.edges.hideOnMove = count > HIDE_EDGES_ON_MOVE_ABOVE;
    const g = this.graph;
    const all: [string, EdgeDraw][] = [];
    for (const [k, s, t] of this.model.displayEdges()) {
      if (g.hasNode(s) && g.hasNode(t)) all.push([k, this.edgeDraw(k, [s, t])]);
    }
    this.edges.reset(all);
  }

  private positionOf(id: string): Point {
    const p = this.positions.get(id);
    return p ? { x: p.x, y: p.y } : { x: 0, y: 0 };
  }

  /** Gives a position to each of `ids` lacking one (clusters at their members' centroid). */
  private placeNodes(ids: readonly string[]): void {
    const need = ids.filter((id) => !this.positions.has(id));
    if (need.length === 0) return;
    const stillNeed: string[] = [];
    for (const id of need) {
      if (!isClusterId(id)) {
        stillNeed.push(id);
        continue;
      }
      let x = 0;
      let y = 0;
      let n = 0;
      for (const m of this.model.membersOf(id)) {
        const p = this.positions.get(m);
        if (p) {
          x += p.x;
          y += p.y;
          n++;
        }
      }
      if (n > 0) this.positions.set(id, { x: x / n, y: y / n });
      else stillNeed.push(id);
    }
    if (stillNeed.length === 0) return;

    const displayed = this.graph.order > 0 ? this.graph.nodes() : [];
    const all = new Set<string>([...displayed, ...ids]);
    const asNodes: GraphNode[] = [];
    const known = new Map<string, Point>();
    for (const id of all) {
      const n = this.seedNode(id);
      if (!n) continue;
      asNodes.push(n);
      const p = this.positions.get(id);
      if (p) known.set(id, p);
    }
    // A new node whose seed group has no placed member starts next to a placed neighbour.
    const groupHasKnown = new Set<string>();
    for (const n of asNodes) if (known.has(n.id)) groupHasKnown.add(seedGroupKey(n));
    const seeded = new Set<string>();
    for (const id of stillNeed) {
      const n = this.seedNode(id);
      if (!n || isClusterId(id) || groupHasKnown.has(seedGroupKey(n))) continue;
      const p = this.placedNeighbour(n);
      if (p) {
        this.positions.set(id, jitterAround(p, id, 2 * SPACING));
        seeded.add(id);
      }
    }
    const rest = asNodes.filter((n) => !seeded.has(n.id));
    for (const [id, p] of seedPositions(rest, known)) this.positions.set(id, p);
  }

  /** A GraphNode standing for a display id when seeding (clusters borrow a member's parents). */
  private seedNode(id: string): GraphNode | null {
    if (!isClusterId(id)) return this.model.raw.get(id) ?? null;
    const members = this.model.membersOf(id);
    const first = members.length > 0 ? this.model.raw.get(members[0]) : undefined;
    return { id, label: id.slice(CLUSTER_PREFIX.length), parents: first?.parents ? [...first.parents] : [] };
  }

  /** Position of a drawn node this node has an edge to or from, or null. */
  private placedNeighbour(n: GraphNode): Point | null {
    for (const b of n.adjacency ?? []) {
      const d = this.model.rep(b);
      if (this.graph.hasNode(d)) return this.positions.get(d) ?? null;
    }
    for (const k of this.edges.edgesOf(n.id)) {
      const ends = this.model.edgeEnds(k);
      const other = ends && (ends[0] === n.id ? ends[1] : ends[0]);
      if (other && this.graph.hasNode(other)) return this.positions.get(other) ?? null;
    }
    for (const a of this.model.sourcesOf(n.id)) {
      const d = this.model.rep(a);
      if (this.graph.hasNode(d)) return this.positions.get(d) ?? null;
    }
    return null;
  }

  private repaintAllNodes(start: number): void {
    const ids = this.graph.nodes();
    for (const id of ids) Object.assign(this.graph.getNodeAttributes(id), this.model.nodeVisual(id));
    this.pending.push({ name: "scope:render", start, detail: { nodes: this.graph.order, edges: this.edges.size } });
    this.repaint(ids);
    this.edges.invalidateAll();
  }

  /** Re-evaluates the styles of some nodes, without re-indexing the graph when possible. Batched to the next
   * frame by us rather than by sigma's `schedule`: sigma throws if a node it was asked to repaint has been
   * dropped by a later delta before that frame. */
  private repaint(nodes: string[]): void {
    if (nodes.length === 0) return;
    for (const id of nodes) this.toRepaint.add(id);
    if (this.repaintFrame !== 0) return;
    this.repaintFrame = requestAnimationFrame(() => {
      this.repaintFrame = 0;
      if (this.destroyed) return;
      const live = [...this.toRepaint].filter((id) => this.graph.hasNode(id));
      this.toRepaint.clear();
      if (live.length === 0) return;
      const skipIndexation = this.unindexed.size === 0;
      this.sigma.refresh({ partialGraph: { nodes: live }, skipIndexation });
    });
  }

  // ---- layout ------------------------------------------------------------

  private startLayout(mode: LayoutMode, free?: Set<string>): void {
    if (!this.layoutEnabled || this.graph.order < 2) return;
    if (mode === "settle" && (!free || free.size === 0)) return;
    const ids = this.graph.nodes();
    const index = new Map<string, number>();
    const x = new Float64Array(ids.length);
    const y = new Float64Array(ids.length);
    const fixed = new Uint8Array(ids.length);
    // Clusters weigh by their members, so that big clusters keep their distance.
    const mass = new Float32Array(ids.length);
    ids.forEach((id, i) => {
      index.set(id, i);
      if (isClusterId(id)) mass[i] = 4 * Math.sqrt(this.model.membersOf(id).length);
      const a = this.graph.getNodeAttributes(id);
      x[i] = a.x;
      y[i] = a.y;
      fixed[i] = mode === "settle" && !free!.has(id) ? 1 : 0;
    });
    // Real edges, plus weak "same host" edges (a star per seed group) that keep
    // each host's nodes together, as the seeding placed them.
    const pairs: number[] = [];
    const weights: number[] = [];
    for (const [, d] of this.edges.entries()) {
      const s = index.get(d.source);
      const t = index.get(d.target);
      if (s === undefined || t === undefined) continue;
      pairs.push(s, t);
      weights.push(1);
    }
    const hubs = new Map<string, number>();
    ids.forEach((id, i) => {
      const raw = this.model.raw.get(id);
      if (!raw) return;
      const key = seedGroupKey(raw);
      if (key.startsWith("_")) return;
      const hub = hubs.get(key);
      if (hub === undefined) hubs.set(key, i);
      else {
        pairs.push(hub, i);
        weights.push(HOST_EDGE_WEIGHT);
      }
    });
    this.layoutMode = mode;
    this.layout.run({ ids, x, y, fixed, edges: Uint32Array.from(pairs), weights, mass }, mode);
  }

  private stopLayout(): void {
    this.layout.stop();
    this.layoutMode = null;
  }

  private applyLayout(ids: readonly string[], xy: Float32Array, done: boolean): void {
    if (this.destroyed) return;
    const moved: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!this.graph.hasNode(id)) continue;
      const a = this.graph.getNodeAttributes(id);
      const nx = xy[2 * i];
      const ny = xy[2 * i + 1];
      if (Math.abs(nx - a.x) < 1e-3 && Math.abs(ny - a.y) < 1e-3) continue;
      a.x = nx;
      a.y = ny;
      this.positions.set(id, { x: nx, y: ny });
      moved.push(id);
    }
    if (moved.length > 0) {
      this.repaint(moved);
      if (moved.length > this.graph.order / 4) this.edges.invalidateAll();
      else this.edges.nodesChanged(moved);
      if (this.autoFit && this.layoutMode === "full") {
        const state = this.fitState();
        const camera = this.sigma.getCamera();
        camera.cancelAnimation(); // an animated fit() aims at the previous extent
        if (state) camera.setState(state);
      }
    }
    if (done) {
      this.layoutMode = null;
      // One full node pass so the label grid and picking match the final positions.
      if (moved.length > 0) this.sigma.refresh({ partialGraph: { nodes: [] }, schedule: true });
    }
  }

  // ---- states: selection, highlight -------------------------------------

  private setSelected(next: Set<string>): void {
    const off = [...this.selection].filter((id) => !next.has(id) && this.graph.hasNode(id));
    const on = [...next].filter((id) => !this.selection.has(id) && this.graph.hasNode(id));
    this.selection = new Set([...next].filter((id) => this.graph.hasNode(id)));
    if (off.length) this.sigma.setNodesState(off, { isSelected: false });
    if (on.length) this.sigma.setNodesState(on, { isSelected: true });
    if (on.length === 1) this.focused = on[0];
  }

  private applyHighlight(): void {
    const g = this.graph;
    const nodesOn = new Set<string>();
    const edgesOn = new Set<string>();
    if (this.highlight) {
      const lit = new Set<string>();
      for (const id of this.highlight) lit.add(g.hasNode(id) ? id : this.model.rep(id));
      g.forEachNode((id) => {
        if (!lit.has(id)) nodesOn.add(id);
      });
      for (const [k, d] of this.edges.entries()) if (!lit.has(d.source) && !lit.has(d.target)) edgesOn.add(k);
    }
    const nodesOff = [...this.dimmedNodes].filter((id) => !nodesOn.has(id) && g.hasNode(id));
    const newNodes = [...nodesOn].filter((id) => !this.dimmedNodes.has(id));
    if (nodesOff.length) this.sigma.setNodesState(nodesOff, { isDimmed: false });
    if (newNodes.length) this.sigma.setNodesState(newNodes, { isDimmed: true });
    this.dimmedNodes = nodesOn;
    this.edges.setDimmed(edgesOn);
  }

  // ---- camera ------------------------------------------------------------

  /** Graph coordinates -> sigma's framed coordinates (what the camera state is in). */
  private framed(x: number, y: number): Point {
    // autoRescale is off: the frame is centred on the origin, 1 unit = 1 px
    // at ratio 1; computed from the current size (sigma's own normalisation
    // is only updated when it next processes the graph).
    const { width, height } = this.sigma.getDimensions();
    const m = Math.max(width, height) || 1;
    return { x: 0.5 + x / m, y: 0.5 + y / m };
  }

  private fitState(): { x: number; y: number; ratio: number; angle: number } | null {
    if (this.graph.order === 0) return null;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    this.graph.forEachNode((_id, a) => {
      if (a.x < minX) minX = a.x;
      if (a.x > maxX) maxX = a.x;
      if (a.y < minY) minY = a.y;
      if (a.y > maxY) maxY = a.y;
    });
    this.sigma.resize();
    const { width, height } = this.sigma.getDimensions();
    const c = this.framed((minX + maxX) / 2, (minY + maxY) / 2);
    const w = Math.max(width - 2 * FIT_PADDING, 50);
    const h = Math.max(height - 2 * FIT_PADDING, 50);
    const span = Math.max((maxX - minX + 2 * SPACING) / w, (maxY - minY + 2 * SPACING) / h);
    const ratio = Math.min(Math.max(span, 0.3), 150);
    return { x: c.x, y: c.y, ratio, angle: 0 };
  }

  // ---- traffic animation -------------------------------------------------

  private updateAnimation(): void {
    const want = !this.destroyed && this.animateEdges && this.edges.hasFlow();
    if (want && !this.animating) {
      this.animating = true;
      this.sigma.scheduleRender();
    } else if (!want && this.animating) {
      this.stopAnimation();
    }
  }

  private stopAnimation(): void {
    this.animating = false;
    if (this.animationTimer !== null) clearTimeout(this.animationTimer);
    this.animationTimer = null;
  }

  private afterRender(): void {
    const now = performance.now();
    this.unindexed.clear();
    if (this.pending.length > 0) {
      const due = this.pending;
      this.pending = [];
      for (const m of due) performance.measure(m.name, { start: m.start, end: now, detail: m.detail });
    }
    if (this.animating && this.animationTimer === null) {
      // The pulse is a function of time in the edge shader: a render is all a frame needs.
      this.animationTimer = setTimeout(() => {
        this.animationTimer = null;
        if (this.animating) this.sigma.scheduleRender();
      }, ANIMATION_FRAME_MS);
    }
  }

  // ---- input -------------------------------------------------------------

  private bindEvents(): void {
    const s = this.sigma;
    s.on("afterRender", () => this.afterRender());
    s.on("clickNode", ({ node, event }) => {
      const o = event.original;
      const additive = o.shiftKey || o.ctrlKey || o.metaKey;
      const next = new Set(additive ? this.selection : []);
      if (additive && next.has(node)) next.delete(node);
      else next.add(node);
      this.setSelected(next);
      this.focused = node;
      this.emitSelect([node], additive);
    });
    s.on("clickStage", ({ event }) => {
      const o = event.original;
      if (o.shiftKey || o.ctrlKey || o.metaKey) return;
      if (this.selection.size === 0) return;
      this.setSelected(new Set());
      this.emitSelect([], false);
    });
    s.on("doubleClickNode", (e) => {
      e.preventSigmaDefault();
      this.open(e.node);
    });
    const userMoves = (): void => {
      this.autoFit = false;
    };
    s.on("downStage", userMoves);
    s.on("downNode", userMoves);
    s.on("wheelStage", userMoves);
    s.on("wheelNode", userMoves);
    s.on("enterNode", ({ node }) => this.emitHover(node));
    s.on("leaveNode", () => this.emitHover(null));
    this.container.addEventListener("keydown", this.onKeyDown);
  }

  /** Double click / Enter: a cluster expands (nothing is emitted), a node emits "open". */
  private open(id: string): void {
    if (isClusterId(id)) this.expandCluster(id);
    else for (const cb of this.openListeners) cb(id);
  }

  private emitSelect(ids: string[], additive: boolean): void {
    for (const cb of this.selectListeners) cb(ids, additive);
  }

  private emitHover(id: string | null): void {
    for (const cb of this.hoverListeners) cb(id);
  }

  private handleKey(e: KeyboardEvent): void {
    if (e.altKey || e.metaKey || e.ctrlKey) return;
    const dir = directionOfKey(e.key);
    if (dir) {
      e.preventDefault();
      this.moveFocus(dir);
      return;
    }
    switch (e.key) {
      case "Enter":
        if (this.focused && this.graph.hasNode(this.focused)) this.open(this.focused);
        break;
      case "+":
      case "=":
        this.zoomIn();
        break;
      case "-":
      case "_":
        this.zoomOut();
        break;
      case "0":
        this.fit();
        break;
      case "Escape":
        this.setSelected(new Set());
        this.focused = null;
        this.emitSelect([], false);
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  private moveFocus(dir: Direction): void {
    const g = this.graph;
    if (g.order === 0) return;
    const s = this.sigma;
    let target: string | null = null;
    if (!this.focused || !g.hasNode(this.focused)) {
      // Nothing focused yet: the node nearest the viewport's centre.
      const { width, height } = s.getDimensions();
      let best = Infinity;
      g.forEachNode((id, a) => {
        const p = s.graphToViewport(a);
        const d = (p.x - width / 2) ** 2 + (p.y - height / 2) ** 2;
        if (d < best) [best, target] = [d, id];
      });
    } else {
      const from = s.graphToViewport(g.getNodeAttributes(this.focused));
      const focused = this.focused;
      const candidates: [string, Point][] = [];
      g.forEachNode((id, a) => {
        if (id !== focused) candidates.push([id, s.graphToViewport(a)]);
      });
      target = nearestInDirection(from, candidates, dir);
    }
    if (!target) return;
    this.focused = target;
    this.setSelected(new Set([target]));
    this.emitSelect([target], false);
    const p = s.graphToViewport(g.getNodeAttributes(target));
    const { width, height } = s.getDimensions();
    if (p.x < 0 || p.y < 0 || p.x > width || p.y > height) this.focusNode(target);
  }
}
