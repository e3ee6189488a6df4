import {
  clusterStatus,
  CPU_CRITICAL_PERCENT,
  CPU_WARNING_PERCENT,
  MEMORY_CRITICAL_PERCENT,
  MEMORY_WARNING_PERCENT,
  colorOf,
  PSEUDO_COLOR,
  STATUS_COLORS,
  statusOf,
} from "../status";
import type { GraphNode, MetricRow } from "../types";
import { eq, test } from "./harness";

const node = (metrics: MetricRow[], extra: Partial<GraphNode> = {}): GraphNode => ({ id: "n", label: "n", metrics, ...extra });
const cpu = (value: number, max = 100): MetricRow => ({ id: "host_cpu_usage_percent", value, min: 0, max });
const mem = (value: number, max: number): MetricRow => ({ id: "docker_memory_usage", value, min: 0, max });

export const tests = [
  test("thresholds are the documented ones", () => {
    eq([CPU_WARNING_PERCENT, CPU_CRITICAL_PERCENT, MEMORY_WARNING_PERCENT, MEMORY_CRITICAL_PERCENT], [80, 95, 80, 95]);
  }),
  test("cpu boundaries", () => {
    eq(statusOf(node([cpu(79.9)])), "healthy");
    eq(statusOf(node([cpu(80)])), "warning");
    eq(statusOf(node([cpu(94.9)])), "warning");
    eq(statusOf(node([cpu(95)])), "critical");
  }),
  test("process cpu is relative to the reported capacity (100 x cores)", () => {
    const p = (v: number): GraphNode => node([{ id: "process_cpu_usage_percent", value: v, max: 200 }]);
    eq(statusOf(p(100)), "healthy"); // one of two cores
    eq(statusOf(p(160)), "warning");
    eq(statusOf(p(195)), "critical");
  }),
  test("memory is relative to the limit; unbounded max gives no status", () => {
    eq(statusOf(node([mem(79, 100)])), "healthy");
    eq(statusOf(node([mem(80, 100)])), "warning");
    eq(statusOf(node([mem(96, 100)])), "critical");
    eq(statusOf(node([{ id: "process_memory_usage_bytes", value: 1e9, max: 2 ** 64 }])), "unknown");
  }),
  test("failed connections above zero warn", () => {
    eq(statusOf(node([{ id: "connection_failures", value: 0 }])), "healthy");
    eq(statusOf(node([{ id: "connection_failures", value: 2 }])), "warning");
  }),
  test("worst metric wins", () => {
    eq(statusOf(node([cpu(10), mem(99, 100)])), "critical");
    eq(statusOf(node([cpu(85), mem(10, 100)])), "warning");
  }),
  test("cluster status: a share of 10 % of members decides", () => {
    const of = (c: number, w: number, h: number): ReturnType<typeof clusterStatus> =>
      clusterStatus([...Array(c).fill("critical"), ...Array(w).fill("warning"), ...Array(h).fill("healthy")]);
    eq(of(1, 0, 49), "healthy");
    eq(of(5, 0, 45), "critical");
    eq(of(2, 3, 45), "warning");
    eq(of(0, 0, 0), "unknown");
    eq(clusterStatus(["unknown", "unknown"]), "unknown");
  }),
  test("no metrics, unread metrics, pseudo", () => {
    eq(statusOf({ id: "a", label: "a" }), "unknown");
    eq(statusOf(node([{ id: "open_files_count", value: 9000, max: 20000 }])), "unknown");
    eq(statusOf(node([cpu(99)], { pseudo: true })), "unknown");
    eq(colorOf(node([cpu(99)], { pseudo: true })), PSEUDO_COLOR);
    eq(colorOf(node([cpu(99)])), STATUS_COLORS.critical);
  }),
];
