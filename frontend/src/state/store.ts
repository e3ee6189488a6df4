// The UI state: everything a shared URL restores (see url.ts). A tiny observable: components subscribe and look
// at which keys changed, so a keystroke in the search box does not redraw the map.

export type Mode = "map" | "table";

/** One step of a drill-down: the node whose children the view shows. */
export interface Crumb { topology: string; node: string; label: string }

export interface Sort { column: string; desc: boolean }

export interface UiState {
  topology: string | null;
  /** Topology options that differ from their defaults. */
  options: Record<string, string>;
  /** The search box: highlights matches (filters the table). */
  query: string;
  /** Pinned search terms, ANDed: they filter the view. */
  pinned: string[];
  /** The node in the details panel. */
  selected: string | null;
  mode: Mode;
  groupBy: string | null;
  sizeMetric: string | null;
  context: Crumb[];
  sort: Sort;
}

export const INITIAL: UiState = {
  topology: null, options: {}, query: "", pinned: [], selected: null, mode: "map", groupBy: null,
  sizeMetric: null, context: [], sort: { column: "label", desc: false },
};

/** How a change enters the browser history: a new entry (Back undoes it), in place, or not at all. */
export type HistoryMode = "push" | "replace" | "none";

export type Listener<T> = (state: T, changed: ReadonlySet<keyof T>, history: HistoryMode) => void;

export class Store<T extends object> {
  private listeners: Listener<T>[] = [];

  constructor(private current: T) {}

  get state(): T {
    return this.current;
  }

  set(patch: Partial<T>, history: HistoryMode = "replace"): void {
    const changed = new Set<keyof T>();
    for (const key of Object.keys(patch) as (keyof T)[]) {
      if (!sameValue(this.current[key], patch[key])) changed.add(key);
    }
    if (changed.size === 0) return;
    this.current = { ...this.current, ...patch };
    for (const l of this.listeners) l(this.current, changed, history);
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
