// Keyboard navigation: which node an arrow key moves to. Pure.

import type { Point } from "./seed";

export type Direction = "left" | "right" | "up" | "down";

const VECTORS: Record<Direction, Point> = {
  left: { x: -1, y: 0 },
  right: { x: 1, y: 0 },
  up: { x: 0, y: -1 },
  down: { x: 0, y: 1 },
};

/** Arrow key name -> direction (viewport coordinates: y grows downwards). */
export function directionOfKey(key: string): Direction | null {
  switch (key) {
    case "ArrowLeft":
      return "left";
    case "ArrowRight":
      return "right";
    case "ArrowUp":
      return "up";
    case "ArrowDown":
      return "down";
    default:
      return null;
  }
}

/**
 * The nearest candidate in direction `dir` from `from`: candidates within 50
 * degrees either side of the direction, scored by distance along the
 * direction plus twice the sideways offset (so a node straight ahead beats a
 * slightly closer one off to the side). Null when none is in that half-plane.
 */
export function nearestInDirection(
  from: Point,
  candidates: Iterable<readonly [string, Point]>,
  dir: Direction,
): string | null {
  const v = VECTORS[dir];
  let best: string | null = null;
  let bestScore = Infinity;
  for (const [id, p] of candidates) {
    const dx = p.x - from.x;
    const dy = p.y - from.y;
    const along = dx * v.x + dy * v.y;
    if (along <= 0.5) continue;
    const side = Math.abs(dx * v.y - dy * v.x);
    if (side > along * 1.2) continue; // outside +-50 degrees
    const score = along + 2 * side;
    if (score < bestScore) {
      bestScore = score;
      best = id;
    }
  }
  return best;
}
