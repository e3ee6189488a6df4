// Multi-selection (ctrl/shift-click in the map or the table): the controls every selected node offers, run on
// all of them at once through POST /api/controls. Node summaries carry no controls, so the selected nodes'
// details are fetched (a few at a time, at most MAX_NODES).

import { api } from "../api/client";
import type { Control } from "../api/types";
import { confirmDialog } from "../ui/dialog";
import { h, setChildren } from "../ui/dom";
import { icon } from "../ui/icons";
import { isDestructive, isPipeControl, runBatch } from "./controls";

const MAX_NODES = 500; // the app's batch limit
const CONCURRENCY = 4;

export class BatchPanel {
  readonly el: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly buttons: HTMLElement;
  private readonly result: HTMLElement;
  private ids: string[] = [];
  private generation = 0;
  private last: Parameters<BatchPanel["show"]> | null = null;
  private refreshTimer: number | undefined;
  // node ID -> its controls, per topology; refreshed when the selection changes.
  private controls = new Map<string, Control[]>();

  constructor(private readonly clear: () => void) {
    this.summary = h("div.batch-summary");
    this.buttons = h("div.control-buttons");
    this.result = h("div.control-result", { role: "status", "data-test": "batch-result" });
    this.el = h("section.batch", { "data-test": "batch", hidden: true }, h("header", {}, this.summary,
      h("button.ghost", { onclick: () => this.clear() }, "Clear selection")), this.buttons, this.result);
  }

  async show(topology: string | null, ids: string[], options: Record<string, string>, labelOf: (id: string) => string):
    Promise<void> {
    const gen = ++this.generation;
    this.last = [topology, ids, options, labelOf];
    if (ids.join("\n") !== this.ids.join("\n")) setChildren(this.result);
    this.ids = ids;
    this.el.hidden = ids.length < 2 || !topology;
    if (this.el.hidden || !topology) return;
    this.summary.textContent = `${ids.length} nodes selected`;
    const todo = ids.slice(0, MAX_NODES).filter((id) => !this.controls.has(id));
    setChildren(this.buttons, todo.length ? h("span.muted", {}, "Loading controls…") : null);
    let next = 0;
    const worker = async () => {
      while (next < todo.length && gen === this.generation) {
        const id = todo[next++];
        try {
          const { node } = await api.details(topology, id, options);
          this.controls.set(id, node.controls ?? []);
        } catch {
          this.controls.set(id, []);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (gen !== this.generation) return;
    this.renderButtons(labelOf);
  }

  /** Forget cached controls (a node's state, hence its controls, changed). */
  invalidate(ids: Iterable<string>): void {
    for (const id of ids) this.controls.delete(id);
  }

  /** Selected nodes changed in the websocket (a control took effect): offer their controls anew, debounced. */
  nodesChanged(ids: string[]): void {
    if (this.el.hidden || !this.last) return;
    const mine = ids.filter((id) => this.ids.includes(id));
    if (!mine.length) return;
    this.invalidate(mine);
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => {
      if (this.last) void this.show(...this.last);
    }, 300);
  }

  private renderButtons(labelOf: (id: string) => string): void {
    const ids = this.ids.slice(0, MAX_NODES);
    const lists = ids.map((id) => this.controls.get(id) ?? []);
    const common = (lists[0] ?? []).filter((c) => !isPipeControl(c.id) &&
      lists.every((l) => l.some((x) => x.id === c.id)));
    if (!common.length) {
      setChildren(this.buttons, h("span.muted", {}, "No control is available on every selected node."));
      return;
    }
    setChildren(this.buttons, ...common.sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0)).map((c) =>
      h("button.control", { "data-control": c.id, onclick: async (e: Event) => {
        const b = e.currentTarget as HTMLButtonElement;
        if (isDestructive(c)) {
          const names = ids.slice(0, 5).map(labelOf).join(", ") + (ids.length > 5 ? `, … (${ids.length})` : "");
          if (!await confirmDialog(`${c.human} ${ids.length} nodes?`, `This runs “${c.human}” on ${names}.`,
            `${c.human} ${ids.length}`)) return;
        }
        b.disabled = true;
        const targets = ids.map((id) => {
          const own = this.controls.get(id)?.find((x) => x.id === c.id);
          return { probe: own?.probeId ?? c.probeId, node: own?.nodeId ?? id };
        });
        const r = await runBatch(c.id, c.human, targets);
        b.disabled = false;
        this.nodesChanged(ids);
        this.result.className = `control-result ${r.failed.length || !r.ok ? "error" : "ok"}`;
        setChildren(this.result, r.message, ...r.failed.slice(0, 10).map((f) =>
          h("div", {}, `${labelOf(f.node)}: ${f.error ?? `HTTP ${f.status}`}`)));
      } }, icon(c.icon), h("span", {}, c.human))));
  }
}
