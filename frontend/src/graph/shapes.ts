// Node shapes as signed distance functions for sigma 4's single multi-shape
// node program (one draw call for every shape; the shape is a per-node id).
// `size` is the shape's circumradius in the node's uv space ([-1, 1]).

import type { CustomNodeShape } from "sigma/primitives";

// Regular n-gon, circumradius r, one vertex pointing up (Inigo Quilez).
const POLYGON_GLSL = /* glsl */ `
float scope_polygon(vec2 p, float r, float n) {
  float an = 3.141593 / n;
  vec2 acs = vec2(cos(an), sin(an));
  float bn = mod(atan(p.x, p.y), 2.0 * an) - an;
  p = length(p) * vec2(cos(bn), abs(sin(bn)));
  p -= r * acs;
  p.y += clamp(-p.y, 0.0, r * acs.y);
  return length(p) * sign(p.x);
}
`;

/**
 * Name of the program shape for a Scope shape. Prefixed: sigma keeps a global
 * registry of shapes by name, and "square"/"circle" would clash with its own.
 */
export function programShape(name: ShapeName): string {
  return "sc_" + name;
}

function polygon(name: ShapeName, sides: number, inradiusFactor: number): CustomNodeShape {
  // Each shape's GLSL is emitted once; only the first may define the helper.
  const helper = name === "hexagon" ? POLYGON_GLSL : "";
  return {
    name: programShape(name),
    inradiusFactor,
    glsl: `${helper}
float sdf_sc_${name}(vec2 uv, float size) {
  return scope_polygon(uv, size, ${sides.toFixed(1)});
}
`,
  };
}

/** Shape names this program draws; anything else is drawn as a circle. */
export const SHAPE_NAMES = [
  "circle",
  "hexagon",
  "square",
  "heptagon",
  "octagon",
  "pentagon",
  "triangle",
  "cloud",
  "dottedcircle",
] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

const KNOWN = new Set<string>(SHAPE_NAMES);
/** Scope shape names mapped to the closest shape drawn here. */
const ALIASES: Record<string, ShapeName> = {
  dottedsquare: "square",
  sheet: "square",
  storagesheet: "square",
  cylinder: "octagon",
  dottedcylinder: "octagon",
  dottedhexagon: "hexagon",
  dottedtriangle: "triangle",
  diamond: "square",
};

/** The shape drawn for a Scope shape name. Pseudo nodes without a shape are clouds. */
export function shapeFor(shape: string | undefined, pseudo: boolean | undefined): ShapeName {
  if (shape && KNOWN.has(shape)) return shape as ShapeName;
  if (shape && shape in ALIASES) return ALIASES[shape];
  return pseudo ? "cloud" : "circle";
}

export const NODE_SHAPES: CustomNodeShape[] = [
  {
    name: programShape("circle"),
    inradiusFactor: 1,
    glsl: `
float sdf_sc_circle(vec2 uv, float size) {
  return length(uv) - size;
}
`,
  },
  // hexagon first among polygons: it carries the shared helper.
  polygon("hexagon", 6, 0.866),
  {
    name: programShape("square"),
    inradiusFactor: 0.8,
    glsl: `
float sdf_sc_square(vec2 uv, float size) {
  float h = size * 0.8;
  float rad = size * 0.18;
  vec2 d = abs(uv) - vec2(h - rad);
  return length(max(d, 0.0)) + min(max(d.x, d.y), 0.0) - rad;
}
`,
  },
  polygon("heptagon", 7, 0.901),
  polygon("octagon", 8, 0.924),
  polygon("pentagon", 5, 0.809),
  polygon("triangle", 3, 0.5),
  {
    name: programShape("cloud"),
    inradiusFactor: 0.6,
    glsl: `
float sdf_sc_cloud(vec2 uv, float size) {
  vec2 p = uv / size;
  float d = length(p - vec2(0.0, 0.12)) - 0.48;
  d = min(d, length(p - vec2(-0.48, -0.14)) - 0.34);
  d = min(d, length(p - vec2(0.48, -0.14)) - 0.34);
  vec2 b = abs(p - vec2(0.0, -0.3)) - vec2(0.48, 0.18);
  d = min(d, length(max(b, 0.0)) + min(max(b.x, b.y), 0.0));
  return d * size;
}
`,
  },
  {
    name: programShape("dottedcircle"),
    inradiusFactor: 0.9,
    glsl: `
float sdf_sc_dottedcircle(vec2 uv, float size) {
  float ring = abs(length(uv) - size * 0.82) - size * 0.16;
  float a = atan(uv.y, uv.x);
  float gaps = sin(a * 10.0) * size * 0.25;
  return max(ring, -gaps);
}
`,
  },
];
