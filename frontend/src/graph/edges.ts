// Edges, drawn by our own sigma custom layer instead of sigma's edge program.
//
// Why: sigma 4 draws edges as instanced, SDF-shaded quads plus a per-frame
// clamp pass. With software WebGL (SwiftShader, what headless Chromium and
// GPU-less machines get) instancing costs ~10 us per instance: 15k edges cap a
// frame at ~5 fps before a single pixel is filled, where plain GL_LINES draw
// the same edges at ~50 fps. So edges here are non-instanced:
//   * the body: 1 px GL_LINES, repeated 1-3 times side by side for wide
//     (busy) edges;
//   * the head: one small triangle per edge (directed edges);
//   * the traffic pulse: a fragment-shader function of the distance along the
//     edge and a time uniform (animating re-renders, never re-uploads).
// Every edge owns a fixed slot (6 line vertices + 3 arrow vertices); changes
// rewrite only the slots of the edges concerned and upload the dirty range.
// Edges are not pickable (the component has no edge events).

import type Sigma from "sigma";
import type { RenderParams } from "sigma/types";

export interface EdgeDraw {
  source: string;
  target: string;
  /** Width in px (1..5.5): 1, 2 or 3 parallel 1 px lines. */
  size: number;
  color: string;
  /** Traffic pulse intensity 0..1 (0 = none). */
  flow: number;
}

/** Positions and sizes of the nodes edges attach to. */
export interface NodeGeometry {
  get(id: string): { x: number; y: number; size: number } | undefined;
}

const FLOATS = 10; // per vertex: src xy, dst xy, color (4 bytes), role, offset, src size, dst size, flow
const LINE_VERTICES = 6; // up to 3 lines of 2 vertices
const ARROW_VERTICES = 3;
const HIDDEN = 99; // offset value that culls a vertex (unused line copies)

const VERTEX_SHADER = /* glsl */ `#version 300 es
in vec2 a_src;
in vec2 a_dst;
in vec4 a_color;
in float a_role;    // 0 line start, 1 line end, 2 arrow tip, 3/4 arrow base corners
in float a_offset;  // line copies: sideways offset in px (99 = unused); arrows: width in px
in float a_srcSize;
in float a_dstSize;
in float a_flow;

uniform mat3 u_matrix;
uniform vec2 u_normCenter;
uniform float u_normRatio;
uniform vec2 u_resolution;
uniform float u_correctionRatio;
uniform float u_sizeRatio;

out vec4 v_color;
out float v_along;
out float v_flow;

vec2 toPx(vec2 g) {
  vec2 framed = 0.5 + (g - u_normCenter) / u_normRatio;
  vec3 clip = u_matrix * vec3(framed, 1.0);
  return (clip.xy * 0.5 + 0.5) * u_resolution;
}

void main() {
  v_color = a_color;
  v_flow = a_flow;
  if (a_offset >= ${HIDDEN.toFixed(1)}) {
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0); // outside the clip volume
    v_along = 0.0;
    return;
  }
  // Node radius in px, as sigma's node program computes it.
  float matrixScaleX = length(vec2(u_matrix[0][0], u_matrix[1][0]));
  float pxPerSize = u_correctionRatio / u_sizeRatio * matrixScaleX * u_resolution.x / 2.0;
  vec2 s = toPx(a_src);
  vec2 d = toPx(a_dst);
  vec2 dir = d - s;
  float len = length(dir);
  dir = len > 0.0 ? dir / len : vec2(1.0, 0.0);
  vec2 nrm = vec2(-dir.y, dir.x);
  float rs = a_srcSize * pxPerSize;
  float rd = a_dstSize * pxPerSize;
  float visible = len - rs - rd;
  if (visible <= 1.0) {
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
    v_along = 0.0;
    return;
  }
  vec2 start = s + dir * rs;
  vec2 tip = d - dir * rd;
  float head = a_role >= 1.5 ? a_offset : 0.0;
  // Heads scale with the target node (zoomed out: small), 3..8 px plus the edge's width.
  float headLength = min(clamp(rd * 1.3, 3.0, 8.0) + head, visible * 0.5);
  vec2 p;
  if (a_role < 0.5) {
    p = start + nrm * a_offset;
    v_along = 0.0;
  } else if (a_role < 1.5) {
    p = tip - dir * min(clamp(rd * 1.3, 3.0, 8.0), visible * 0.5) * 0.7 + nrm * a_offset;
    v_along = visible;
  } else if (a_role < 2.5) {
    p = tip;
    v_along = visible;
  } else {
    float side = a_role < 3.5 ? 1.0 : -1.0;
    p = tip - dir * headLength + nrm * side * headLength * 0.4;
    v_along = visible - headLength;
  }
  gl_Position = vec4(p / u_resolution * 2.0 - 1.0, 0.0, 1.0);
}
`;

const FRAGMENT_SHADER = /* glsl */ `#version 300 es
precision mediump float;
in vec4 v_color;
in float v_along;
in float v_flow;
uniform float u_time;
uniform vec4 u_flowColor;
out vec4 fragColor;

void main() {
  vec4 c = v_color;
  if (v_flow > 0.0) {
    float speed = 25.0 + 70.0 * v_flow;   // px per second
    float phase = fract((v_along - u_time * speed) / 28.0);
    float pulse = smoothstep(0.0, 0.2, phase) * (1.0 - smoothstep(0.3, 0.55, phase));
    c = mix(c, u_flowColor, pulse * (0.45 + 0.55 * v_flow));
  }
  fragColor = vec4(c.rgb * c.a, c.a); // premultiplied, as sigma blends
}
`;

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const sh = gl.createShader(type);
  if (!sh) throw new Error("edge layer: createShader failed");
  gl.shaderSource(sh, source);
  gl.compileShader(sh);
  if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error("edge layer: " + gl.getShaderInfoLog(sh));
  return sh;
}

const colorCache = new Map<string, number>();
/** "#rrggbb" -> packed little-endian RGBA (alpha 255). */
export function packColor(hex: string): number {
  let v = colorCache.get(hex);
  if (v === undefined) {
    const n = parseInt(hex.slice(1, 7), 16);
    v = (((255 << 24) | ((n & 255) << 16) | (((n >> 8) & 255) << 8) | ((n >> 16) & 255)) >>> 0);
    colorCache.set(hex, v);
  }
  return v;
}

function hexToVec4(hex: string): [number, number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255, 1];
}

class Buffer {
  data: Float32Array;
  u32: Uint32Array;
  dirtyFrom = Infinity;
  dirtyTo = -1;
  constructor(
    readonly verticesPerEdge: number,
    capacity: number,
  ) {
    this.data = new Float32Array(capacity * verticesPerEdge * FLOATS);
    this.u32 = new Uint32Array(this.data.buffer);
  }
  grow(capacity: number): void {
    const next = new Float32Array(capacity * this.verticesPerEdge * FLOATS);
    next.set(this.data);
    this.data = next;
    this.u32 = new Uint32Array(next.buffer);
  }
  mark(slot: number): void {
    if (slot < this.dirtyFrom) this.dirtyFrom = slot;
    if (slot > this.dirtyTo) this.dirtyTo = slot;
  }
}

export class EdgeLayer {
  private readonly keys: string[] = [];
  private readonly draws: EdgeDraw[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly dimmed = new Set<string>();
  private lines = new Buffer(LINE_VERTICES, 1024);
  private arrows = new Buffer(ARROW_VERTICES, 1024);
  private capacity = 1024;
  private uploadedCapacity = -1;
  private program: Program | null = null;
  /** Skip drawing while the user pans or zooms (large graphs). */
  hideOnMove = false;
  dimColor = "#eef0f3";
  flowColor = "#1d6fd8";

  constructor(
    private readonly sigma: Sigma,
    private readonly nodes: NodeGeometry,
    depth = "edges",
  ) {
    sigma.addCustomLayerProgram("scope-edges", depth as never, (gl) => {
      this.program = new Program(gl);
      this.uploadedCapacity = -1;
      return {
        render: (params: RenderParams) => this.render(params),
        kill: () => {
          this.program?.kill();
          this.program = null;
        },
      };
    });
  }

  get size(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.slotOf.has(key);
  }

  /** Replaces every edge. */
  reset(edges: Iterable<[string, EdgeDraw]>): void {
    this.keys.length = 0;
    this.draws.length = 0;
    this.slotOf.clear();
    this.byNode.clear();
    this.dimmed.clear();
    for (const [k, d] of edges) this.append(k, d);
    this.invalidateAll();
  }

  /** Adds or updates one edge. */
  set(key: string, draw: EdgeDraw): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) {
      this.append(key, draw);
      this.write(this.keys.length - 1);
      return;
    }
    this.draws[slot] = draw;
    this.write(slot);
  }

  remove(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    const d = this.draws[slot];
    this.unindexNode(d.source, key);
    this.unindexNode(d.target, key);
    this.dimmed.delete(key);
    const last = this.keys.length - 1;
    if (slot !== last) {
      // Move the last edge into the freed slot.
      const lk = this.keys[last];
      this.keys[slot] = lk;
      this.draws[slot] = this.draws[last];
      this.slotOf.set(lk, slot);
      this.write(slot);
    }
    this.keys.pop();
    this.draws.pop();
    this.slotOf.delete(key);
  }

  /** Edges whose nodes moved or changed size get rewritten. */
  nodesChanged(ids: Iterable<string>): void {
    for (const id of ids) {
      const ks = this.byNode.get(id);
      if (!ks) continue;
      for (const k of ks) this.write(this.slotOf.get(k)!);
    }
  }

  /** Every edge is rewritten at the next render (e.g. most nodes moved). */
  invalidateAll(): void {
    for (let i = 0; i < this.keys.length; i++) this.write(i);
  }

  /** Edges drawn dimmed (search highlight); the others normal. */
  setDimmed(keys: Set<string>): void {
    const changed: string[] = [];
    for (const k of this.dimmed) if (!keys.has(k)) changed.push(k);
    for (const k of keys) if (!this.dimmed.has(k) && this.slotOf.has(k)) changed.push(k);
    this.dimmed.clear();
    for (const k of keys) if (this.slotOf.has(k)) this.dimmed.add(k);
    for (const k of changed) {
      const s = this.slotOf.get(k);
      if (s !== undefined) this.write(s);
    }
  }

  /** Keys of the edges touching a node. */
  edgesOf(id: string): ReadonlySet<string> {
    return this.byNode.get(id) ?? new Set();
  }

  *entries(): IterableIterator<[string, EdgeDraw]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i], this.draws[i]];
  }

  hasFlow(): boolean {
    for (const d of this.draws) if (d.flow > 0) return true;
    return false;
  }

  destroy(): void {
    this.sigma.removeCustomLayerProgram("scope-edges");
  }

  // ---- internals --------------------------------------------------------

  private append(key: string, draw: EdgeDraw): void {
    const slot = this.keys.length;
    if (slot >= this.capacity) {
      let cap = this.capacity;
      while (cap <= slot) cap *= 2;
      this.lines.grow(cap);
      this.arrows.grow(cap);
      this.capacity = cap;
    }
    this.keys.push(key);
    this.draws.push(draw);
    this.slotOf.set(key, slot);
    this.indexNode(draw.source, key);
    this.indexNode(draw.target, key);
  }

  private indexNode(id: string, key: string): void {
    let s = this.byNode.get(id);
    if (!s) this.byNode.set(id, (s = new Set()));
    s.add(key);
  }

  private unindexNode(id: string, key: string): void {
    const s = this.byNode.get(id);
    if (!s) return;
    s.delete(key);
    if (s.size === 0) this.byNode.delete(id);
  }

  /** Writes the vertices of the edge in `slot`. */
  private write(slot: number): void {
    const d = this.draws[slot];
    const a = this.nodes.get(d.source);
    const b = this.nodes.get(d.target);
    const dim = this.dimmed.has(this.keys[slot]);
    const color = packColor(dim ? this.dimColor : d.color);
    const flow = dim ? 0 : d.flow;
    const copies = d.size < 1.75 ? 1 : d.size < 2.75 ? 2 : 3;
    const offsets = copies === 1 ? [0, HIDDEN, HIDDEN] : copies === 2 ? [-0.5, 0.5, HIDDEN] : [-1, 0, 1];
    const put = (buf: Buffer, v: number, role: number, offset: number): void => {
      const o = v * FLOATS;
      const f = buf.data;
      if (!a || !b) {
        f[o + 6] = HIDDEN;
        return;
      }
      f[o] = a.x;
      f[o + 1] = a.y;
      f[o + 2] = b.x;
      f[o + 3] = b.y;
      buf.u32[o + 4] = color;
      f[o + 5] = role;
      f[o + 6] = offset;
      f[o + 7] = a.size;
      f[o + 8] = b.size;
      f[o + 9] = flow;
    };
    const lv = slot * LINE_VERTICES;
    for (let c = 0; c < 3; c++) {
      put(this.lines, lv + 2 * c, 0, offsets[c]);
      put(this.lines, lv + 2 * c + 1, 1, offsets[c]);
    }
    const av = slot * ARROW_VERTICES;
    const headWidth = 1.5 * (d.size - 1);
    put(this.arrows, av, 2, headWidth);
    put(this.arrows, av + 1, 3, headWidth);
    put(this.arrows, av + 2, 4, headWidth);
    this.lines.mark(slot);
    this.arrows.mark(slot);
    this.sigma.scheduleRender();
  }

  private render(params: RenderParams): void {
    const p = this.program;
    const n = this.keys.length;
    if (!p || n === 0) return;
    if (this.hideOnMove) {
      const gs = this.sigma.getGraphState();
      if (gs.isPanning || gs.isZooming) return;
    }
    if (this.uploadedCapacity !== this.capacity) {
      p.allocate(this.lines, this.arrows);
      this.uploadedCapacity = this.capacity;
    } else {
      p.upload(this.lines);
      p.upload(this.arrows);
    }
    const norm = this.sigma.getNormalizationFunction();
    const origin = norm({ x: 0, y: 0 });
    const ratio = norm.ratio;
    p.draw(params, {
      normCenter: [(0.5 - origin.x) * ratio, (0.5 - origin.y) * ratio],
      normRatio: ratio,
      time: performance.now() / 1000,
      flowColor: hexToVec4(this.flowColor),
      count: n,
    });
  }
}

interface DrawUniforms {
  normCenter: [number, number];
  normRatio: number;
  time: number;
  flowColor: [number, number, number, number];
  count: number;
}

/** The WebGL side: one program, two buffers (lines, arrow heads). */
class Program {
  private readonly program: WebGLProgram;
  private readonly vaos: [WebGLVertexArrayObject, WebGLVertexArrayObject];
  private readonly buffers: [WebGLBuffer, WebGLBuffer];
  private readonly u: Record<string, WebGLUniformLocation | null> = {};

  constructor(private readonly gl: WebGL2RenderingContext) {
    const prog = gl.createProgram();
    if (!prog) throw new Error("edge layer: createProgram failed");
    gl.attachShader(prog, compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER));
    gl.attachShader(prog, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT_SHADER));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error("edge layer: " + gl.getProgramInfoLog(prog));
    this.program = prog;
    for (const name of [
      "u_matrix",
      "u_normCenter",
      "u_normRatio",
      "u_resolution",
      "u_correctionRatio",
      "u_sizeRatio",
      "u_time",
      "u_flowColor",
    ]) {
      this.u[name] = gl.getUniformLocation(prog, name);
    }
    const make = (): [WebGLVertexArrayObject, WebGLBuffer] => {
      const vao = gl.createVertexArray();
      const buf = gl.createBuffer();
      if (!vao || !buf) throw new Error("edge layer: out of GL objects");
      gl.bindVertexArray(vao);
      gl.bindBuffer(gl.ARRAY_BUFFER, buf);
      const stride = FLOATS * 4;
      const attr = (name: string, size: number, type: number, normalized: boolean, offset: number): void => {
        const loc = gl.getAttribLocation(prog, name);
        if (loc < 0) return;
        gl.enableVertexAttribArray(loc);
        gl.vertexAttribPointer(loc, size, type, normalized, stride, offset * 4);
      };
      attr("a_src", 2, gl.FLOAT, false, 0);
      attr("a_dst", 2, gl.FLOAT, false, 2);
      attr("a_color", 4, gl.UNSIGNED_BYTE, true, 4);
      attr("a_role", 1, gl.FLOAT, false, 5);
      attr("a_offset", 1, gl.FLOAT, false, 6);
      attr("a_srcSize", 1, gl.FLOAT, false, 7);
      attr("a_dstSize", 1, gl.FLOAT, false, 8);
      attr("a_flow", 1, gl.FLOAT, false, 9);
      gl.bindVertexArray(null);
      return [vao, buf];
    };
    const [v0, b0] = make();
    const [v1, b1] = make();
    this.vaos = [v0, v1];
    this.buffers = [b0, b1];
  }

  allocate(lines: Buffer, arrows: Buffer): void {
    const gl = this.gl;
    [lines, arrows].forEach((b, i) => {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[i]);
      gl.bufferData(gl.ARRAY_BUFFER, b.data, gl.DYNAMIC_DRAW);
      b.dirtyFrom = Infinity;
      b.dirtyTo = -1;
    });
  }

  upload(b: Buffer): void {
    if (b.dirtyTo < b.dirtyFrom) return;
    const gl = this.gl;
    const per = b.verticesPerEdge * FLOATS;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[b.verticesPerEdge === LINE_VERTICES ? 0 : 1]);
    gl.bufferSubData(gl.ARRAY_BUFFER, b.dirtyFrom * per * 4, b.data, b.dirtyFrom * per, (b.dirtyTo - b.dirtyFrom + 1) * per);
    b.dirtyFrom = Infinity;
    b.dirtyTo = -1;
  }

  draw(params: RenderParams, u: DrawUniforms): void {
    const gl = this.gl;
    gl.useProgram(this.program);
    gl.uniformMatrix3fv(this.u.u_matrix, false, params.matrix);
    gl.uniform2f(this.u.u_normCenter, u.normCenter[0], u.normCenter[1]);
    gl.uniform1f(this.u.u_normRatio, u.normRatio);
    gl.uniform2f(this.u.u_resolution, params.width, params.height);
    gl.uniform1f(this.u.u_correctionRatio, params.correctionRatio);
    gl.uniform1f(this.u.u_sizeRatio, params.sizeRatio);
    gl.uniform1f(this.u.u_time, u.time % 3600);
    gl.uniform4f(this.u.u_flowColor, ...u.flowColor);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(this.vaos[0]);
    gl.drawArrays(gl.LINES, 0, u.count * LINE_VERTICES);
    gl.bindVertexArray(this.vaos[1]);
    gl.drawArrays(gl.TRIANGLES, 0, u.count * ARROW_VERTICES);
    gl.bindVertexArray(null);
  }

  kill(): void {
    const gl = this.gl;
    for (const v of this.vaos) gl.deleteVertexArray(v);
    for (const b of this.buffers) gl.deleteBuffer(b);
    gl.deleteProgram(this.program);
  }
}
