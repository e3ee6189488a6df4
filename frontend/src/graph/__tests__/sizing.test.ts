import { CLUSTER_MAX_SIZE, CLUSTER_MIN_SIZE, MAX_SIZE, MIN_SIZE, UNIFORM_SIZE, clusterSize, logScale, sizeOf } from "../sizing";
import type { GraphNode } from "../types";
import { eq, near, ok, test } from "./harness";

const n = (value: number, max?: number): GraphNode => ({
  id: "a",
  label: "a",
  metrics: [{ id: "docker_memory_usage", value, max }],
});

export const tests = [
  test("uniform without a metric", () => {
    eq(sizeOf(n(5, 10), null, 3), UNIFORM_SIZE);
  }),
  test("bounded and monotonic", () => {
    const sizes = [0, 1, 10, 100, 1000, 1e6].map((v) => sizeOf(n(v, 1000), "docker_memory_usage", 0));
    for (let i = 1; i < sizes.length; i++) ok(sizes[i] >= sizes[i - 1], "monotonic");
    eq(sizes[0], MIN_SIZE);
    eq(sizes[sizes.length - 1], MAX_SIZE);
  }),
  test("log-ish: 1 % of max is clearly bigger than nothing", () => {
    near(logScale(0.01), 0.15, 0.01, "logScale(0.01)");
    near(logScale(1), 1, 1e-9, "logScale(1)");
  }),
  test("missing metric is the minimum; connections use the degree", () => {
    eq(sizeOf(n(5, 10), "host_cpu_usage_percent", 0), MIN_SIZE);
    ok(sizeOf(n(0), "connections", 10) > sizeOf(n(0), "connections", 1), "degree grows size");
    eq(sizeOf(n(0), "connections", 1e6), MAX_SIZE);
  }),
  test("cluster size by member count", () => {
    ok(clusterSize(1) >= CLUSTER_MIN_SIZE && clusterSize(1e9) === CLUSTER_MAX_SIZE, "bounds");
    ok(clusterSize(100) > clusterSize(10), "monotonic");
  }),
];
