// Seed positions: the first frame shows these, the worker layout refines them.
// Nodes are clustered by "seed group" (their host, else namespace): groups are
// packed on shelves, each group's nodes on a sunflower (phyllotaxis) disc.
// Nodes that already have a position keep it. Pure functions.

import type { GraphNode } from "./types";

export interface Point {
  x: number;
  y: number;
}

/** Distance between neighbouring seeded nodes, in graph units (= px at zoom 1). */
export const SPACING = 16;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** Key nodes are seeded together by: host, else namespace, else pseudo/none. */
export function seedGroupKey(node: GraphNode): string {
  const parents = node.parents;
  if (parents) {
    for (const p of parents) if (p.topologyId === "hosts") return "h:" + p.id;
    for (const p of parents) if (p.topologyId === "namespaces" || p.topologyId === "kube-namespaces") return "n:" + p.id;
  }
  if (node.pseudo) return "_pseudo";
  return "_none";
}

/** Point `i` of a sunflower disc of spacing SPACING around `c`. */
export function sunflower(c: Point, i: number, spacing = SPACING): Point {
  const r = spacing * 0.62 * Math.sqrt(i + 0.5);
  const a = i * GOLDEN_ANGLE;
  return { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
}

/** Radius of a sunflower disc of n points. */
export function discRadius(n: number, spacing = SPACING): number {
  return spacing * 0.62 * Math.sqrt(n + 0.5) + spacing;
}

/** Small deterministic hash of a string (FNV-1a). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A point at distance ~`radius` from `c`, in a direction fixed by `id`. */
export function jitterAround(c: Point, id: string, radius = SPACING): Point {
  const h = hashString(id);
  const a = ((h & 0xffff) / 0x10000) * 2 * Math.PI;
  const r = radius * (0.6 + ((h >>> 16) / 0x10000) * 0.8);
  return { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
}

/**
 * Positions for every node of `nodes` lacking one in `known`: each seed group
 * that has no known member gets a disc on a shelf packing placed right of the
 * known area; members of a group with known members go on the rim of that
 * group's centroid disc. Returns only the new positions.
 */
export function seedPositions(
  nodes: readonly GraphNode[],
  known: ReadonlyMap<string, Point>,
  groupKeyOf: (n: GraphNode) => string = seedGroupKey,
): Map<string, Point> {
  const out = new Map<string, Point>();
  const groups = new Map<string, { known: Point[]; fresh: GraphNode[] }>();
  for (const n of nodes) {
    const k = groupKeyOf(n);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { known: [], fresh: [] }));
    const p = known.get(n.id);
    if (p) g.known.push(p);
    else g.fresh.push(n);
  }

  // Groups with known members: rim of their disc.
  const brandNew: [string, GraphNode[]][] = [];
  for (const [k, g] of groups) {
    if (g.fresh.length === 0) continue;
    if (g.known.length === 0) {
      brandNew.push([k, g.fresh]);
      continue;
    }
    let cx = 0;
    let cy = 0;
    for (const p of g.known) {
      cx += p.x;
      cy += p.y;
    }
    const c = { x: cx / g.known.length, y: cy / g.known.length };
    let i = g.known.length;
    for (const n of g.fresh) out.set(n.id, sunflower(c, i++));
  }
  if (brandNew.length === 0) return out;

  // Brand-new groups: shelf packing, biggest first, right of the known bbox.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  for (const p of known.values()) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
  }
  const originX = Number.isFinite(maxX) ? maxX + 4 * SPACING : 0;
  const originY = Number.isFinite(minY) ? minY : 0;
  brandNew.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  let area = 0;
  for (const [, members] of brandNew) area += (2 * discRadius(members.length)) ** 2;
  const rowWidth = Math.max(Math.sqrt(area) * 1.2, 2 * discRadius(brandNew[0][1].length));
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const [, members] of brandNew) {
    const r = discRadius(members.length);
    if (x > 0 && x + 2 * r > rowWidth) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const c = { x: originX + x + r, y: originY + y + r };
    members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < members.length; i++) out.set(members[i].id, sunflower(c, i));
    x += 2 * r;
    if (2 * r > rowHeight) rowHeight = 2 * r;
  }
  if (!Number.isFinite(maxX)) {
    // Nothing was known: centre the packing on the origin.
    const cx = rowWidth / 2;
    const cy = (y + rowHeight) / 2;
    for (const p of out.values()) {
      p.x -= cx;
      p.y -= cy;
    }
  }
  return out;
}
