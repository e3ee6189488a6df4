// The current topology's nodes, and the only place the websocket's deltas are applied. Messages are coalesced
// and applied once per animation frame: a burst of deltas (or a background tab catching up) costs one update of
// the map and the table, never one per message, and never a redraw of everything.

import type { Delta, NodeSummary } from "../api/types";

/** What one flush changed. `reset`: `added` holds every node and listeners start over. */
export interface Change {
  reset: boolean;
  added: NodeSummary[];
  updated: NodeSummary[];
  removed: string[];
}

export type ChangeListener = (change: Change) => void;

export class NodeStore {
  readonly nodes = new Map<string, NodeSummary>();
  private listeners: ChangeListener[] = [];
  // Pending, merged since the last flush: the newest summary per ID, or its removal.
  private pendingReset = false;
  private pendingUpserts = new Map<string, NodeSummary>();
  private pendingRemoves = new Set<string>();
  private frame = 0;

  /** True once the first reset of the current topology arrived. */
  loaded = false;

  onChange(cb: ChangeListener): void {
    this.listeners.push(cb);
  }

  /** Queue a websocket message; applied at the next animation frame. */
  push(delta: Delta): void {
    if (delta.reset) {
      this.pendingReset = true;
      this.pendingUpserts.clear();
      this.pendingRemoves.clear();
    }
    for (const n of delta.add ?? []) this.upsert(n);
    for (const n of delta.update ?? []) this.upsert(n);
    for (const id of delta.remove ?? []) {
      this.pendingUpserts.delete(id);
      if (!this.pendingReset) this.pendingRemoves.add(id);
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  private upsert(n: NodeSummary): void {
    this.pendingUpserts.set(n.id, n);
    this.pendingRemoves.delete(n.id);
  }

  /** Drop everything (switching topology); the next reset fills it again. */
  clear(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pendingReset = false;
    this.pendingUpserts.clear();
    this.pendingRemoves.clear();
    this.nodes.clear();
    this.loaded = false;
    this.emit({ reset: true, added: [], updated: [], removed: [] });
  }

  /** Apply what is pending now (also used by tests and when a frame will not come, e.g. hidden tabs). */
  flush(): void {
    this.frame = 0;
    const change: Change = { reset: this.pendingReset, added: [], updated: [], removed: [] };
    if (this.pendingReset) {
      this.nodes.clear();
      this.loaded = true;
    }
    for (const [id, n] of this.pendingUpserts) {
      (this.nodes.has(id) ? change.updated : change.added).push(n);
      this.nodes.set(id, n);
    }
    for (const id of this.pendingRemoves) {
      if (this.nodes.delete(id)) change.removed.push(id);
    }
    this.pendingReset = false;
    this.pendingUpserts.clear();
    this.pendingRemoves.clear();
    if (change.reset || change.added.length || change.updated.length || change.removed.length) this.emit(change);
  }

  private emit(change: Change): void {
    for (const l of this.listeners) l(change);
  }
}
