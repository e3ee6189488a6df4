import { seedPositions, SPACING, type Point } from "../seed";
import type { GraphNode } from "../types";
import { eq, ok, test } from "./harness";

const onHost = (id: string, host: string): GraphNode => ({
  id,
  label: id,
  parents: [{ id: `${host};<host>`, label: host, topologyId: "hosts" }],
});
const dist = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

export const tests = [
  test("every node gets a distinct finite position", () => {
    const nodes = [...Array(30)].map((_, i) => onHost(`n${i}`, `h${i % 3}`));
    const out = seedPositions(nodes, new Map());
    eq(out.size, 30);
    const seen = new Set([...out.values()].map((p) => `${p.x.toFixed(3)},${p.y.toFixed(3)}`));
    eq(seen.size, 30);
    for (const p of out.values()) ok(Number.isFinite(p.x) && Number.isFinite(p.y), "finite");
  }),
  test("hosts are clustered: same-host nodes closer than other-host nodes", () => {
    const nodes = [...Array(60)].map((_, i) => onHost(`n${i}`, `h${i % 3}`));
    const out = seedPositions(nodes, new Map());
    const p = (i: number): Point => out.get(`n${i}`)!;
    ok(dist(p(0), p(3)) < dist(p(0), p(1)) || dist(p(0), p(6)) < dist(p(0), p(2)), "clustered");
  }),
  test("known positions are kept and not returned; new members join their host", () => {
    const known = new Map<string, Point>([
      ["a", { x: 1000, y: 1000 }],
      ["b", { x: 1010, y: 1000 }],
    ]);
    const nodes = [onHost("a", "h"), onHost("b", "h"), onHost("c", "h")];
    const out = seedPositions(nodes, known);
    eq([...out.keys()], ["c"]);
    ok(dist(out.get("c")!, { x: 1005, y: 1000 }) < 4 * SPACING, "near its host");
  }),
];
