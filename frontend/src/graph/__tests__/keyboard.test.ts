import { directionOfKey, nearestInDirection } from "../keyboard";
import type { Point } from "../seed";
import { eq, test } from "./harness";

const pts: [string, Point][] = [
  ["right-near-offaxis", { x: 10, y: 8 }],
  ["right-far-onaxis", { x: 14, y: 0 }],
  ["left", { x: -20, y: 1 }],
  ["down", { x: 0, y: 30 }],
  ["up-steep", { x: 5, y: -40 }],
];

export const tests = [
  test("arrow keys map to directions", () => {
    eq(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "a"].map(directionOfKey), ["left", "right", "up", "down", null]);
  }),
  test("prefers nodes straight ahead", () => {
    eq(nearestInDirection({ x: 0, y: 0 }, pts, "right"), "right-far-onaxis");
    eq(nearestInDirection({ x: 0, y: 0 }, pts, "left"), "left");
    eq(nearestInDirection({ x: 0, y: 0 }, pts, "down"), "down");
    eq(nearestInDirection({ x: 0, y: 0 }, pts, "up"), "up-steep");
  }),
  test("nothing in that direction", () => {
    eq(nearestInDirection({ x: 100, y: 0 }, pts, "right"), null);
  }),
];
