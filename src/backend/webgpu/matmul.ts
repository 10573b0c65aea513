/**
 * Which product kernel of kernels/matmul.wgsl runs a shape. Matrix-vector products (m = 1 or
 * n = 1) take the dot kernels: a workgroup per output where each output's operand run is
 * contiguous (reads coalesce across the group), one invocation per output otherwise (neighbouring
 * invocations read neighbouring values). Large products take the wide kernel (128 x 128 tiles,
 * 8 x 8 outputs per invocation in vec4s). The rest take the tiled kernel: 64 x 64 tiles with 4 x 4
 * outputs per invocation when both sides reach 64, else 16 x 16 tiles with one output each, which
 * wastes less of a tile on small or skinny products.
 */

/** 0 none, 1 + bias, 2 relu(. + bias), 3 relu(.) (kernels/matmul.wgsl EPI). */
export type Epilogue = 0 | 1 | 2 | 3;

export type MatmulPlan =
  | { kind: "dot"; entry: "dotGroup" | "dotLane"; uIsA: boolean; outN: number; us: number; uo: number; up: number; vs: number; vp: number }
  | { kind: "tiled"; r: 1 | 4; bk: number }
  | { kind: "wide" }
  | { kind: "direct" };

/**
 * How products run on this adapter: `tiled` (workgroup memory; the wide or tiled kernel by size)
 * on hardware, `direct` on a CPU-backed one (the direct kernel, or the wide one where it fills its
 * tiles: its barriers come once per 8 depth steps of 64 outputs). `wide` takes the wide kernel for every product that
 * is not matrix-vector, whatever its size: for tests, whose shapes stay small on SwiftShader.
 */
export type MatmulFlavor = "tiled" | "direct" | "wide";

/** The wide kernel's square tile of C (kernels/matmul.wgsl `wide`: 16 x 16 invocations, 8 x 8 outputs each). */
export const WIDE_TILE = 128;
/**
 * The fewest 128 x 128 tiles for which products take the wide kernel: below it the 64 x 64 tiles
 * of `tiled` keep more workgroups in flight (a 1024² product is 64 wide tiles, under half the
 * multiprocessors of a large GPU). A judgement, not a measurement: no hardware GPU has run here.
 */
export const WIDE_MIN_GROUPS = 128;

/** The share of the wide kernel's tiles that a product's output fills. */
function wideFill(m: number, n: number): number {
  return (m * n) / (Math.ceil(m / WIDE_TILE) * Math.ceil(n / WIDE_TILE) * WIDE_TILE * WIDE_TILE);
}

export function chooseMatmul(m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue, flavor: MatmulFlavor = "tiled", batch = 1): MatmulPlan {
  // CPU-backed adapters: the wide kernel where both sides reach 96 and it fills half its tiles
  // (on SwiftShader 1.2-2.5x the direct kernel there: 128 x 784 x 256 0.72 against 0.30 GFLOP/s,
  // 100³ 0.31 against 0.25; at 200 x 129, a third filled, 0.23 against 0.31:
  // `node bench/probes/webgpuMatmul.mjs 100 128,784,256 200,300,129`)
  if (flavor === "direct") return m >= 96 && n >= 96 && wideFill(m, n) >= 0.5 ? { kind: "wide" } : { kind: "direct" };
  if (epi === 0 && (m === 1 || n === 1)) {
    if (m === 1) {
      // U = B (k x n as stored), V = the row a
      const up = transB ? 1 : n, uo = transB ? k : 1;
      return { kind: "dot", entry: up === 1 ? "dotGroup" : "dotLane", uIsA: false, outN: n, us: k * n, uo, up, vs: k, vp: 1 };
    }
    const up = transA ? m : 1, uo = transA ? 1 : k;
    return { kind: "dot", entry: up === 1 ? "dotGroup" : "dotLane", uIsA: true, outN: m, us: m * k, uo, up, vs: k, vp: 1 };
  }
  if (flavor === "wide") return { kind: "wide" };
  if (m >= WIDE_TILE && n >= WIDE_TILE && batch * Math.ceil(m / WIDE_TILE) * Math.ceil(n / WIDE_TILE) >= WIDE_MIN_GROUPS) return { kind: "wide" };
  return m >= 64 && n >= 64 ? { kind: "tiled", r: 4, bk: 16 } : { kind: "tiled", r: 1, bk: 16 };
}
