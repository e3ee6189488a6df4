// Unit tests of the pure parts (domain/, state/url, data/ delta handling, app/drill). No test framework is
// installed: tests/ui/test_frontend_units.py bundles this file with rolldown and runs it with node, which exits
// non-zero on the error thrown at the end when a test failed.

import type { NodeDetails, NodeSummary } from "../api/types";
import { drillTarget, inContext } from "../app/drill";
import { NodeStore, type Change } from "../data/nodes";
import { VisibleNodes } from "../data/visible";
import { detectLevel, splitTimestamp } from "../domain/levels";
import { formatBytes, formatMetadata, formatMetric, meaningfulMax } from "../domain/format";
import { defaultTopology, entries, flatten, optionParams } from "../domain/topologies";
import { INITIAL, Store, type UiState } from "../state/store";
import { decodeState, encodeState } from "../state/url";
import { interpret } from "../panels/controls";
import { trend } from "../ui/sparkline";
import { columnsFor } from "../views/table";
import { container, host, process1, process2, topologyList } from "./fixtures";

// Node has no animation frames: flushes are driven by hand or by this stand-in.
globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(0), 0) as unknown as number;
globalThis.cancelAnimationFrame ??= (id: number) => clearTimeout(id);

const failures: string[] = [];
let count = 0;

function test(name: string, fn: () => void): void {
  count++;
  try {
    fn();
  } catch (e) {
    failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function eq(actual: unknown, expected: unknown, what = ""): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what} expected ${b}, got ${a}`);
}

test("log levels: words, key=value fields, klog prefixes", () => {
  eq(detectLevel("2024-01-01 ERROR disk full"), "error");
  eq(detectLevel("[warn] slow"), "warn");
  eq(detectLevel('{"level":"info","msg":"x"}'), "info");
  eq(detectLevel("level=debug msg=y"), "debug");
  eq(detectLevel("E1204 12:00:00.000000 1 x.go:1] boom"), "error");
  eq(detectLevel("panic: runtime error"), "error");
  eq(detectLevel("hello"), "other");
  eq(detectLevel("information is not info-level? it says INFO"), "info");
});

test("docker timestamps split off", () => {
  eq(splitTimestamp("2026-12-05T00:14:55.422095823Z hello world"), ["2026-12-05T00:14:55.422095823Z", "hello world"]);
  eq(splitTimestamp("no timestamp here"), ["", "no timestamp here"]);
  // A pod of several containers: the probe prefixes each line with its container, before the timestamp.
  eq(splitTimestamp("[nginx] 2026-12-05T00:14:55.422095000Z GET /"), ["2026-12-05T00:14:55.422095000Z", "[nginx] GET /"]);
  eq(splitTimestamp("[nginx] no timestamp"), ["", "[nginx] no timestamp"]);
});

test("formatting follows Scope", () => {
  eq(formatMetric(12.345, "percent"), "12.35%");
  eq(formatMetric(1536, "filesize"), "1.5 KB");
  eq(formatMetric(3, "integer"), "3");
  eq(formatMetric(250000, "integer"), "250.0k");
  eq(formatBytes(25276194816), "24 GB");
  eq(formatMetadata("39", "duration"), "39s");
  eq(formatMetadata("25276203008", "number", undefined, "mem_total_bytes"), "24 GB");
  eq(formatMetadata("754a11405b9c8ce3", undefined, 12), "754a11405b9c");
});

test("a limit is shown for memory and multi-core CPU only", () => {
  eq(meaningfulMax("docker_memory_usage", "filesize", 1024, 10), true);
  eq(meaningfulMax("process_memory_usage_bytes", "filesize", 1.8e19, 10), false); // unlimited rlimit
  eq(meaningfulMax("host_cpu_usage_percent", "percent", 100, 10), false); // already a percentage
  eq(meaningfulMax("process_cpu_usage_percent", "percent", 200, 10), true);
  eq(meaningfulMax("host_net_rx_bytes", "filesize", 4096, 10), false); // max is only the largest sample
});

test("trend compares the ends of the window", () => {
  eq(trend([1, 1, 1, 5, 5, 5]), "up");
  eq(trend([5, 5, 5, 1, 1, 1]), "down");
  eq(trend([1, 2, 1, 2, 1, 2]), "flat");
  eq(trend([3]), "flat");
});

test("topology list: Scope's hide-if-empty, sub-views, default view", () => {
  const shown = entries(topologyList, null);
  eq(shown.map((e) => e.id), ["processes", "containers", "hosts"], "top level");
  eq(shown[0].children.map((c) => c.id), [], "processes-by-name is empty and hidden");
  eq(shown[1].children.map((c) => c.id), ["containers-by-image"]);
  eq(entries(topologyList, "pods").map((e) => e.id), ["processes", "containers", "pods", "hosts"], "current stays");
  eq(defaultTopology(topologyList), "containers");
  eq(flatten(topologyList).get("services")?.fullName, "Pods Services", "hidden ones are still known");
  eq(optionParams(flatten(topologyList).get("processes")?.desc, { unconnected: "show", system: "all" }),
    { unconnected: "show" }, "only the topology's own options");
  eq(optionParams(flatten(topologyList).get("processes")?.desc, {}), { unconnected: "hide" }, "defaults spelled out");
});

test("URL state round-trips", () => {
  const s: UiState = { ...INITIAL, topology: "containers", options: { system: "all" }, query: "cpu > 5%",
    pinned: ["label:app=shop", "nginx"], selected: "754a;<container>", mode: "table", groupBy: "label:tier",
    sizeMetric: "docker_memory_usage", context: [{ topology: "hosts", node: "vm;<host>", label: "vm" }],
    sort: { column: "docker_cpu_total_usage", desc: true } };
  const { modeGiven, ...back } = decodeState(encodeState(s));
  eq(back, s);
  eq(modeGiven, true);
  eq(decodeState("#!/hosts").mode, "map");
  eq(decodeState("").topology, null);
  eq(decodeState("#!/x?ctx=%5B1%5D").context, [], "a mangled drill-down is dropped");
});

test("store: listeners get the changed keys only", () => {
  const store = new Store<UiState>({ ...INITIAL });
  const seen: string[][] = [];
  store.subscribe((_s, changed) => seen.push([...changed]));
  store.set({ query: "a", pinned: [] });
  store.set({ pinned: [] });
  eq(seen, [["query"]]);
});

function collect(store: NodeStore | VisibleNodes): Change[] {
  const out: Change[] = [];
  store.onChange((c) => out.push(c));
  return out;
}

const ids = (c: Change) => ({ reset: c.reset, added: c.added.map((n) => n.id), updated: c.updated.map((n) => n.id),
  removed: c.removed });

test("deltas within a frame are merged and applied once", () => {
  const store = new NodeStore();
  const changes = collect(store);
  store.push({ reset: true, add: [host, container] });
  store.push({ update: [{ ...container, label: "renamed" }] });
  store.push({ add: [process1] });
  store.push({ remove: [process1.id] });
  store.flush();
  eq(changes.map(ids), [{ reset: true, added: [host.id, container.id], updated: [], removed: [] }]);
  eq(store.nodes.get(container.id)?.label, "renamed");
  store.push({ update: [{ ...host, label: "vm2" }], remove: [container.id, "never-there"] });
  store.push({ add: [process2] });
  store.flush();
  eq(ids(changes[1]), { reset: false, added: [process2.id], updated: [host.id], removed: [container.id] });
});

test("the shown set follows the drill-down context and pinned matches as deltas", () => {
  const store = new NodeStore();
  const visible = new VisibleNodes(store);
  const changes = collect(visible);
  store.push({ reset: true, add: [process1, process2] });
  store.flush();
  visible.setContext(inContext({ topology: "containers", node: container.id, label: "shop-api" }, undefined));
  eq(changes.map(ids).slice(-1), [{ reset: false, added: [], updated: [], removed: [process2.id] }]);
  visible.setPinned(new Set());
  eq([...visible.nodes.keys()], []);
  visible.setPinned(null);
  visible.setContext(null);
  eq([...visible.nodes.keys()].sort(), [process1.id, process2.id].sort());
  // A node leaving the context by an update is removed from the shown set.
  visible.setContext(inContext({ topology: "containers", node: container.id, label: "shop-api" }, undefined));
  store.push({ update: [{ ...process1, parents: [] }] });
  store.flush();
  eq(ids(changes[changes.length - 1]), { reset: false, added: [], updated: [], removed: [process1.id] });
});

test("drill-down picks the preferred child view", () => {
  const d: NodeDetails = { ...host, children: [
    { id: "", label: "Processes", topologyId: "processes", columns: null, nodes: [process1] },
    { id: "", label: "Containers", topologyId: "containers", columns: null, nodes: [container] },
  ] };
  eq(drillTarget("hosts", d)?.topology, "containers");
  eq([...(drillTarget("hosts", d)?.childIds ?? [])], [container.id]);
  eq(drillTarget("containers", { ...container, children: [] }), null);
  // Group nodes are nobody's parent: their children are known by ID.
  eq(inContext({ topology: "processes-by-name", node: "sh", label: "sh" }, new Set([process2.id]))(process2), true);
});

test("a pods table has metadata columns; a processes table its metrics first", () => {
  const pod = (i: number): NodeSummary => ({ id: `p${i};<pod>`, label: `web-${i}`, labelMinor: "1 container",
    metadata: [
      { id: "kubernetes_state", label: "State", value: "Running", priority: 2 },
      { id: "kubernetes_ip", label: "IP", value: `10.0.0.${i}`, priority: 3, dataType: "ip" },
      { id: "kubernetes_namespace", label: "Namespace", value: "default", priority: 5 },
      { id: "kubernetes_created", label: "Created", value: "2019-08-09T05:12:19Z", priority: 6, dataType: "datetime" },
      { id: "kubernetes_restart_count", label: "Restart #", value: "0", priority: 7 },
      { id: "kubernetes_node_name", label: "Node", value: "aks-nodepool1", priority: 8 },
    ] });
  const pods = new Map([1, 2, 3].map((i) => [`p${i};<pod>`, pod(i)]));
  eq(columnsFor(pods).map((c) => c.id), ["label", "labelMinor", "kubernetes_state", "kubernetes_ip",
    "kubernetes_namespace", "kubernetes_restart_count"]);
  const procs = new Map([process1, process2].map((n) => [n.id, n]));
  const cols = columnsFor(procs);
  eq(cols.slice(0, 2).map((c) => c.id), ["label", "labelMinor"]);
  eq(cols.filter((c) => c.metric).length, Math.min(4, new Set((process1.metrics ?? []).map((m) => m.id)).size));
  eq(cols.length <= 6, true);
});

test("a describe pipe opens a text viewer, logs the logs viewer, exec a terminal", () => {
  const control = (id: string, human: string) => ({ probeId: "p", nodeId: "n", id, human, icon: "" });
  const text = interpret(control("kubernetes_describe", "Describe"), "web-1", { pipe: "pipe1" });
  eq([text.pipe?.kind, text.pipe?.title, text.message], ["text", "web-1 describe", "Describe: opened"]);
  eq(interpret(control("kubernetes_get_logs", "Get logs"), "web-1", { pipe: "p2" }).pipe?.kind, "logs");
  eq(interpret(control("docker_exec_container", "Exec shell"), "db", { pipe: "p3", raw_tty: true }).pipe?.kind,
    "terminal");
});

if (failures.length) throw new Error(`${failures.length} of ${count} unit tests failed:\n${failures.join("\n")}`);
console.log(`${count} unit tests passed`);
