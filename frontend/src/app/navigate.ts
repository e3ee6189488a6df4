// Navigation and selection: switching views, drilling down and back up, following links to nodes in other
// views, selecting one or many nodes, pinning search terms, and running a node's controls.

import { api } from "../api/client";
import type { Control, NodeDetails } from "../api/types";
import { runControl, type ControlOutcome } from "../panels/controls";
import type { Crumb } from "../state/store";
import { toast } from "../ui/dialog";
import type { App } from "./app";
import { drillTarget, inContext } from "./drill";

export class Navigator {
  constructor(private readonly app: App) {}

  private get state() {
    return this.app.store.state;
  }

  /** Switch to a view from the selector: a fresh start (no drill-down, nothing selected). */
  view(topology: string): void {
    this.app.selection = new Set();
    this.app.store.set({ topology, context: [], selected: null }, "push");
  }

  /** Show a node in its view (parents, children and connections link here). */
  goTo(topology: string, node: string): void {
    this.app.selection = new Set([node]);
    if (topology === this.state.topology) this.app.store.set({ selected: node }, "push");
    else this.app.store.set({ topology, selected: node, context: [] }, "push");
    this.app.focusWhenShown(node);
    this.app.selectionChanged();
  }

  /** Open a node's children in their view, remembering where we came from. */
  async drill(id: string, details?: NodeDetails): Promise<void> {
    const from = this.state.topology;
    if (!from) return;
    let d = details;
    if (!d) {
      try {
        d = (await api.details(from, id, this.app.optionsFor(from))).node;
      } catch (e) {
        toast(`Cannot open ${id}: ${e instanceof Error ? e.message : String(e)}`, "error");
        return;
      }
    }
    const target = drillTarget(from, d);
    if (!target) {
      toast(`${d.label} has nothing to drill into`);
      return;
    }
    this.app.childIds.set(id, target.childIds);
    this.app.selection = new Set();
    this.app.store.set({
      topology: target.topology, selected: null,
      context: [...this.state.context, { topology: from, node: id, label: d.label }],
    }, "push");
  }

  /** Back up to a breadcrumb: -1 is the view drilling started from (with the first node selected). */
  crumb(index: number): void {
    const ctx = this.state.context;
    if (!ctx.length) return;
    if (index < 0) {
      this.app.selection = new Set([ctx[0].node]);
      this.app.store.set({ topology: ctx[0].topology, context: [], selected: ctx[0].node }, "push");
      this.app.focusWhenShown(ctx[0].node);
      return;
    }
    const topology = index + 1 < ctx.length ? ctx[index + 1].topology : this.state.topology;
    const selected = index + 1 < ctx.length ? ctx[index + 1].node : null;
    this.app.selection = new Set(selected ? [selected] : []);
    this.app.store.set({ topology, context: ctx.slice(0, index + 1), selected }, "push");
    if (selected) this.app.focusWhenShown(selected);
  }

  /** After a reload into a drilled view: learn the crumb node's children (group nodes need their IDs). */
  async loadChildren(crumb: Crumb): Promise<void> {
    try {
      const { node } = await api.details(crumb.topology, crumb.node, this.app.optionsFor(crumb.topology));
      const target = drillTarget(crumb.topology, node);
      if (!target) return;
      this.app.childIds.set(crumb.node, target.childIds);
      const last = this.state.context[this.state.context.length - 1];
      if (last?.node === crumb.node) this.app.visible.setContext(inContext(last, target.childIds));
    } catch {
      // the node is gone: its children still match by parent
    }
  }

  select(id: string | null): void {
    this.setSelection(new Set(id ? [id] : []), id);
  }

  setSelection(ids: Set<string>, selected: string | null): void {
    this.app.selection = ids;
    this.app.store.set({ selected });
    // Where the details panel is a drawer (tablets), picking a node opens it.
    if ((selected || ids.size > 1) && matchMedia("(max-width: 1100px)").matches) this.app.openDrawer("details");
    this.app.selectionChanged();
    this.app.refreshChrome();
  }

  selectFromMap(ids: string[], additive: boolean): void {
    if (!additive) {
      this.setSelection(new Set(ids), ids[0] ?? null);
      return;
    }
    const next = new Set(this.app.selection);
    for (const id of ids) {
      if (next.has(id)) next.delete(id);
      else next.add(id);
    }
    this.setSelection(next, this.keepSelected(next));
  }

  selectFromTable(id: string, mode: "single" | "toggle" | "range"): void {
    if (mode === "single") {
      this.setSelection(new Set([id]), id);
      return;
    }
    const next = new Set(this.app.selection);
    if (mode === "toggle") {
      if (next.has(id)) next.delete(id);
      else next.add(id);
    } else {
      const order = this.app.table.order;
      const from = order.indexOf(this.state.selected ?? [...next].pop() ?? id);
      const to = order.indexOf(id);
      for (const x of order.slice(Math.min(from, to), Math.max(from, to) + 1)) next.add(x);
    }
    this.setSelection(next, this.keepSelected(next));
  }

  /** The details panel keeps its node while it stays selected; a lone selection is shown. */
  private keepSelected(next: Set<string>): string | null {
    const cur = this.state.selected;
    if (cur && next.has(cur)) return cur;
    return next.size === 1 ? [...next][0] : null;
  }

  /** Pin the search box's query, unless it does not parse (then say where). */
  async pin(q: string): Promise<void> {
    const term = q.trim();
    if (!term || this.state.pinned.includes(term)) {
      this.app.store.set({ query: "" });
      return;
    }
    const err = await this.app.search.check(term);
    if (err) {
      this.app.topbar.setError(term, err);
      return;
    }
    this.app.store.set({ pinned: [...this.state.pinned, term], query: this.state.query.trim() === term ? "" :
      this.state.query }, "push");
  }

  unpin(term: string): void {
    this.app.store.set({ pinned: this.state.pinned.filter((t) => t !== term) }, "push");
  }

  async control(c: Control, d: NodeDetails): Promise<ControlOutcome | null> {
    const outcome = await runControl(c, d.label);
    if (!outcome) return null;
    if (outcome.pipe) {
      const p = outcome.pipe;
      this.app.dock.open({
        pipeId: p.pipeId, kind: p.kind, title: p.title, probeId: c.probeId, nodeId: c.nodeId,
        rawTty: p.rawTty, resizeControl: p.resizeControl,
      });
    }
    if (outcome.removed && outcome.removed === this.state.selected) this.select(null);
    if (!outcome.ok) toast(outcome.message, "error", 6000);
    return outcome;
  }
}
