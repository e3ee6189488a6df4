// sigma 4 primitives (node shapes and layers, edge layers) and styles.
//
// Performance notes:
// * One node program draws every shape (an SDF per shape, picked per node).
// * Edges are not sigma's: see edges.ts (non-instanced GL_LINES, much cheaper
//   in software WebGL). The graphology graph sigma sees holds nodes only.
// * Styles use attribute bindings and item-state conditionals only: a function
//   or graph-state conditional would make sigma re-evaluate every node on each
//   hover. No rule changes depth or zIndex (that forces a full re-process).

import { layerFill } from "sigma/rendering";
import type { FragmentLayer } from "sigma/rendering";
import type { PrimitivesDeclaration } from "sigma/primitives";
import type { StylesDeclaration } from "sigma/types";
import { NODE_SHAPES } from "./shapes";

export const DIM_NODE_COLOR = "#e3e6eb";
export const DIM_EDGE_COLOR = "#f0f1f4";
export const EDGE_COLOR = "#b4bcc8";
export const SELECTED_OUTLINE = "#10161f";
export const CLUSTER_OUTLINE = "#ffffff";
export const FLOW_COLOR = "#1d6fd8";

/** Outline drawn inside the shape's edge; width in pixels, 0 = none. */
function layerOutline(): FragmentLayer {
  return {
    name: "outline",
    uniforms: [],
    attributes: [
      { name: "outlineColor", size: 4, type: WebGL2RenderingContext.UNSIGNED_BYTE, normalized: true, source: "outlineColor" },
      { name: "outlineWidth", size: 1, type: WebGL2RenderingContext.FLOAT, source: "outlineWidth" },
    ],
    glsl: /* glsl */ `
vec4 layer_outline(vec4 outlineColor, float outlineWidth) {
  if (outlineWidth <= 0.0) return vec4(0.0);
  float w = outlineWidth * context.pixelToUV;
  float inRing = smoothstep(-w - context.aaWidth, -w + context.aaWidth, context.sdf);
  return vec4(outlineColor.rgb, outlineColor.a * inRing);
}
`,
  };
}

export function primitives() {
  return {
    nodes: {
      shapes: NODE_SHAPES,
      layers: [layerFill(), layerOutline()],
      variables: {
        outlineWidth: { type: "number", default: 0 },
        outlineColor: { type: "color", default: SELECTED_OUTLINE },
      },
      label: { font: { family: "system-ui, sans-serif", size: 12 }, color: "#2a3342" },
    },
  } satisfies PrimitivesDeclaration;
}

/** Custom item states (sigma keeps them per node / edge). */
export interface NodeState {
  isSelected: boolean;
  isDimmed: boolean;
}

export function styles(): StylesDeclaration {
  return {
    nodes: [
      {
        x: { attribute: "x" },
        y: { attribute: "y" },
        size: { attribute: "size", defaultValue: 6 },
        color: { attribute: "color", defaultValue: "#7f8ba0" },
        label: { attribute: "label" },
        shape: { attribute: "shape" },
        labelVisibility: { attribute: "labelVisibility", defaultValue: "auto" },
        outlineWidth: { attribute: "outlineWidth", defaultValue: 0 },
        outlineColor: { attribute: "outlineColor", defaultValue: CLUSTER_OUTLINE },
        visibility: "visible",
      },
      { whenState: "isDimmed", then: { color: DIM_NODE_COLOR, labelVisibility: "hidden" } },
      {
        whenState: "isHovered",
        then: {
          labelVisibility: "visible",
          backdropVisibility: "visible",
          backdropColor: "#ffffff",
          backdropShadowColor: "rgba(0, 0, 0, 0.35)",
          backdropShadowBlur: 8,
          backdropPadding: 4,
        },
      },
      { whenState: "isSelected", then: { outlineWidth: 2.5, outlineColor: SELECTED_OUTLINE, labelVisibility: "visible" } },
    ],
  } as StylesDeclaration;
}
