// The top bar: the view selector (topologies and their sub-views from GET /api/topology, empty ones hidden as
// Scope does) and the search bar (pinned terms as chips, the query's parse error shown where it fails).

import type { SearchError, TopologyDesc } from "../api/types";
import { entries, type TopologyEntry } from "../domain/topologies";
import type { Mode } from "../state/store";
import { h, setChildren } from "../ui/dom";
import { icon } from "../ui/icons";

export interface TopbarHandlers {
  view: (topology: string) => void;
  query: (q: string) => void;
  /** Enter in the search box. */
  pin: (q: string) => void;
  unpin: (term: string) => void;
  mode: (mode: Mode) => void;
  toggleFilters: () => void;
  toggleDetails: () => void;
}

const HELP: [string, string][] = [
  ["nginx", "a regular expression over names, metadata, parents and tables"],
  ["pid: 243", "only in fields whose label matches (here “PID”)"],
  ["cpu > 80%", "a metric compared with <, = or >"],
  ["memory > 512M", "sizes take k, m, g, t (×1024)"],
  ["label:app=web", "a Docker or Kubernetes label"],
  ["type:container", "nodes of one kind (process, container, host, pod, pseudo…)"],
];

export class Topbar {
  readonly el: HTMLElement;
  private readonly views: HTMLElement;
  private readonly subviews: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly chips: HTMLElement;
  private readonly error: HTMLElement;
  private readonly matches: HTMLElement;
  private readonly modeButtons: Record<Mode, HTMLButtonElement>;
  private renderedKey = "";

  constructor(private readonly handlers: TopbarHandlers) {
    this.views = h("nav.views", { "aria-label": "Views", "data-test": "views" });
    this.subviews = h("nav.subviews", { "aria-label": "Sub-views", "data-test": "subviews" });
    this.input = h("input.search-input", { type: "search", placeholder: "Search (/)  e.g. nginx · cpu > 50% · label:app=web",
      "aria-label": "Search", "data-test": "search", autocomplete: "off", spellcheck: "false" });
    this.chips = h("span.chips", { "data-test": "pinned" });
    this.error = h("div.search-error", { role: "alert", "data-test": "search-error", hidden: true });
    this.matches = h("span.search-matches", { "data-test": "search-matches" });
    const help = h("details.search-help", {}, h("summary", { title: "Search syntax", "aria-label": "Search syntax" }, "?"),
      h("div.popover", {}, h("table", {}, h("tbody", {}, ...HELP.map(([ex, what]) =>
        h("tr", {}, h("td", {}, h("code", {}, ex)), h("td", {}, what))))),
      h("p", {}, "Enter pins a search (pinned terms are ANDed and filter the view); Esc clears.")));
    this.input.addEventListener("input", () => this.handlers.query(this.input.value));
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && this.input.value.trim()) {
        e.preventDefault();
        this.handlers.pin(this.input.value.trim());
      } else if (e.key === "Escape") {
        this.input.value = "";
        this.handlers.query("");
        this.input.blur();
      } else if (e.key === "Backspace" && !this.input.value && this.chips.lastElementChild) {
        const last = (this.chips.lastElementChild as HTMLElement).dataset.term;
        if (last) this.handlers.unpin(last);
      }
    });
    this.modeButtons = {
      map: h("button", { onclick: () => this.handlers.mode("map"), title: "Map (g)", "data-test": "mode-map" }, "Map"),
      table: h("button", { onclick: () => this.handlers.mode("table"), title: "Table (t)", "data-test": "mode-table" },
        "Table"),
    };
    this.el = h("header.topbar", {},
      h("div.brand", {},
        h("button.icon-button.drawer-toggle", { "aria-label": "Filters", title: "Filters",
          onclick: () => this.handlers.toggleFilters() }, icon("align-justify")),
        h("span.logo", { "aria-hidden": "true" }), h("span.name", {}, "scope")),
      h("div.view-select", {}, this.views, this.subviews),
      h("div.search", {},
        h("div.search-box", { onclick: () => this.input.focus() }, icon("search"), this.chips, this.input, this.matches),
        help, this.error),
      h("div.mode.segmented", { role: "group", "aria-label": "Map or table" }, this.modeButtons.map,
        this.modeButtons.table),
      h("button.icon-button.drawer-toggle", { "aria-label": "Details", title: "Details",
        onclick: () => this.handlers.toggleDetails() }, icon("list")));
  }

  focusSearch(): void {
    this.input.focus();
    this.input.select();
  }

  setTopologies(list: TopologyDesc[], current: string | null): void {
    const es = entries(list, current);
    const key = JSON.stringify([current, es.map((e) => [e.id, e.name, e.desc.stats.node_count,
      e.children.map((c) => [c.id, c.name, c.desc.stats.node_count])])]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    const top = es.find((e) => e.id === current || e.children.some((c) => c.id === current));
    setChildren(this.views, ...es.map((e) => this.viewButton(e, e === top)));
    const subs = top ? [top, ...top.children] : [];
    setChildren(this.subviews, ...(subs.length > 1 ? subs.map((e, i) =>
      this.viewButton(e, e.id === current, i === 0 ? "All" : e.name)) : []));
  }

  private viewButton(e: TopologyEntry, active: boolean, label = e.name): HTMLElement {
    return h(`button.view${active ? ".active" : ""}`, {
      "data-topology": e.id, "aria-pressed": active ? "true" : "false", title: e.fullName,
      onclick: () => this.handlers.view(e.id),
    }, label, h("span.count", {}, String(e.desc.stats.node_count)));
  }

  /** The search box's text, pinned chips and mode (from the state; the input keeps focus and caret). */
  setSearch(query: string, pinned: string[], mode: Mode): void {
    if (this.input.value !== query) this.input.value = query;
    setChildren(this.chips, ...pinned.map((t) => h("span.chip", { "data-term": t, title: t },
      h("span", {}, t), h("button.chip-x", { "aria-label": `Unpin ${t}`, onclick: (e: Event) => {
        e.stopPropagation();
        this.handlers.unpin(t);
      } }, icon("times")))));
    for (const m of ["map", "table"] as Mode[]) this.modeButtons[m].classList.toggle("active", m === mode);
  }

  /** The query's parse error, with a caret under where it stops parsing. */
  setError(query: string, err: SearchError | null): void {
    this.input.classList.toggle("invalid", !!err);
    this.error.hidden = !err;
    if (!err) return;
    const pos = Math.max(0, Math.min(err.position ?? query.length, query.length));
    setChildren(this.error,
      h("div.where", {}, h("code", {}, query.slice(0, pos), h("mark", {}, query.slice(pos, pos + 1) || " "),
        query.slice(pos + 1))),
      h("div.why", {}, err.error));
  }

  setMatches(text: string): void {
    this.matches.textContent = text;
  }
}
