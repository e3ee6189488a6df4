// sigma 4 primitives (node shapes and layers, edge layers) and styles.
//
// Performance notes:
// * One node program draws every shape (an SDF per shape, picked per node).
// * Edges are straight lines with an arrow head; the traffic "flow" layer is
//   a uniform-driven pulse, so animating it re-renders but never re-processes.
// * Styles use attribute bindings and item-state conditionals only: a function
//   or graph-state conditional would make sigma re-evaluate every node on each
//   hover. No rule changes depth or zIndex (that forces a full re-process).

import { extremityArrow, layerFill, layerPlain, pathLine } from "sigma/rendering";
import type { EdgeLayer, FragmentLayer } from "sigma/rendering";
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

/**
 * The moving pulse on edges with traffic. `flow` (0..1) is per edge; the
 * shared uniform `u_flowTime` (seconds) is advanced by the animation loop by
 * mutating `FLOW_TIME.value`, which sigma uploads on every render.
 */
export const FLOW_TIME = { name: "u_flowTime", type: "float" as const, value: 0 };

function layerFlow(): EdgeLayer {
  return {
    name: "flow",
    uniforms: [FLOW_TIME, { name: "u_flowColor", type: "vec4", value: hexToVec4(FLOW_COLOR) }],
    attributes: [{ name: "flow", size: 1, type: WebGL2RenderingContext.FLOAT, source: "flow" }],
    glsl: /* glsl */ `
vec4 layer_flow(EdgeContext ctx) {
  if (v_flow <= 0.0) return vec4(0.0);
  float pixelToWorld = u_correctionRatio / u_sizeRatio;
  float period = 28.0 * pixelToWorld;
  float speed = (20.0 + 60.0 * v_flow) * pixelToWorld;
  float phase = mod(ctx.distanceFromSource - u_flowTime * speed, period) / period;
  float pulse = smoothstep(0.0, 0.25, phase) * (1.0 - smoothstep(0.35, 0.6, phase));
  return vec4(u_flowColor.rgb, u_flowColor.a * pulse * (0.35 + 0.65 * v_flow));
}
`,
  };
}

function hexToVec4(hex: string): [number, number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255, 1];
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
    edges: {
      paths: [pathLine()],
      extremities: [extremityArrow({ lengthRatio: 3.5, widthRatio: 2.2 })],
      layers: [layerPlain(), layerFlow()],
      defaultHead: "arrow",
      variables: { flow: { type: "number", default: 0 } },
    },
  } satisfies PrimitivesDeclaration;
}

/** Custom item states (sigma keeps them per node / edge). */
export interface NodeState {
  isSelected: boolean;
  isDimmed: boolean;
}
export interface EdgeState {
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
    edges: [
      {
        size: { attribute: "size", defaultValue: 1 },
        color: { attribute: "color", defaultValue: EDGE_COLOR },
        flow: { attribute: "flow", defaultValue: 0 },
        visibility: "visible",
      },
      { whenState: "isDimmed", then: { color: DIM_EDGE_COLOR, flow: 0 } },
    ],
  } as StylesDeclaration;
}
