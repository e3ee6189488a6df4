// The screen and its wiring: state (URL) -> live data (websocket, search, polls) -> views and panels. Each part
// is told only what changed: a delta reaches the map and table as a delta, a keystroke only the search.

import { onUnauthorized } from "../api/client";
import { TopologyStream } from "../api/stream";
import type { NodeSummary, TopologyDesc } from "../api/types";
import { NodeStore, type Change } from "../data/nodes";
import { SearchService, type SearchResult } from "../data/search";
import { VisibleNodes } from "../data/visible";
import { defaultTopology, flatten, optionParams, optionsOf, type TopologyEntry } from "../domain/topologies";
import { isClusterId } from "../graph/index";
import { BatchPanel } from "../panels/batch";
import { DetailsPanel } from "../panels/details";
import { FiltersPanel } from "../panels/filters";
import { INITIAL, Store, type UiState } from "../state/store";
import { bindUrl, decodeState } from "../state/url";
import { Dock } from "../terminal/dock";
import { toast } from "../ui/dialog";
import { h } from "../ui/dom";
import { MapView } from "../views/map";
import { StatusBar } from "../views/statusbar";
import { NodeTable } from "../views/table";
import { Toolbar } from "../views/toolbar";
import { Topbar } from "../views/topbar";
import { DRILL_OPTIONS, inContext } from "./drill";
import { Navigator } from "./navigate";
import { Pollers } from "./pollers";

/** Above this many nodes a first visit opens the table (Scope switched at 500; our map copes with more). */
const AUTO_TABLE_ABOVE = 5000;

export class App {
  readonly store: Store<UiState>;
  readonly nodes = new NodeStore();
  readonly visible = new VisibleNodes(this.nodes);
  readonly search = new SearchService((r) => this.onSearch(r));
  readonly topbar: Topbar;
  readonly toolbar: Toolbar;
  readonly map: MapView;
  readonly table: NodeTable;
  readonly details: DetailsPanel;
  readonly batch: BatchPanel;
  readonly filters: FiltersPanel;
  readonly dock = new Dock();
  readonly status: StatusBar;
  readonly nav: Navigator;
  private readonly pollers: Pollers;
  private readonly root: HTMLElement;
  private readonly canvas: HTMLElement;
  topologies: TopologyDesc[] = [];
  entriesById = new Map<string, TopologyEntry>();
  selection = new Set<string>();
  /** Children IDs of drilled-into nodes (crumb node ID -> IDs), from their details. */
  readonly childIds = new Map<string, Set<string>>();
  private stream: TopologyStream | null = null;
  private streamKey = "";
  private modeGiven: boolean;
  private autoTableChecked = false;
  private pendingFocus: string | null = null;
  private slowTimer: number | undefined;

  constructor(mount: HTMLElement) {
    const { modeGiven, ...fromUrl } = decodeState(location.hash);
    this.modeGiven = modeGiven;
    this.store = new Store<UiState>({ ...INITIAL, ...fromUrl });
    this.nav = new Navigator(this);
    this.pollers = new Pollers(this);

    this.topbar = new Topbar({
      view: (t) => this.nav.view(t),
      query: (q) => this.store.set({ query: q }),
      pin: (q) => void this.nav.pin(q),
      unpin: (t) => this.nav.unpin(t),
      mode: (m) => {
        this.modeGiven = true;
        this.store.set({ mode: m }, "push");
      },
      toggleFilters: () => this.root.classList.toggle("filters-open"),
      toggleDetails: () => this.root.classList.toggle("details-open"),
    });
    this.toolbar = new Toolbar({
      crumb: (i) => this.nav.crumb(i),
      back: () => this.nav.crumb(this.store.state.context.length - 2),
      groupBy: (g) => this.store.set({ groupBy: g }),
      sizeBy: (m) => this.store.set({ sizeMetric: m }),
      zoomIn: () => this.map.zoomIn(),
      zoomOut: () => this.map.zoomOut(),
      fit: () => this.map.fit(),
    });
    this.map = new MapView({
      select: (ids, additive) => this.nav.selectFromMap(ids.filter((id) => !isClusterId(id)), additive),
      open: (id) => void this.nav.drill(id),
      hover: (id) => this.status.setHover(id ? this.visible.nodes.get(id) ?? null : null),
    });
    this.table = new NodeTable({
      select: (id, mode) => this.nav.selectFromTable(id, mode),
      open: (id) => void this.nav.drill(id),
      sort: (sort) => this.store.set({ sort }),
    });
    this.details = new DetailsPanel({
      navigate: (t, n) => this.nav.goTo(t, n),
      drill: (d) => void this.nav.drill(d.id, d),
      control: (c, d) => this.nav.control(c, d),
      close: () => this.nav.select(null),
      edgeRates: (rates) => this.map.setOptions({ edgeRates: rates }),
      viewName: (t) => this.entriesById.get(t)?.name ?? t.replace(/-/g, " "),
    });
    this.batch = new BatchPanel(() => this.nav.setSelection(new Set(), null));
    this.filters = new FiltersPanel({
      setOption: (id, value) => this.store.set({ options: { ...this.store.state.options, [id]: value } }, "push"),
      pin: (t) => void this.nav.pin(t),
      unpin: (t) => this.nav.unpin(t),
      apply: (hash) => {
        location.hash = hash; // popstate/hashchange restores it
      },
    });
    this.status = new StatusBar(() => this.pollers.showProbes());

    this.canvas = h("div.canvas", {}, this.map.el, this.table.el);
    const stage = h("main.stage", {}, this.toolbar.el, this.canvas, this.dock.el);
    const scrim = h("div.scrim", { onclick: () => this.root.classList.remove("filters-open", "details-open") });
    this.root = h("div.app", {}, this.topbar.el,
      h("div.middle", {}, this.filters.el, stage, h("div.right", {}, this.batch.el, this.details.el), scrim),
      this.status.el);
    mount.replaceChildren(this.root);

    this.visible.onChange((c) => this.onVisible(c));
    this.nodes.onChange((c) => this.onNodes(c));
    this.store.subscribe((s, changed) => this.onState(s, changed));
    bindUrl(this.store);
    window.addEventListener("hashchange", () => {
      const { modeGiven: _m, ...decoded } = decodeState(location.hash);
      this.store.set(decoded, "none");
    });
    document.addEventListener("keydown", (e) => this.onKey(e));
    window.addEventListener("online", () => this.stream?.kick());
    onUnauthorized(() => this.pollers.askToken());

    this.onState(this.store.state, new Set(Object.keys(this.store.state) as (keyof UiState)[]));
    this.pollers.start();
    void this.dock.restore();
  }

  /** Options sent for a topology: its defaults, drill-down's, then the user's choices. */
  optionsFor(topology: string | null): Record<string, string> {
    if (!topology) return {};
    const s = this.store.state;
    return optionParams(this.entriesById.get(topology)?.desc,
      { ...(s.context.length ? DRILL_OPTIONS : {}), ...s.options });
  }

  viewName(topology: string | null): string {
    return topology ? this.entriesById.get(topology)?.fullName ?? topology : "";
  }

  /** A new topology list (polled). */
  setTopologies(list: TopologyDesc[]): void {
    this.topologies = list;
    this.entriesById = flatten(list);
    const s = this.store.state;
    if (!s.topology || !this.entriesById.has(s.topology)) {
      if (s.topology) toast(`No view “${s.topology}” here; showing the default view`, "error");
      this.store.set({ topology: defaultTopology(list), context: [] }, "replace");
    }
    this.topbar.setTopologies(list, this.store.state.topology);
    this.refreshChrome();
    this.connect();
  }

  private onState(s: UiState, changed: ReadonlySet<keyof UiState>): void {
    if (changed.has("topology") || changed.has("options") || changed.has("context")) {
      this.connect();
      this.topbar.setTopologies(this.topologies, s.topology);
    }
    if (changed.has("context")) {
      const last = s.context[s.context.length - 1];
      this.visible.setContext(last ? inContext(last, this.childIds.get(last.node)) : null);
      if (last && !this.childIds.has(last.node)) void this.nav.loadChildren(last);
    }
    if (changed.has("query") || changed.has("pinned") || changed.has("mode")) {
      this.topbar.setSearch(s.query, s.pinned, s.mode);
      this.search.setTerms(s.pinned, s.query);
    }
    if (changed.has("mode")) this.applyMode();
    if (changed.has("groupBy") || changed.has("sizeMetric")) {
      this.map.setOptions({ groupBy: s.groupBy, sizeMetric: s.sizeMetric });
    }
    if (changed.has("sort")) this.table.update(this.visible.nodes, this.search.result.live, s.sort);
    if (changed.has("selected") || changed.has("topology") || changed.has("options")) {
      if (changed.has("selected") && s.selected && !this.selection.has(s.selected)) {
        this.selection = new Set([s.selected]);
      }
      if (!s.selected && this.selection.size <= 1) this.selection = new Set();
      this.details.show(s.topology, s.selected, this.optionsFor(s.topology));
      if (s.selected) {
        const n = this.nodes.nodes.get(s.selected);
        if (n) this.details.preview(n);
      }
      this.selectionChanged();
    }
    this.refreshChrome();
  }

  /** Connect the websocket for the current view (if the view or its options changed). */
  private connect(): void {
    const s = this.store.state;
    if (!s.topology || !this.entriesById.size) return;
    const options = this.optionsFor(s.topology);
    const key = JSON.stringify([s.topology, options]);
    if (key === this.streamKey) return;
    this.streamKey = key;
    this.stream?.close();
    this.nodes.clear();
    this.search.configure(s.topology, options);
    this.details.show(s.topology, s.selected, options);
    this.stream = new TopologyStream(s.topology, options, {
      message: (d) => this.nodes.push(d),
      status: (st, detail) => this.status.setLive(st, detail),
    });
  }

  private applyMode(): void {
    const s = this.store.state;
    const table = s.mode === "table";
    this.root.classList.toggle("mode-table", table);
    this.table.el.hidden = !table;
    this.map.el.hidden = table;
    this.toolbar.setMode(s.mode);
    if (table) {
      this.map.stop();
      this.table.update(this.visible.nodes, this.search.result.live, s.sort);
    } else if (s.topology) {
      this.map.start(s.topology, this.visible.nodes.values());
      this.map.setHighlight(this.search.result.live);
    }
  }

  private onNodes(c: Change): void {
    if (c.reset && this.nodes.loaded && !this.autoTableChecked) {
      this.autoTableChecked = true;
      if (!this.modeGiven && this.nodes.nodes.size > AUTO_TABLE_ABOVE && this.store.state.mode === "map") {
        toast(`${this.nodes.nodes.size} nodes: showing the table (press g for the map)`);
        this.store.set({ mode: "table" });
      }
    }
    this.search.nodesChanged();
  }

  private onVisible(c: Change): void {
    const s = this.store.state;
    if (s.mode === "map" && s.topology) {
      if (this.map.active) this.map.apply(s.topology, c, () => this.visible.nodes.values());
      else {
        this.map.start(s.topology, this.visible.nodes.values());
        this.map.setHighlight(this.search.result.live);
      }
    }
    if (s.mode === "table") this.table.update(this.visible.nodes, this.search.result.live, s.sort);
    if (s.selected && (c.reset || c.updated.some((n) => n.id === s.selected) || c.removed.includes(s.selected) ||
        c.added.some((n) => n.id === s.selected))) {
      this.details.changed();
    }
    if (this.selection.size > 1 && c.updated.length) this.batch.nodesChanged(c.updated.map((n) => n.id));
    if (this.pendingFocus && this.visible.nodes.has(this.pendingFocus)) {
      const id = this.pendingFocus;
      this.pendingFocus = null;
      requestAnimationFrame(() => {
        this.map.focus(id);
        this.table.reveal(id);
      });
    }
    this.scheduleSlow();
  }

  /** Status bar totals, filter choices and selectors: at most once a second, they scan every shown node. */
  private scheduleSlow(): void {
    if (this.slowTimer !== undefined) return;
    this.slowTimer = window.setTimeout(() => {
      this.slowTimer = undefined;
      this.refreshChrome();
      const nodes = [...this.visible.nodes.values()];
      this.status.setTotals(nodes);
      this.filters.updateNodes(nodes);
      this.toolbar.setSizes(this.store.state.sizeMetric, nodes.slice(0, 500));
      this.toolbar.setGroups(this.store.state.groupBy, labelKeys(nodes));
    }, 1000);
  }

  refreshChrome(): void {
    const s = this.store.state;
    const entry = s.topology ? this.entriesById.get(s.topology) : undefined;
    const live = this.search.result.live;
    const narrowed = s.context.length > 0 || s.pinned.length > 0;
    this.status.setStats(entry?.desc.stats, narrowed ? this.visible.nodes.size : null,
      live ? [...live].filter((id) => this.visible.nodes.has(id)).length : null);
    this.filters.update(s, optionsOf(entry?.desc));
    this.toolbar.setCrumbs(this.viewName(s.topology), s.context, (t) => this.viewName(t));
    document.title = s.topology ? `${this.viewName(s.topology)} · Scope` : "Scope";
    this.root.classList.toggle("has-details", !!s.selected || this.selection.size > 1);
  }

  private onSearch(r: SearchResult): void {
    const s = this.store.state;
    this.visible.setPinned(r.pinned);
    this.map.setHighlight(r.live);
    if (s.mode === "table") this.table.update(this.visible.nodes, r.live, s.sort);
    this.topbar.setError(s.query, r.liveError);
    this.topbar.setMatches(r.live ? `${[...r.live].filter((id) => this.visible.nodes.has(id)).length} match` : "");
    if (r.pinnedError) toast(`Pinned “${r.pinnedError.query}” does not parse: ${r.pinnedError.error}`, "error");
    if (r.failure) this.topbar.setMatches("search unavailable");
    this.refreshChrome();
  }

  /** Multi-selection or the selected node changed: tell the map, table and batch panel. */
  selectionChanged(): void {
    const s = this.store.state;
    this.map.setSelection(this.selection);
    this.table.setSelection(this.selection, s.selected);
    void this.batch.show(s.topology, [...this.selection], this.optionsFor(s.topology),
      (id) => this.nodes.nodes.get(id)?.label ?? id);
    this.root.classList.toggle("has-details", !!s.selected || this.selection.size > 1);
  }

  openDrawer(which: "filters" | "details"): void {
    this.root.classList.add(`${which}-open`);
  }

  focusWhenShown(id: string): void {
    this.pendingFocus = id;
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    if (t.closest("input, textarea, select, .terminal, [contenteditable]") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") {
      e.preventDefault();
      this.topbar.focusSearch();
    } else if (e.key === "g" || e.key === "t") {
      this.modeGiven = true;
      this.store.set({ mode: e.key === "g" ? "map" : "table" }, "push");
    } else if (e.key === "Escape" && !t.closest(".map")) {
      this.nav.setSelection(new Set(), null);
      this.root.classList.remove("filters-open", "details-open");
    }
  }
}

function labelKeys(nodes: NodeSummary[]): string[] {
  const keys = new Set<string>();
  for (const n of nodes.slice(0, 1000)) {
    for (const t of n.tables ?? []) {
      if (!t.id.toLowerCase().includes("label")) continue;
      for (const r of t.rows ?? []) if (r.entries.label) keys.add(r.entries.label);
    }
  }
  return [...keys].slice(0, 50);
}
