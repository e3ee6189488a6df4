// Search runs on the server (GET /api/search, scopecore's syntax), so the browser never re-implements it. Two
// questions per run: which nodes every pinned term matches (filters the view), and which the search box matches
// (highlighted). Re-run when the terms change (debounced) and when nodes change (throttled: the server renders
// the same view the websocket shows, so the answer follows the data).

import { ApiError, api, searchError } from "../api/client";
import type { SearchError } from "../api/types";

export interface SearchResult {
  /** IDs every pinned term matches; null without pinned terms. */
  pinned: Set<string> | null;
  /** IDs the search box matches; null when it is empty or does not parse. */
  live: Set<string> | null;
  /** Why the search box's query does not parse (position: where). */
  liveError: SearchError | null;
  /** A pinned term that stopped parsing (only possible from an edited URL). */
  pinnedError: (SearchError & { query: string }) | null;
  /** A request failed for another reason (network, 5xx). */
  failure: string | null;
}

const DEBOUNCE_MS = 200;
const THROTTLE_MS = 2000;

export class SearchService {
  private topology: string | null = null;
  private options: Record<string, string> = {};
  private pinned: string[] = [];
  private live = "";
  private timer: number | undefined;
  private lastRun = 0;
  private running: AbortController | null = null;
  private generation = 0;
  result: SearchResult = { pinned: null, live: null, liveError: null, pinnedError: null, failure: null };

  constructor(private readonly onResult: (r: SearchResult) => void) {}

  get active(): boolean {
    return this.pinned.length > 0 || this.live.trim() !== "";
  }

  /** A new view: results of the old one no longer apply. */
  configure(topology: string | null, options: Record<string, string>): void {
    this.topology = topology;
    this.options = options;
    this.schedule(0);
  }

  setTerms(pinned: string[], live: string): void {
    if (pinned.join("\n") === this.pinned.join("\n") && live === this.live) return;
    const pinnedChanged = pinned.join("\n") !== this.pinned.join("\n");
    this.pinned = [...pinned];
    this.live = live;
    this.schedule(pinnedChanged ? 0 : DEBOUNCE_MS);
  }

  /** Nodes changed: run again, at most every THROTTLE_MS. */
  nodesChanged(): void {
    if (!this.active || this.timer !== undefined) return;
    this.schedule(Math.max(0, this.lastRun + THROTTLE_MS - Date.now()));
  }

  private schedule(ms: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, ms);
  }

  /** Check one query now: null if it parses, else where it fails. */
  async check(query: string): Promise<SearchError | null> {
    if (!this.topology) return null;
    try {
      await api.search(this.topology, query, this.options);
      return null;
    } catch (e) {
      return searchError(e);
    }
  }

  private async run(): Promise<void> {
    this.lastRun = Date.now();
    this.running?.abort();
    const gen = ++this.generation;
    const topology = this.topology;
    const live = this.live.trim();
    if (!topology || (!this.pinned.length && !live)) {
      this.publish(gen, { pinned: null, live: null, liveError: null, pinnedError: null, failure: null });
      return;
    }
    const ctrl = new AbortController();
    this.running = ctrl;
    const next: SearchResult = { pinned: null, live: null, liveError: null, pinnedError: null, failure: null };
    const ask = async (queries: string[]) => {
      const params = new URLSearchParams({ ...this.options, topology });
      for (const q of queries) params.append("q", q);
      return api.searchMany(params, ctrl.signal);
    };
    await Promise.all([
      this.pinned.length ? ask(this.pinned).then((r) => {
        next.pinned = new Set(r.matches);
      }, (e: unknown) => {
        const err = searchError(e);
        if (err) {
          next.pinned = new Set();
          next.pinnedError = { ...err, query: queryOf(e) };
        } else next.failure = failure(e);
      }) : null,
      live ? ask([this.live]).then((r) => {
        next.live = new Set(r.matches);
      }, (e: unknown) => {
        const err = searchError(e);
        if (err) next.liveError = err;
        else next.failure = failure(e);
      }) : null,
    ]);
    if (ctrl.signal.aborted) return;
    if (next.failure && this.result.failure === null) {
      // Keep showing the last good answer through a transient failure.
      next.pinned ??= this.result.pinned;
      next.live ??= this.result.live;
    }
    this.publish(gen, next);
  }

  private publish(gen: number, r: SearchResult): void {
    if (gen !== this.generation) return;
    this.result = r;
    this.onResult(r);
  }
}

function queryOf(e: unknown): string {
  if (e instanceof ApiError && e.body && typeof e.body === "object" && "query" in e.body) {
    return String((e.body as { query: unknown }).query);
  }
  return "";
}

function failure(e: unknown): string | null {
  if (e instanceof DOMException && e.name === "AbortError") return null;
  return e instanceof Error ? e.message : String(e);
}
