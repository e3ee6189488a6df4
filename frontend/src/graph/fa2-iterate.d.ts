// Types for graphology-layout-forceatlas2's single-iteration function (plain CommonJS, no typings).
declare module "graphology-layout-forceatlas2/iterate.js" {
  export interface FA2IterateOptions {
    linLogMode: boolean;
    outboundAttractionDistribution: boolean;
    adjustSizes: boolean;
    edgeWeightInfluence: number;
    scalingRatio: number;
    strongGravityMode: boolean;
    gravity: number;
    slowDown: number;
    barnesHutOptimize: boolean;
    barnesHutTheta: number;
  }
  /**
   * One ForceAtlas2 iteration over flat matrices: 10 floats per node
   * (x, y, dx, dy, old dx, old dy, mass, convergence, size, fixed) and 3 per
   * edge (source offset, target offset, weight; offsets are index * 10).
   */
  export default function iterate(options: FA2IterateOptions, nodes: Float32Array, edges: Float32Array): object;
}
