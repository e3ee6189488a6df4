// Benchmark and smoke-test page for the graph component. bench/bench_ui.py
// drives it through window.runBench / window.runSmoke / window.runUnitTests.

import Graph from "graphology";
import Sigma from "sigma";
import { GraphView, type GraphNode } from "../src/graph";
import { runAll, type TestReport } from "../src/graph/__tests__";
import { metricsDelta, mixedDelta, synthesize } from "./synth";

export interface BenchResult {
  n: number;
  nodes: number;
  edges: number;
  /** scope:render of setTopology (data in -> sigma frame drawn), ms. */
  firstRender: number;
  /** The same plus two animation frames (the frame is on screen), ms. */
  firstPaint: number;
  /** Layout worker: time until idle after the first render, ms. */
  layoutMs: number;
  /** scope:delta of 100 metric updates: median and max over `reps`, ms. */
  delta100: number;
  delta100Max: number;
  /** scope:delta of 80 updates + 10 adds + 10 removes, median, ms. */
  deltaMixed: number;
  /** Frames per second while the camera pans for one second. */
  panFps: number;
  /** Used JS heap after the run (Chromium only), MB. */
  heapMB: number | null;
  /** Positions of nodes not in the deltas stayed identical. */
  positionsKept: boolean;
}

declare global {
  interface Window {
    runBench: (n: number, options?: { layout?: boolean; reps?: number }) => Promise<BenchResult>;
    runSmoke: () => Promise<SmokeResult>;
    runUnitTests: () => TestReport;
    graphView: GraphView | null;
  }
  interface Performance {
    memory?: { usedJSHeapSize: number };
  }
}

const container = document.getElementById("graph") as HTMLElement;
let view: GraphView | null = null;

function freshView(layout: boolean): GraphView {
  view?.destroy();
  container.replaceChildren();
  view = new GraphView(container, { layout: layout ? "auto" : "off" });
  window.graphView = view;
  return view;
}

const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));

async function waitForMeasure(name: string, count: number, timeoutMs = 20000): Promise<PerformanceMeasure> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const entries = performance.getEntriesByName(name, "measure") as PerformanceMeasure[];
    if (entries.length >= count) return entries[count - 1];
    if (performance.now() > until) throw new Error(`no ${name} measure #${count}`);
    await frame();
  }
}

/**
 * Waits until the browser paints frames back to back again (two consecutive
 * animation frames < 40 ms apart, at most 5 s): with software WebGL the
 * previous frame's rasterisation can still be running, and a measure started
 * then would time that frame, not the change being measured.
 */
async function quiescent(): Promise<void> {
  const until = performance.now() + 5000;
  let last = await frame();
  let calm = 0;
  while (calm < 2 && performance.now() < until) {
    const t = await frame();
    calm = t - last < 40 ? calm + 1 : 0;
    last = t;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function positionsOf(v: GraphView, ids: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    const p = v.nodePosition(id);
    if (p) out.set(id, `${p.x},${p.y}`);
  }
  return out;
}

async function panFps(v: GraphView): Promise<number> {
  const camera = v.renderer().getCamera();
  let frames = 0;
  const onRender = (): void => {
    frames++;
  };
  v.renderer().on("afterRender", onRender);
  const start = performance.now();
  const { x, y, ratio } = camera.getState();
  // Step the camera each frame (a drag does the same), for one second.
  while (performance.now() - start < 1000) {
    const t = (performance.now() - start) / 1000;
    camera.setState({ x: x + 0.05 * ratio * Math.sin(t * 6), y, ratio });
    await frame();
  }
  const elapsed = performance.now() - start;
  v.renderer().off("afterRender", onRender);
  camera.setState({ x, y, ratio });
  return (frames * 1000) / elapsed;
}

async function runBench(n: number, options: { layout?: boolean; reps?: number } = {}): Promise<BenchResult> {
  const layout = options.layout ?? true;
  const reps = options.reps ?? 7;
  const syn = synthesize(n);
  const v = freshView(layout);
  performance.clearMeasures();
  await frame();
  const t0 = performance.now();
  v.setTopology("containers", syn.nodes);
  const first = await waitForMeasure("scope:render", 1);
  await frame();
  await frame();
  const firstPaint = performance.now() - t0;
  const lt0 = performance.now();
  await v.layoutIdle();
  const layoutMs = performance.now() - lt0;
  await quiescent();

  let nodes: GraphNode[] = syn.nodes;
  const deltas: number[] = [];
  let positionsKept = true;
  for (let i = 0; i < reps; i++) {
    const d = metricsDelta(nodes, 100, 1000 + i);
    const changed = new Set((d.update ?? []).map((u) => u.id));
    const before = positionsOf(v, nodes.filter((x) => !changed.has(x.id)).map((x) => x.id));
    const byId = new Map(nodes.map((x) => [x.id, x]));
    for (const u of d.update ?? []) byId.set(u.id, u);
    nodes = [...byId.values()];
    v.applyDelta(d);
    const m = await waitForMeasure("scope:delta", i + 1);
    deltas.push(m.duration);
    const after = positionsOf(v, before.keys());
    for (const [id, p] of before) if (after.get(id) !== p) positionsKept = false;
    await quiescent();
  }
  const mixed: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { delta, after } = mixedDelta(nodes, syn.hosts, 100, 10, 10, 2000 + i);
    const touched = new Set([...(delta.update ?? []).map((u) => u.id), ...(delta.remove ?? [])]);
    const before = positionsOf(v, nodes.filter((x) => !touched.has(x.id)).map((x) => x.id));
    nodes = after;
    v.applyDelta(delta);
    const m = await waitForMeasure("scope:delta", reps + i + 1);
    mixed.push(m.duration);
    await v.layoutIdle();
    const kept = positionsOf(v, before.keys());
    for (const [id, p] of before) if (kept.get(id) !== p) positionsKept = false;
    await quiescent();
  }
  const fps = await panFps(v);
  const counts = v.counts();
  return {
    n,
    nodes: counts.nodes,
    edges: counts.edges,
    firstRender: first.duration,
    firstPaint,
    layoutMs,
    delta100: median(deltas),
    delta100Max: Math.max(...deltas),
    deltaMixed: median(mixed),
    panFps: fps,
    heapMB: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null,
    positionsKept,
  };
}

export interface SmokeResult {
  nodes: number;
  edges: number;
  expectedNodes: number;
  expectedEdges: number;
  renderMarks: number;
  deltaMarks: number;
  renderDetail: unknown;
  deltaDetail: unknown;
  positionsKept: boolean;
  movedUnchanged: string[];
  newNodesPlaced: boolean;
  grouped: { nodes: number; hosts: number; expandedNodes: number; afterDelta: number };
  paintedWithOptions: number;
  selectEvents: number;
  keyboardSelected: string | null;
  paintedPixels: number;
}

/** Pixels painted by the graph's canvases in the next frame (read in the same task as the draw). */
function paintedPixels(v: GraphView): Promise<number> {
  return new Promise((resolve) => {
    const s = v.renderer();
    const handler = (): void => {
      s.off("afterRender", handler);
      const { width, height } = container.getBoundingClientRect();
      const c = document.createElement("canvas");
      c.width = Math.max(1, Math.floor(width));
      c.height = Math.max(1, Math.floor(height));
      const ctx = c.getContext("2d") as CanvasRenderingContext2D;
      for (const cv of container.querySelectorAll("canvas")) ctx.drawImage(cv, 0, 0, c.width, c.height);
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      resolve(n);
    };
    s.on("afterRender", handler);
    s.scheduleRender();
  });
}

async function runSmoke(): Promise<SmokeResult> {
  const syn = synthesize(400, 7);
  const v = freshView(true);
  performance.clearMeasures();
  const selects: string[][] = [];
  v.on("select", (ids) => selects.push(ids));
  v.setTopology("containers", syn.nodes);
  const render = await waitForMeasure("scope:render", 1);
  await v.layoutIdle();
  const nodes = v.counts().nodes;
  const edges = v.counts().edges;
  const painted = await paintedPixels(v);

  // A delta: unchanged nodes keep their exact positions, new ones get placed.
  const { delta } = mixedDelta(syn.nodes, syn.hosts, 60, 8, 6, 5);
  const touched = new Set([...(delta.update ?? []).map((u) => u.id), ...(delta.remove ?? [])]);
  const unchanged = syn.nodes.filter((n) => !touched.has(n.id)).map((n) => n.id);
  const before = positionsOf(v, unchanged);
  v.applyDelta(delta);
  const d = await waitForMeasure("scope:delta", 1);
  await v.layoutIdle();
  await frame();
  const after = positionsOf(v, unchanged);
  const moved = [...before].filter(([id, p]) => after.get(id) !== p).map(([id]) => id);
  const newNodesPlaced = (delta.add ?? []).every((n) => {
    const p = v.nodePosition(n.id);
    return p !== null && Number.isFinite(p.x) && Number.isFinite(p.y) && !(p.x === 0 && p.y === 0);
  });

  // Keyboard: an arrow key selects a node and emits "select".
  container.focus();
  container.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
  const keyboardSelected = selects.length > 0 ? (selects[selects.length - 1][0] ?? null) : null;

  // Options: traffic (animated at this size), sizes, search highlight.
  const rates = new Map<string, number>();
  for (const n of syn.nodes.slice(0, 80)) for (const t of n.adjacency ?? []) rates.set(`${n.id}->${t}`, 1e3 + rates.size * 5e4);
  v.setOptions({ edgeRates: rates });
  v.setOptions({ sizeMetric: "docker_cpu_total_usage" });
  v.setOptions({ sizeMetric: "connections" });
  v.setHighlight(new Set(syn.nodes.slice(0, 20).map((n) => n.id)));
  await frame();
  const paintedWithOptions = await paintedPixels(v);
  v.setHighlight(null);
  v.setOptions({ sizeMetric: null, edgeRates: new Map() });

  // Grouping by host: one cluster per host (+ ungrouped pseudo nodes); deltas
  // keep it so; a cluster expands.
  v.setOptions({ groupBy: "host" });
  const groupedNodes = v.counts().nodes;
  const { delta: groupedDelta } = mixedDelta(syn.nodes, syn.hosts, 40, 4, 4, 9);
  v.applyDelta(groupedDelta);
  const groupedAfterDelta = v.counts().nodes;
  const cluster = v.displayNodes().find((id) => id.startsWith("cluster:"));
  if (cluster) v.expandCluster(cluster);
  const expandedNodes = v.counts().nodes;
  v.setOptions({ groupBy: null });

  return {
    nodes,
    edges,
    expectedNodes: syn.nodes.length,
    expectedEdges: syn.edgeCount,
    renderMarks: performance.getEntriesByName("scope:render").length,
    deltaMarks: performance.getEntriesByName("scope:delta").length,
    renderDetail: render.detail,
    deltaDetail: d.detail,
    positionsKept: moved.length === 0,
    movedUnchanged: moved.slice(0, 5),
    newNodesPlaced,
    grouped: { nodes: groupedNodes, hosts: syn.hosts.length, expandedNodes, afterDelta: groupedAfterDelta },
    paintedWithOptions,
    selectEvents: selects.length,
    keyboardSelected,
    paintedPixels: painted,
  };
}

/**
 * A small map for pointer tests: returns the page coordinates of two nodes
 * (one a cluster after grouping is not used here) and records events in
 * window.graphEvents.
 */
async function setupPointer(): Promise<{ a: { id: string; x: number; y: number }; b: { id: string; x: number; y: number } }> {
  const syn = synthesize(60, 3);
  const v = freshView(false);
  const events: unknown[][] = [];
  (window as unknown as { graphEvents: unknown[][] }).graphEvents = events;
  v.on("select", (ids, additive) => events.push(["select", ids, additive]));
  v.on("open", (id) => events.push(["open", id]));
  v.on("hover", (id) => events.push(["hover", id]));
  v.setTopology("containers", syn.nodes);
  await waitForMeasure("scope:render", performance.getEntriesByName("scope:render").length || 1);
  await quiescent();
  const box = container.getBoundingClientRect();
  const at = (id: string): { id: string; x: number; y: number } => {
    const p = v.renderer().graphToViewport(v.nodePosition(id)!);
    return { id, x: box.left + p.x, y: box.top + p.y };
  };
  const ids = v.displayNodes().filter((id) => !id.includes("internet"));
  return { a: at(ids[0]), b: at(ids[ids.length - 1]) };
}

window.runBench = runBench;
(window as unknown as { setupPointer: typeof setupPointer }).setupPointer = setupPointer;
window.runSmoke = runSmoke;
window.runUnitTests = runAll;
window.graphView = null;
// For experiments from the Playwright console (bench/bench_ui.py does not use them).
(window as unknown as { libs: unknown }).libs = { Graph, Sigma };

const out = document.getElementById("out") as HTMLElement;
for (const b of document.querySelectorAll<HTMLButtonElement>("button[data-n]")) {
  b.addEventListener("click", () => {
    out.textContent = "running...";
    runBench(Number(b.dataset.n)).then(
      (r) => (out.textContent = JSON.stringify(r)),
      (e: unknown) => (out.textContent = String(e)),
    );
  });
}
