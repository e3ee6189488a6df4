// The node details panel (GET /api/topology/<t>/<node>): controls, metrics with sparklines, metadata, label and
// other tables, connections in and out, parents and children as links. Refetched when the node changes in the
// websocket (throttled); each section is redrawn only if its data changed, so scrolling and text selection
// survive the refreshes.

import { ApiError, api } from "../api/client";
import type { ChildGroup, ConnectionTable, Control, NodeDetails, NodeSummary, Table } from "../api/types";
import { formatBytes, formatMetadata, formatMetric } from "../domain/format";
import { edgeKey } from "../graph/index";
import { h } from "../ui/dom";
import { icon } from "../ui/icons";
import { sparkline } from "../ui/sparkline";
import type { ControlOutcome } from "./controls";

export interface DetailsHandlers {
  /** Go to a node in its topology (a parent, child or connection). */
  navigate: (topology: string, node: string) => void;
  /** Drill into the node's children. */
  drill: (node: NodeDetails) => void;
  control: (control: Control, node: NodeDetails) => Promise<ControlOutcome | null>;
  close: () => void;
  /** Bytes/s of the node's edges, from its connection tables: `${src}->${dst}` -> rate. */
  edgeRates: (rates: Map<string, number>) => void;
  /** A view's name as the view selector shows it ("Controllers" for kube-controllers). */
  viewName?: (topology: string) => string;
}

const REFRESH_MS = 2000;
const FALLBACK_REFRESH_MS = 5000;
const CHILD_ROWS = 30;
// Connection byte counts are summed over the app's report window (15 s by default).
const WINDOW_SECONDS = 15;
const BYTE_COLUMNS = new Set(["bytes_sent", "bytes_received"]);
// Connection columns our probes add (docs/scope-compatibility.md), with short names.
const L4_COLUMNS = new Map([["bytes_sent", "↑"], ["bytes_received", "↓"], ["connections_total", "conns"],
  ["failed_connections", "failed"], ["retransmits", "retrans"]]);

export class DetailsPanel {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private sections = new Map<string, { el: HTMLElement; key: string }>();
  private topology: string | null = null;
  private nodeId: string | null = null;
  private options: Record<string, string> = {};
  private details: NodeDetails | null = null;
  private fetching: AbortController | null = null;
  private timer: number | undefined;
  private lastFetch = 0;
  private pending = new Set<string>();
  private expanded = new Set<string>();
  private lastResult: { text: string; ok: boolean } | null = null;
  private held = false;
  private heldDetails: NodeDetails | null = null;

  constructor(private readonly handlers: DetailsHandlers) {
    this.status = h("div.details-status", { role: "status" });
    this.body = h("div.details-body");
    this.el = h("aside.details", { "aria-label": "Node details", "data-test": "details" }, this.status, this.body);
    // A refresh landing between pointer down and up would replace the link or button being clicked: hold
    // refreshes while a pointer is down in the panel.
    this.el.addEventListener("pointerdown", () => {
      this.held = true;
    });
    // The websocket tells about nodes of the view only; a node shown from elsewhere (a link to a node the view's
    // options hide) still refreshes now and then.
    window.setInterval(() => {
      if (!document.hidden && Date.now() - this.lastFetch > FALLBACK_REFRESH_MS) this.changed();
    }, FALLBACK_REFRESH_MS);
    window.addEventListener("pointerup", () => {
      if (!this.held) return;
      this.held = false;
      const next = this.heldDetails;
      this.heldDetails = null;
      if (next) setTimeout(() => next.id === this.nodeId && this.render(next), 0);
    });
  }

  get current(): NodeDetails | null {
    return this.details;
  }

  /** Show a node (null: hide). */
  show(topology: string | null, nodeId: string | null, options: Record<string, string>): void {
    const same = topology === this.topology && nodeId === this.nodeId;
    this.topology = topology;
    this.nodeId = nodeId;
    this.options = options;
    if (!same) {
      this.details = null;
      this.sections.clear();
      this.expanded.clear();
      this.lastResult = null;
      this.body.replaceChildren();
      this.setStatus("");
      this.handlers.edgeRates(new Map());
    }
    window.clearTimeout(this.timer);
    this.timer = undefined;
    if (topology && nodeId) void this.fetch(!same);
    else this.fetching?.abort();
  }

  /** The node changed in the websocket: refetch, at most every REFRESH_MS. */
  changed(): void {
    if (!this.nodeId || this.timer !== undefined) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.fetch(false);
    }, Math.max(0, this.lastFetch + REFRESH_MS - Date.now()));
  }

  /** Render a summary at once while the details load (from the map or table's data). */
  preview(n: NodeSummary): void {
    if (this.details || n.id !== this.nodeId) return;
    this.section("header", n.label + (n.labelMinor ?? ""), () => this.header(n));
  }

  private async fetch(first: boolean): Promise<void> {
    const topology = this.topology;
    const nodeId = this.nodeId;
    if (!topology || !nodeId) return;
    this.fetching?.abort();
    const ctrl = new AbortController();
    this.fetching = ctrl;
    this.lastFetch = Date.now();
    if (first) this.setStatus("Loading…");
    try {
      const { node } = await api.details(topology, nodeId, this.options, ctrl.signal);
      if (ctrl.signal.aborted || nodeId !== this.nodeId) return;
      this.setStatus("");
      this.render(node);
    } catch (e) {
      if (ctrl.signal.aborted) return;
      if (e instanceof ApiError && e.status === 404) {
        this.setStatus(this.details ? "This node is gone." : "No such node in this view.", "gone");
      } else {
        this.setStatus(`Could not load details: ${e instanceof Error ? e.message : String(e)}`, "error");
      }
    }
  }

  private setStatus(text: string, kind = ""): void {
    this.status.textContent = text;
    this.status.className = `details-status ${kind}`;
    this.status.hidden = !text;
  }

  private render(d: NodeDetails): void {
    if (this.held && this.details?.id === d.id) {
      this.heldDetails = d;
      return;
    }
    this.details = d;
    this.section("header", JSON.stringify([d.label, d.labelMinor, d.rank, d.shape, !!d.children?.length]),
      () => this.header(d));
    this.section("controls", JSON.stringify(d.controls ?? []), () => this.controls(d));
    this.section("metrics", JSON.stringify(d.metrics ?? []), () => this.metrics(d));
    this.section("metadata", JSON.stringify(d.metadata ?? []), () => this.metadata(d));
    this.section("parents", JSON.stringify(d.parents ?? []), () => this.parents(d));
    this.section("tables", JSON.stringify(d.tables ?? []), () => this.tables(d.tables ?? []));
    this.section("connections", JSON.stringify(d.connections ?? []), () => this.connections(d));
    this.section("children", JSON.stringify([d.children ?? [], [...this.expanded]]), () => this.children(d));
    this.handlers.edgeRates(edgeRates(d));
  }

  /** Create or update one section in order; redraw only when its key changed. */
  private section(name: string, key: string, build: () => HTMLElement | null): void {
    const old = this.sections.get(name);
    if (old && old.key === key) return;
    const el = build() ?? h("div", { hidden: true });
    el.dataset.section = name;
    if (old) old.el.replaceWith(el);
    else this.body.appendChild(el);
    this.sections.set(name, { el, key });
  }

  private header(d: NodeSummary): HTMLElement {
    const details = this.details;
    return h("header.details-header", {},
      h("div.titles", {},
        h("h2", { title: d.label, "data-test": "details-title" }, d.label),
        d.labelMinor ? h("div.minor", {}, d.labelMinor) : null),
      h("div.header-actions", {},
        details?.children?.some((c) => c.nodes?.length) ? h("button.ghost", {
          title: "Show this node's children in their view", "data-test": "drill",
          onclick: () => details && this.handlers.drill(details),
        }, "Drill down") : null,
        h("button.icon-button", { title: "Close details", "aria-label": "Close details",
          onclick: () => this.handlers.close() }, icon("times"))));
  }

  private controls(d: NodeDetails): HTMLElement | null {
    const controls = [...(d.controls ?? [])].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
    if (!controls.length) return null;
    const result = h("div.control-result", { role: "status", "data-test": "control-result" });
    const showResult = () => {
      result.textContent = this.lastResult?.text ?? "";
      result.className = `control-result ${this.lastResult ? (this.lastResult.ok ? "ok" : "error") : ""}`;
    };
    showResult();
    const buttons = controls.map((c) => {
      const b = h("button.control", { title: c.human, "data-control": c.id, disabled: this.pending.has(c.id) },
        icon(c.icon), h("span", {}, c.human));
      b.addEventListener("click", async () => {
        this.pending.add(c.id);
        b.disabled = true;
        b.classList.add("busy");
        try {
          const outcome = await this.handlers.control(c, d);
          if (outcome && d.id === this.nodeId) {
            this.lastResult = { text: outcome.message, ok: outcome.ok };
            // The section may have been redrawn meanwhile (the node's controls changed): update the live one.
            const live = this.sections.get("controls")?.el.querySelector<HTMLElement>(".control-result");
            for (const el of new Set([result, live])) {
              if (!el) continue;
              el.textContent = outcome.message;
              el.className = `control-result ${outcome.ok ? "ok" : "error"}`;
            }
          }
        } finally {
          this.pending.delete(c.id);
          b.disabled = false;
          b.classList.remove("busy");
          // The node's state changes through the websocket; fetch now rather than wait for the throttle.
          this.lastFetch = 0;
          this.changed();
        }
      });
      return b;
    });
    return h("section.controls", {}, h("div.control-buttons", {}, ...buttons), result);
  }

  private metrics(d: NodeDetails): HTMLElement | null {
    const metrics = [...(d.metrics ?? [])].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    if (!metrics.length) return null;
    return h("section", {}, h("h3", {}, "Metrics"), h("div.metrics", {}, ...metrics.map(sparkline)));
  }

  private metadata(d: NodeDetails): HTMLElement | null {
    const rows = [...(d.metadata ?? [])].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    if (!rows.length) return null;
    return h("section", {}, h("h3", {}, "Info"), h("table.kv", {}, h("tbody", {}, ...rows.map((m) => {
      const full = m.value;
      const shown = formatMetadata(m.value, m.dataType, m.truncate, m.id);
      return h("tr", {}, h("th", {}, m.label ?? m.id), h("td", { title: full }, shown));
    }))));
  }

  private parents(d: NodeDetails): HTMLElement | null {
    const parents = d.parents ?? [];
    if (!parents.length) return null;
    return h("section", {}, h("h3", {}, "Parents"), h("div.links", {}, ...parents.map((p) =>
      h("a.node-link", { href: "#", "data-topology": p.topologyId, title: `${p.label} in ${p.topologyId}`,
        onclick: (e: Event) => {
          e.preventDefault();
          this.handlers.navigate(p.topologyId, p.id);
        } }, h("span.kind", {}, this.handlers.viewName?.(p.topologyId) ?? p.topologyId.replace(/-/g, " ")),
        p.label))));
  }

  private tables(all: Table[]): HTMLElement | null {
    const tables = all.filter((t) => t.rows?.length);
    if (!tables.length) return null;
    return h("div", {}, ...tables.map((t) => {
      const rows = t.rows ?? [];
      if (t.type === "multicolumn-table") {
        const cols = t.columns ?? [];
        return h("section", {}, h("h3", {}, t.label), h("table.grid", {},
          h("thead", {}, h("tr", {}, h("th", {}, ""), ...cols.map((c) => h("th", {}, c.label)))),
          h("tbody", {}, ...rows.map((r) => h("tr", {}, h("td", {}, r.entries.label ?? r.id.replace(/^label_/, "")),
            ...cols.map((c) => h("td", {}, r.entries[c.id] ?? "")))))));
      }
      return h("section", { "data-table": t.id }, h("h3", {}, t.label), h("table.kv", {}, h("tbody", {},
        ...rows.map((r) => h("tr", {}, h("th", {}, r.entries.label ?? r.id), h("td", {}, r.entries.value ?? ""))))),
      t.truncationCount ? h("div.note", {}, `${t.truncationCount} more not shown`) : null);
    }));
  }

  private connections(d: NodeDetails): HTMLElement | null {
    const tables = (d.connections ?? []).filter((t) => t.connections?.length);
    if (!tables.length) return null;
    return h("div", {}, ...tables.map((t) => this.connectionTable(t)));
  }

  private connectionTable(t: ConnectionTable): HTMLElement {
    const all = t.columns ?? [];
    // Scope's columns (port, count) stay columns; our L4 measurements go on a line under each row, as a
    // 380 px panel has no room for seven columns.
    const cols = all.filter((c) => !L4_COLUMNS.has(c.id));
    const l4 = all.filter((c) => L4_COLUMNS.has(c.id));
    const sortCol = all.find((c) => c.defaultSort)?.id;
    const rows = [...(t.connections ?? [])];
    if (sortCol) {
      const v = (r: (typeof rows)[number]) => Number(r.metadata?.find((m) => m.id === sortCol)?.value ?? 0);
      rows.sort((a, b) => v(b) - v(a));
    }
    return h("section", { "data-connections": t.id }, h("h3", {}, `${t.label} connections`),
      h("table.grid.connections", {},
        h("thead", {}, h("tr", {}, h("th", {}, t.id.startsWith("incoming") ? "From" : "To"),
          ...cols.map((c) => h("th.num", {}, c.label)))),
        h("tbody", {}, ...rows.flatMap((r) => {
          const meta = new Map((r.metadata ?? []).map((m) => [m.id, m.value]));
          const main = h("tr", {},
            h("td", {}, h("a.node-link", { href: "#", title: r.labelMinor ?? "", onclick: (e: Event) => {
              e.preventDefault();
              this.handlers.navigate(t.topologyId, r.nodeId);
            } }, r.label), r.labelMinor ? h("span.minor", {}, ` ${r.labelMinor}`) : null),
            ...cols.map((c) => h("td.num", {}, meta.get(c.id) ?? "")));
          const facts = l4.filter((c) => meta.has(c.id)).map((c) => {
            const v = meta.get(c.id) ?? "";
            const bad = (c.id === "failed_connections" || c.id === "retransmits") && Number(v) > 0;
            return h(`span${bad ? ".bad" : ""}`, { title: c.label },
              `${L4_COLUMNS.get(c.id)} ${BYTE_COLUMNS.has(c.id) ? formatBytes(Number(v)) : v}`);
          });
          return facts.length ? [main, h("tr.l4", {}, h("td", { colspan: cols.length + 1 }, ...facts))] : [main];
        }))));
  }

  private children(d: NodeDetails): HTMLElement | null {
    const groups = (d.children ?? []).filter((g) => g.nodes?.length);
    if (!groups.length) return null;
    return h("div", {}, ...groups.map((g) => this.childGroup(g)));
  }

  private childGroup(g: ChildGroup): HTMLElement {
    const nodes = g.nodes ?? [];
    const cols = g.columns ?? [];
    const all = this.expanded.has(g.topologyId);
    const shown = all ? nodes : nodes.slice(0, CHILD_ROWS);
    const value = (n: NodeSummary, id: string): string => {
      const m = n.metrics?.find((x) => x.id === id);
      if (m) return formatMetric(m.value, m.format);
      const md = n.metadata?.find((x) => x.id === id);
      return md ? formatMetadata(md.value, md.dataType, md.truncate, md.id) : "";
    };
    return h("section", { "data-children": g.topologyId }, h("h3", {}, `${g.label} (${nodes.length})`),
      h("table.grid", {},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), ...cols.map((c) => h("th.num", {}, c.label)))),
        h("tbody", {}, ...shown.map((n) => h("tr", {},
          h("td", {}, h("a.node-link", { href: "#", title: n.labelMinor ?? "", onclick: (e: Event) => {
            e.preventDefault();
            this.handlers.navigate(g.topologyId, n.id);
          } }, n.label)),
          ...cols.map((c) => h("td.num", {}, value(n, c.id))))))),
      nodes.length > shown.length ? h("button.ghost.more", { onclick: () => {
        this.expanded.add(g.topologyId);
        if (this.details) this.render(this.details);
      } }, `Show all ${nodes.length}`) : null);
  }
}

/** Bytes per second of the node's edges, from the byte columns of its connection tables. */
function edgeRates(d: NodeDetails): Map<string, number> {
  const rates = new Map<string, number>();
  for (const t of d.connections ?? []) {
    const incoming = t.id.startsWith("incoming");
    for (const r of t.connections ?? []) {
      let bytes = 0;
      for (const m of r.metadata ?? []) if (BYTE_COLUMNS.has(m.id)) bytes += Number(m.value) || 0;
      if (!bytes) continue;
      const key = incoming ? edgeKey(r.nodeId, d.id) : edgeKey(d.id, r.nodeId);
      rates.set(key, (rates.get(key) ?? 0) + bytes / WINDOW_SECONDS);
    }
  }
  return rates;
}
