// The map: the graph component (src/graph) fed with the shown nodes' changes. Created when the map is shown and
// destroyed in table mode, so a hidden map costs nothing while thousands of nodes stream in.

import { GraphView, type GraphOptions } from "../graph/index";
import type { NodeSummary } from "../api/types";
import type { Change } from "../data/nodes";
import { h } from "../ui/dom";

export interface MapHandlers {
  select: (ids: string[], additive: boolean) => void;
  open: (id: string) => void;
  hover: (id: string | null) => void;
}

export class MapView {
  readonly el: HTMLElement;
  private graph: GraphView | null = null;
  private options: GraphOptions = {};
  private highlight: Set<string> | null = null;
  private selection = new Set<string>();
  private topology = "";

  constructor(private readonly handlers: MapHandlers) {
    this.el = h("div.map", { "data-test": "map" });
  }

  get active(): boolean {
    return this.graph !== null;
  }

  /** Show the map with these nodes (the current shown set). */
  start(topology: string, nodes: Iterable<NodeSummary>): void {
    if (!this.graph) {
      this.graph = new GraphView(this.el, this.options);
      this.graph.on("select", (ids, additive) => this.handlers.select(ids, additive));
      this.graph.on("open", (id) => this.handlers.open(id));
      this.graph.on("hover", (id) => this.handlers.hover(id));
    }
    this.topology = topology;
    this.graph.setTopology(topology, [...nodes]);
    this.graph.setHighlight(this.highlight);
    this.graph.setSelection(this.selection);
  }

  stop(): void {
    this.graph?.destroy();
    this.graph = null;
    this.el.replaceChildren();
  }

  /** A change of the shown nodes. */
  apply(topology: string, change: Change, all: () => Iterable<NodeSummary>): void {
    if (!this.graph) return;
    if (change.reset || topology !== this.topology) {
      this.start(topology, all());
      return;
    }
    this.graph.applyDelta({ add: change.added, update: change.updated, remove: change.removed });
  }

  setOptions(options: Partial<GraphOptions>): void {
    this.options = { ...this.options, ...options };
    this.graph?.setOptions(options);
  }

  setHighlight(ids: Set<string> | null): void {
    this.highlight = ids;
    this.graph?.setHighlight(ids);
  }

  setSelection(ids: Set<string>): void {
    this.selection = ids;
    this.graph?.setSelection(ids);
  }

  focus(id: string): void {
    this.graph?.focusNode(id);
  }

  fit(): void {
    this.graph?.fit();
  }

  zoomIn(): void {
    this.graph?.zoomIn();
  }

  zoomOut(): void {
    this.graph?.zoomOut();
  }
}
