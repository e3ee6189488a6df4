// ForceAtlas2 in a worker. Runs the iterations in ~30 ms slices so that a new
// "run" or a "stop" is seen quickly; posts positions at most every
// `postEveryMs` and once at the end.

import iterate from "graphology-layout-forceatlas2/iterate.js";
import { PPN, type PositionsMessage, type RunMessage, type ToWorker } from "./layout-protocol";

const SLICE_MS = 30;
let current: RunMessage | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

function post(run: RunMessage, iterations: number, done: boolean): void {
  const n = run.nodes.length / PPN;
  const xy = new Float32Array(2 * n);
  for (let i = 0, j = 0; i < n; i++, j += PPN) {
    xy[2 * i] = run.nodes[j];
    xy[2 * i + 1] = run.nodes[j + 1];
  }
  const msg: PositionsMessage = { type: "positions", epoch: run.epoch, xy, iterations, done };
  (self as unknown as Worker).postMessage(msg, [xy.buffer]);
}

function start(run: RunMessage): void {
  current = run;
  const options = {
    linLogMode: run.settings.linLogMode,
    outboundAttractionDistribution: false,
    adjustSizes: false,
    edgeWeightInfluence: 1,
    scalingRatio: run.settings.scalingRatio,
    strongGravityMode: false,
    gravity: run.settings.gravity,
    slowDown: run.settings.slowDown,
    barnesHutOptimize: run.settings.barnesHutOptimize,
    barnesHutTheta: 0.6,
  };
  const nodes = run.nodes;
  const n = nodes.length / PPN;
  const prev = new Float32Array(2 * n);
  let free = 0;
  for (let j = 0; j < nodes.length; j += PPN) if (nodes[j + 9] !== 1) free++;
  const began = performance.now();
  let lastPost = began;
  let iterations = 0;
  let calm = 0;

  const slice = (): void => {
    timer = null;
    if (current !== run) return;
    const sliceEnd = performance.now() + SLICE_MS;
    let finished = free === 0;
    while (!finished && performance.now() < sliceEnd) {
      for (let i = 0, j = 0; i < n; i++, j += PPN) {
        prev[2 * i] = nodes[j];
        prev[2 * i + 1] = nodes[j + 1];
      }
      iterate(options, nodes, run.edges);
      iterations++;
      let moved = 0;
      for (let i = 0, j = 0; i < n; i++, j += PPN) {
        const dx = nodes[j] - prev[2 * i];
        const dy = nodes[j + 1] - prev[2 * i + 1];
        moved += Math.sqrt(dx * dx + dy * dy);
      }
      calm = moved / free < run.minMeanMove ? calm + 1 : 0;
      finished = calm >= 5 || iterations >= run.maxIterations || performance.now() - began > run.maxMs;
    }
    const now = performance.now();
    if (finished) {
      current = null;
      post(run, iterations, true);
      return;
    }
    if (now - lastPost >= run.postEveryMs) {
      lastPost = now;
      post(run, iterations, false);
    }
    timer = setTimeout(slice, 0);
  };
  slice();
}

self.onmessage = (ev: MessageEvent<ToWorker>): void => {
  const msg = ev.data;
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  current = null;
  if (msg.type === "run") start(msg);
};
