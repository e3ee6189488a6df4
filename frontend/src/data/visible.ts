// The nodes the map and the table show: the topology's nodes narrowed by the drill-down context (children of a
// host, a pod, a container) and by the pinned search terms. Turns each store change into the change of the shown
// set, so consumers still only get deltas.

import type { NodeSummary } from "../api/types";
import type { Change, ChangeListener, NodeStore } from "./nodes";

export type Predicate = (n: NodeSummary) => boolean;

export class VisibleNodes {
  readonly nodes = new Map<string, NodeSummary>();
  private listeners: ChangeListener[] = [];
  private context: Predicate | null = null;
  private pinned: ReadonlySet<string> | null = null;

  constructor(private readonly store: NodeStore) {
    store.onChange((c) => this.derive(c));
  }

  onChange(cb: ChangeListener): void {
    this.listeners.push(cb);
  }

  /** Narrow to a drill-down context (null: everything). */
  setContext(p: Predicate | null): void {
    this.context = p;
    this.refilter();
  }

  /** Narrow to the IDs the pinned terms match (null: no pinned terms). */
  setPinned(ids: ReadonlySet<string> | null): void {
    if (ids === this.pinned) return;
    this.pinned = ids;
    this.refilter();
  }

  private passes(n: NodeSummary): boolean {
    return (this.pinned === null || this.pinned.has(n.id)) && (this.context === null || this.context(n));
  }

  private derive(c: Change): void {
    if (c.reset) {
      this.nodes.clear();
      const added = c.added.filter((n) => this.passes(n));
      for (const n of added) this.nodes.set(n.id, n);
      this.emit({ reset: true, added, updated: [], removed: [] });
      return;
    }
    const out: Change = { reset: false, added: [], updated: [], removed: [] };
    for (const n of c.added) {
      if (this.passes(n)) {
        this.nodes.set(n.id, n);
        out.added.push(n);
      }
    }
    for (const n of c.updated) {
      const was = this.nodes.has(n.id);
      if (this.passes(n)) {
        this.nodes.set(n.id, n);
        (was ? out.updated : out.added).push(n);
      } else if (was) {
        this.nodes.delete(n.id);
        out.removed.push(n.id);
      }
    }
    for (const id of c.removed) if (this.nodes.delete(id)) out.removed.push(id);
    if (out.added.length || out.updated.length || out.removed.length) this.emit(out);
  }

  /** The filter changed: emit only the difference, so the map keeps its layout. */
  private refilter(): void {
    const out: Change = { reset: false, added: [], updated: [], removed: [] };
    for (const [id, n] of this.store.nodes) {
      const pass = this.passes(n);
      if (pass && !this.nodes.has(id)) {
        this.nodes.set(id, n);
        out.added.push(n);
      } else if (!pass && this.nodes.delete(id)) {
        out.removed.push(id);
      }
    }
    for (const id of [...this.nodes.keys()]) {
      if (!this.store.nodes.has(id)) {
        this.nodes.delete(id);
        out.removed.push(id);
      }
    }
    if (out.added.length || out.removed.length) this.emit(out);
  }

  private emit(c: Change): void {
    for (const l of this.listeners) l(c);
  }
}
