// Main-thread side of the force layout: packs the display graph into
// ForceAtlas2 matrices, hands them to the worker, and passes positions back.
// Nothing here iterates the layout: the main thread never blocks on it.

import { PPE, PPN, type LayoutSettings, type PositionsMessage, type RunMessage } from "./layout-protocol";

export interface LayoutInput {
  ids: readonly string[];
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Fixed nodes do not move (unchanged nodes after a delta). */
  fixed: ArrayLike<boolean | number>;
  /** Edges as pairs of indices into `ids`. */
  edges: ArrayLike<number>;
  /** Optional weight per edge (default 1). */
  weights?: ArrayLike<number>;
  /** Optional mass added per node (heavier nodes push others further away). */
  mass?: ArrayLike<number>;
}

/**
 * "full": a new topology; every non-fixed node moves, up to a time budget.
 * "settle": after a delta; only the new nodes move, briefly and slowed down
 * (low temperature), so that the map stays as it was.
 */
export type LayoutMode = "full" | "settle";

export type PositionsCallback = (ids: readonly string[], xy: Float32Array, done: boolean) => void;

/** Budget of a run: full runs scale with the graph, settles are short. */
export function runBudget(n: number, mode: LayoutMode): { maxIterations: number; maxMs: number; postEveryMs: number } {
  if (mode === "settle") return { maxIterations: 80, maxMs: 600, postEveryMs: n > 5000 ? 200 : 80 };
  return {
    maxIterations: 600,
    maxMs: Math.min(8000, Math.max(1500, n * 0.6)),
    postEveryMs: n > 5000 ? 300 : n > 1500 ? 150 : 80,
  };
}

export function layoutSettings(n: number, mode: LayoutMode): LayoutSettings {
  const slowDown = 1 + Math.log(Math.max(n, 1));
  return {
    // Compact: at 2 / 1 the laid-out map is about as wide as the seeded one
    // (1k nodes: ~850 units), so the camera barely moves while it settles.
    scalingRatio: 2,
    gravity: 1,
    slowDown: mode === "settle" ? slowDown * 3 : slowDown,
    linLogMode: false,
    barnesHutOptimize: n > 600,
  };
}

/** Packs a layout input into ForceAtlas2 matrices (mass = 1 + degree). */
export function packMatrices(input: LayoutInput): { nodes: Float32Array; edges: Float32Array } {
  const n = input.ids.length;
  const nodes = new Float32Array(n * PPN);
  for (let i = 0, j = 0; i < n; i++, j += PPN) {
    nodes[j] = input.x[i];
    nodes[j + 1] = input.y[i];
    nodes[j + 6] = 1 + (input.mass ? input.mass[i] : 0); // mass, incremented per edge below
    nodes[j + 7] = 1; // convergence
    nodes[j + 8] = 1; // size
    nodes[j + 9] = input.fixed[i] ? 1 : 0;
  }
  const m = input.edges.length / 2;
  const edges = new Float32Array(m * PPE);
  for (let e = 0; e < m; e++) {
    const s = input.edges[2 * e];
    const t = input.edges[2 * e + 1];
    edges[e * PPE] = s * PPN;
    edges[e * PPE + 1] = t * PPN;
    const w = input.weights ? input.weights[e] : 1;
    edges[e * PPE + 2] = w;
    nodes[s * PPN + 6] += w;
    nodes[t * PPN + 6] += w;
  }
  return { nodes, edges };
}

export class LayoutRunner {
  private worker: Worker | null = null;
  private epoch = 0;
  private ids: readonly string[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onPositions: PositionsCallback) {}

  isRunning(): boolean {
    return this.running;
  }

  /** Resolves once no run is in progress. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  run(input: LayoutInput, mode: LayoutMode): void {
    const worker = this.ensureWorker();
    if (!worker) return;
    const n = input.ids.length;
    const { nodes, edges } = packMatrices(input);
    this.epoch++;
    this.ids = input.ids;
    this.running = true;
    const msg: RunMessage = {
      type: "run",
      epoch: this.epoch,
      nodes,
      edges,
      settings: layoutSettings(n, mode),
      ...runBudget(n, mode),
      minMeanMove: mode === "settle" ? 0.2 : 0.05,
    };
    worker.postMessage(msg, [nodes.buffer, edges.buffer]);
  }

  stop(): void {
    this.epoch++;
    if (this.worker && this.running) this.worker.postMessage({ type: "stop" });
    this.setIdle();
  }

  destroy(): void {
    this.stop();
    this.worker?.terminate();
    this.worker = null;
  }

  private setIdle(): void {
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private ensureWorker(): Worker | null {
    if (this.worker) return this.worker;
    if (typeof Worker === "undefined") return null;
    this.worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (ev: MessageEvent<PositionsMessage>) => {
      const msg = ev.data;
      if (msg.epoch !== this.epoch) return; // a stale run
      try {
        this.onPositions(this.ids, msg.xy, msg.done);
      } finally {
        if (msg.done) this.setIdle();
      }
    };
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      console.error("scope graph layout worker:", ev.message);
      this.worker?.terminate();
      this.worker = null;
      this.setIdle();
    };
    return this.worker;
  }
}
