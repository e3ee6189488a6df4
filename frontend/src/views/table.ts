// The table view: the same nodes as the map, one row each, sortable by label, minor label, the key metrics and,
// where a view has few metrics (pods, controllers, services), its nodes' first metadata fields (as Scope's grid).
// Virtualised: only the rows in sight exist in the DOM (a fixed pool re-filled on scroll), so 10,000 nodes
// scroll as smoothly as 10; a delta re-sorts an index array, not the DOM.

import type { NodeSummary } from "../api/types";
import { formatMetadata, formatMetric } from "../domain/format";
import type { Sort } from "../state/store";
import { h } from "../ui/dom";

const ROW_H = 30;
const OVERSCAN = 8;
const MAX_METRIC_COLUMNS = 4;
// Metadata fills the columns metrics leave free, up to this many after the name and details.
const MAX_EXTRA_COLUMNS = 4;
// Metadata not worth a column: bookkeeping, and lists too long for one (still in the details panel).
const SKIPPED_METADATA = new Set(["kubernetes_observed_generation", "kubernetes_containers", "kubernetes_node_name",
  "cmdline", "kernel_version", "local_networks", "host_ips"]);

interface Column {
  id: string;
  label: string;
  metric: boolean;
  format?: string;
  numeric: boolean;
  /** A metadata field (its dataType), not a metric. */
  metadata?: { dataType?: string; truncate?: number };
}

export interface TableHandlers {
  /** A row was clicked: additive (ctrl/meta, checkbox) toggles it in the multi-selection, range (shift) extends. */
  select: (id: string, mode: "single" | "toggle" | "range") => void;
  open: (id: string) => void;
  sort: (sort: Sort) => void;
}

export class NodeTable {
  readonly el: HTMLElement;
  private readonly header: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private pool: HTMLElement[] = [];
  private columns: Column[] = [];
  private rows: NodeSummary[] = [];
  private nodes: ReadonlyMap<string, NodeSummary> = new Map();
  private live: ReadonlySet<string> | null = null;
  private sort: Sort = { column: "label", desc: false };
  private selection: ReadonlySet<string> = new Set();
  private focused: string | null = null;
  private dirty = 0;
  private scrollFrame = 0;
  private anchor: string | null = null;

  constructor(private readonly handlers: TableHandlers) {
    this.header = h("div.trow.thead", { role: "row" });
    this.spacer = h("div.tspacer");
    this.empty = h("div.tempty", {}, "No nodes to show");
    this.viewport = h("div.tviewport", { role: "rowgroup", tabindex: 0 }, this.spacer);
    this.el = h("div.node-table", { role: "table", "aria-label": "Nodes", "data-test": "table" }, this.header,
      this.viewport, this.empty);
    this.viewport.addEventListener("scroll", () => {
      if (!this.scrollFrame) this.scrollFrame = requestAnimationFrame(() => {
        this.scrollFrame = 0;
        this.paint();
      });
    });
    this.viewport.addEventListener("keydown", (e) => this.key(e));
    new ResizeObserver(() => this.paint()).observe(this.viewport);
  }

  /** New data, matches or sort: rebuilt at the next frame, once, however many calls came before it. */
  update(nodes: ReadonlyMap<string, NodeSummary>, live: ReadonlySet<string> | null, sort: Sort): void {
    this.nodes = nodes;
    this.live = live;
    this.sort = sort;
    if (!this.dirty) this.dirty = requestAnimationFrame(() => this.rebuild());
  }

  setSelection(selection: ReadonlySet<string>, focused: string | null): void {
    this.selection = selection;
    this.focused = focused;
    this.paint();
  }

  /** Scroll a row into view. */
  reveal(id: string): void {
    const i = this.rows.findIndex((n) => n.id === id);
    if (i < 0) return;
    const top = i * ROW_H;
    const vh = this.viewport.clientHeight;
    if (top < this.viewport.scrollTop || top + ROW_H > this.viewport.scrollTop + vh) {
      this.viewport.scrollTop = Math.max(0, top - vh / 2);
    }
  }

  /** IDs in the table's current order (for range selection). */
  get order(): string[] {
    return this.rows.map((n) => n.id);
  }

  private rebuild(): void {
    this.dirty = 0;
    const cols = columnsFor(this.nodes);
    if (cols.map((c) => c.id).join() !== this.columns.map((c) => c.id).join()) {
      this.columns = cols;
      this.renderHeader();
      this.pool.forEach((r) => r.remove());
      this.pool = [];
    } else {
      this.renderHeader();
    }
    let rows = [...this.nodes.values()];
    if (this.live) rows = rows.filter((n) => this.live!.has(n.id));
    const col = this.columns.find((c) => c.id === this.sort.column) ?? this.columns[0];
    const keyed = rows.map((n) => ({ n, k: sortKey(n, col) }));
    const dir = this.sort.desc ? -1 : 1;
    keyed.sort((a, b) => {
      // Missing values last whatever the direction.
      if (a.k === null || b.k === null) return a.k === b.k ? 0 : a.k === null ? 1 : -1;
      return (a.k < b.k ? -1 : a.k > b.k ? 1 : a.n.id < b.n.id ? -1 : 1) * dir;
    });
    this.rows = keyed.map((x) => x.n);
    this.spacer.style.height = `${this.rows.length * ROW_H}px`;
    this.empty.hidden = this.rows.length > 0;
    this.paint();
  }

  private template(): string {
    return ["34px", "minmax(160px,3fr)", "minmax(100px,1.2fr)", ...this.columns.slice(2).map(() => "minmax(90px,1fr)")]
      .join(" ");
  }

  private renderHeader(): void {
    this.header.style.gridTemplateColumns = this.template();
    this.header.replaceChildren(h("span.tcell", { role: "columnheader" }),
      ...this.columns.map((c) => {
        const active = c.id === this.sort.column;
        return h(`button.tcell.th${c.numeric ? ".num" : ""}`, {
          role: "columnheader", "data-col": c.id,
          "aria-sort": active ? (this.sort.desc ? "descending" : "ascending") : "none",
          title: `Sort by ${c.label}`,
          onclick: () => this.handlers.sort({ column: c.id, desc: active ? !this.sort.desc : c.numeric }),
        }, c.label, active ? (this.sort.desc ? " ▾" : " ▴") : "");
      }));
  }

  private paint(): void {
    const vh = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_H) - OVERSCAN);
    const count = Math.min(this.rows.length - first, Math.ceil(vh / ROW_H) + 2 * OVERSCAN);
    while (this.pool.length < Math.max(0, count)) this.pool.push(this.makeRow());
    const template = this.template();
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i];
      const n = i < count ? this.rows[first + i] : undefined;
      if (!n) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      row.style.transform = `translateY(${(first + i) * ROW_H}px)`;
      row.style.gridTemplateColumns = template;
      this.fill(row, n);
    }
  }

  private makeRow(): HTMLElement {
    const cells = [h("span.tcell.check", {}, h("input", { type: "checkbox", tabindex: -1, "aria-label": "Select" })),
      ...this.columns.map((c) => h(`span.tcell${c.numeric ? ".num" : ""}`, { role: "cell" }))];
    const row = h("div.trow", { role: "row" }, ...cells);
    row.addEventListener("click", (e) => {
      const id = row.dataset.id;
      if (!id) return;
      const onCheck = (e.target as HTMLElement).closest(".check") !== null;
      this.anchor = e.shiftKey ? this.anchor : id;
      this.handlers.select(id, e.shiftKey ? "range" : (onCheck || e.ctrlKey || e.metaKey) ? "toggle" : "single");
    });
    row.addEventListener("dblclick", () => row.dataset.id && this.handlers.open(row.dataset.id));
    this.viewport.appendChild(row);
    return row;
  }

  private fill(row: HTMLElement, n: NodeSummary): void {
    row.dataset.id = n.id;
    row.classList.toggle("selected", this.selection.has(n.id));
    row.classList.toggle("focused", this.focused === n.id);
    row.classList.toggle("pseudo", !!n.pseudo);
    const cells = row.children;
    (cells[0].firstChild as HTMLInputElement).checked = this.selection.has(n.id);
    for (let c = 0; c < this.columns.length; c++) {
      const text = cellText(n, this.columns[c]);
      const cell = cells[c + 1] as HTMLElement;
      if (cell.textContent !== text) {
        cell.textContent = text;
        cell.title = text;
      }
    }
  }

  private key(e: KeyboardEvent): void {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Enter") return;
    e.preventDefault();
    const i = this.rows.findIndex((n) => n.id === this.focused);
    if (e.key === "Enter") {
      if (this.focused) this.handlers.open(this.focused);
      return;
    }
    const next = this.rows[Math.max(0, Math.min(this.rows.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
    if (next) {
      this.handlers.select(next.id, "single");
      this.reveal(next.id);
    }
  }
}

/** Label, minor label, then the metrics most nodes carry, by their template priority; then, in the columns left,
 * the metadata fields most nodes carry (a pod's state, IP and namespace), by priority. */
export function columnsFor(nodes: ReadonlyMap<string, NodeSummary>): Column[] {
  const seen = new Map<string, { label: string; format?: string; priority: number; count: number }>();
  const fields = new Map<string, { label: string; dataType?: string; truncate?: number; priority: number;
    count: number }>();
  let scanned = 0;
  for (const n of nodes.values()) {
    if (++scanned > 500) break; // a sample decides the columns; a topology's nodes share templates
    for (const m of n.metrics ?? []) {
      const s = seen.get(m.id);
      if (s) s.count++;
      else seen.set(m.id, { label: m.label ?? m.id, format: m.format, priority: m.priority ?? 99, count: 1 });
    }
    for (const m of n.metadata ?? []) {
      const f = fields.get(m.id);
      if (f) f.count++;
      else fields.set(m.id, { label: m.label ?? m.id, dataType: m.dataType, truncate: m.truncate,
        priority: m.priority ?? 99, count: 1 });
    }
  }
  const metrics: Column[] = [...seen.entries()]
    .sort((a, b) => a[1].priority - b[1].priority || b[1].count - a[1].count)
    .slice(0, MAX_METRIC_COLUMNS)
    .map(([id, s]) => ({ id, label: s.label, metric: true, format: s.format, numeric: true }));
  const taken = new Set(["label", "labelMinor", ...metrics.map((c) => c.id)]);
  const metadata: Column[] = [...fields.entries()]
    .filter(([id, f]) => !taken.has(id) && !SKIPPED_METADATA.has(id) && f.dataType !== "datetime" &&
      f.count * 2 >= Math.min(scanned, 500))
    .sort((a, b) => a[1].priority - b[1].priority || b[1].count - a[1].count)
    .slice(0, Math.max(0, MAX_EXTRA_COLUMNS - metrics.length))
    .map(([id, f]) => ({ id, label: f.label, metric: false, numeric: f.dataType === "number" || f.dataType === "duration",
      metadata: { dataType: f.dataType, truncate: f.truncate } }));
  return [
    { id: "label", label: "Name", metric: false, numeric: false },
    { id: "labelMinor", label: "Details", metric: false, numeric: false },
    ...metrics,
    ...metadata,
  ];
}

function sortKey(n: NodeSummary, col: Column | undefined): string | number | null {
  if (!col) return n.label.toLowerCase();
  if (col.metric) {
    const m = n.metrics?.find((x) => x.id === col.id);
    return m ? m.value : null;
  }
  if (col.metadata) {
    const m = n.metadata?.find((x) => x.id === col.id);
    if (!m) return null;
    if (col.numeric) {
      const v = Number(m.value);
      return Number.isFinite(v) ? v : null;
    }
    return m.value.toLowerCase();
  }
  const v = col.id === "labelMinor" ? n.labelMinor : n.label;
  return v ? v.toLowerCase() : null;
}

function cellText(n: NodeSummary, col: Column): string {
  if (col.metric) {
    const m = n.metrics?.find((x) => x.id === col.id);
    return m ? formatMetric(m.value, m.format) : "";
  }
  if (col.metadata) {
    const m = n.metadata?.find((x) => x.id === col.id);
    return m ? formatMetadata(m.value, m.dataType, m.truncate, m.id) : "";
  }
  return (col.id === "labelMinor" ? n.labelMinor : n.label) ?? "";
}
