/**
 * Which product kernel of kernels/matmul.wgsl runs a shape. Matrix-vector products (m = 1 or
 * n = 1) take the dot kernels: a workgroup per output where each output's operand run is
 * contiguous (reads coalesce across the group), one invocation per output otherwise (neighbouring
 * invocations read neighbouring values). The rest take the tiled kernel: 64 x 64 tiles with 4 x 4
 * outputs per invocation when both sides reach 64, else 16 x 16 tiles with one output each, which
 * wastes less of a tile on small or skinny products.
 */

/** 0 none, 1 + bias, 2 relu(. + bias), 3 relu(.) (kernels/matmul.wgsl EPI). */
export type Epilogue = 0 | 1 | 2 | 3;

export type MatmulPlan =
  | { kind: "dot"; entry: "dotGroup" | "dotLane"; uIsA: boolean; outN: number; us: number; uo: number; up: number; vs: number; vp: number }
  | { kind: "tiled"; r: 1 | 4; bk: number }
  | { kind: "direct" };

/** How products run on this adapter: `tiled` (workgroup memory) on hardware, `direct` on a CPU-backed one. */
export type MatmulFlavor = "tiled" | "direct";

export function chooseMatmul(m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue, flavor: MatmulFlavor = "tiled"): MatmulPlan {
  if (flavor === "direct") return { kind: "direct" };
  if (epi === 0 && (m === 1 || n === 1)) {
    if (m === 1) {
      // U = B (k x n as stored), V = the row a
      const up = transB ? 1 : n, uo = transB ? k : 1;
      return { kind: "dot", entry: up === 1 ? "dotGroup" : "dotLane", uIsA: false, outN: n, us: k * n, uo, up, vs: k, vp: 1 };
    }
    const up = transA ? m : 1, uo = transA ? 1 : k;
    return { kind: "dot", entry: up === 1 ? "dotGroup" : "dotLane", uIsA: true, outN: m, us: m * k, uo, up, vs: k, vp: 1 };
  }
  return m >= 64 && n >= 64 ? { kind: "tiled", r: 4, bk: 16 } : { kind: "tiled", r: 1, bk: 16 };
}
