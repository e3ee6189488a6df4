// Messages between the layout controller (main thread) and its worker.

/** Floats per node / edge in the ForceAtlas2 matrices. */
export const PPN = 10;
export const PPE = 3;

export interface LayoutSettings {
  scalingRatio: number;
  gravity: number;
  slowDown: number;
  linLogMode: boolean;
  barnesHutOptimize: boolean;
}

export interface RunMessage {
  type: "run";
  epoch: number;
  /** PPN floats per node: x, y, 0, 0, 0, 0, mass, convergence, size, fixed. */
  nodes: Float32Array;
  /** PPE floats per edge: source index * PPN, target index * PPN, weight. */
  edges: Float32Array;
  settings: LayoutSettings;
  maxIterations: number;
  maxMs: number;
  /** Post positions at most this often. */
  postEveryMs: number;
  /** Stop when the mean move of free nodes per iteration falls below this. */
  minMeanMove: number;
}

export interface StopMessage {
  type: "stop";
}

export type ToWorker = RunMessage | StopMessage;

export interface PositionsMessage {
  type: "positions";
  epoch: number;
  /** x, y per node, in the run's node order. */
  xy: Float32Array;
  iterations: number;
  done: boolean;
}
