/// <reference types="@webgpu/types" />
/**
 * The fused optimizer on the GPU: parameters and moments stay resident in device buffers across
 * steps (each leaf's storage becomes a GpuStorage once, at construction) and each step is one
 * dispatch per leaf of kernels/optim.wgsl, updating them in place; gradients that are CPU arrays
 * are uploaded. SGD (momentum, Nesterov, weight decay), Adam and AdamW (amsgrad included) and
 * Lion; a global-norm clip, AdaGrad and RMSProp return null (the optimizer's pure path, which
 * runs on the GPU too, op by op). Every step gives each leaf a new lineage (the JS engine's
 * formulas over the previous ones), and every SNAPSHOT_STEPS steps the leaves are read back in
 * the background to cut it, so a lost device keeps the parameters and moments.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import type { Storage } from "../backend.js";
import { adamBiasCorrection, adamScalars } from "../fused/formulas.js";
import type { FusedEngine, FusedEngineRequest, FusedStep, StorageCell } from "../fused/spec.js";
import { adamJs, lionJs, sgdJs, type StepScalars } from "../js/fusedSteps.js";
import type { EngineHost } from "./backend.js";
import { resolveLineage, type Lineage } from "./storage.js";

const SNAPSHOT_STEPS = 16;
const WG = 256;

export class WebGpuEngine implements FusedEngine {
  readonly path = "webgpu";
  readonly threads = 1;
  private steps = 0;
  private constructor(private readonly spec: FusedStep, private readonly params: StorageCell[], private readonly slots: StorageCell[][], private readonly h: EngineHost) {}

  static create(request: FusedEngineRequest, h: EngineHost): WebGpuEngine | null {
    const s = request.step;
    if (s.clipNorm !== undefined || !(s.kind === "sgd" || s.kind === "adam" || s.kind === "lion")) return null;
    const e = new WebGpuEngine(s, request.params, request.slots, h);
    for (const c of request.params) e.resident(c);
    for (const slot of request.slots) for (const c of slot) e.resident(c);
    return e;
  }

  /** Gives a cell storage of its own on the device (a copy: the engine writes it in place). */
  private resident(c: StorageCell): void {
    const h = this.h;
    const src = c._storage;
    const lin = h.lineageOf(src);
    const g = h.newStorage(c.size, { cpu: lin.cpu ? lin.cpu.slice() : null, replay: lin.cpu ? null : () => resolveLineage(lin).slice(), depth: lin.depth });
    h.ctx.copy(h.bufferOf(src), g.buffer!, c.size * 4);
    c._storage = g as unknown as Storage;
  }

  step(grads: readonly Storage[], count: number, lr: number): void {
    const h = this.h, ctx = h.ctx, spec = this.spec;
    if (ctx.lost) return this.stepOnHost(grads, count, lr);
    const c: StepScalars = { lr, gScale: 1, clip: false, count };
    let hyper: Float32Array, flags = 0, entry: string;
    switch (spec.kind) {
      case "sgd": {
        const hp = spec.hp;
        hyper = new Float32Array([lr, hp.wd, hp.momentum, 1 - hp.dampening, 1]);
        flags = (hp.nesterov ? 1 : 0) | (count === 0 ? 2 : 0);
        entry = "sgd";
        break;
      }
      case "adam": {
        const hp = spec.hp;
        const [bc1, sqrtBc2] = adamBiasCorrection(hp.b1, hp.b2, count + 1, hp.biasCorrection);
        const [s, epsHat] = adamScalars(bc1, sqrtBc2, hp.eps);
        hyper = new Float32Array([lr, hp.wd, hp.b1, hp.b2, s, epsHat, 1]);
        flags = (hp.decoupled ? 1 : 0) | (hp.amsgrad ? 2 : 0);
        entry = "adam";
        break;
      }
      case "lion": {
        const hp = spec.hp;
        hyper = new Float32Array([lr, hp.wd, hp.b1, hp.b2, 1]);
        entry = "lion";
        break;
      }
      default: throw new h.BackendError(`optimizer.step: no WebGPU kernel for ${spec.kind}`);
    }
    const pipe = ctx.pipeline("optim", entry);
    const nSlots = this.slots.length;
    const snap = ++this.steps % SNAPSHOT_STEPS === 0;
    for (let l = 0; l < this.params.length; l++) {
      const P = this.params[l], n = P.size;
      for (const slot of this.slots) if (!h.isGpu(slot[l]._storage)) this.resident(slot[l]);
      if (!h.isGpu(P._storage)) this.resident(P);
      const pg = h.gpuOf(P._storage), sg = this.slots.map((s) => h.gpuOf(s[l]._storage));
      const gl = h.lineageOf(grads[l]);
      // the new versions' lineage: the JS engine's kernel over the old versions (on a lost device)
      const before: Lineage[] = [pg.lin, ...sg.map((g) => g.lin)];
      let memo: FloatArray[] | null = null;
      const replayAll = (): FloatArray[] => {
        if (memo) return memo;
        const Pc = resolveLineage(before[0]).slice(), S = before.slice(1).map((b) => resolveLineage(b).slice()), G = resolveLineage(gl);
        runJs(spec, Pc, G, S, n, c);
        return (memo = [Pc, ...S]);
      };
      const depth = 1 + Math.max(gl.cpu ? 0 : gl.depth, ...before.map((b) => (b.cpu ? 0 : b.depth)));
      pg.lin = { cpu: null, replay: () => replayAll()[0], depth };
      sg.forEach((g, k) => (g.lin = { cpu: null, replay: () => replayAll()[k + 1], depth }));
      if (n > 0) {
        // every slot binding the entry point names must be bound (WGSL's static use), so absent
        // moments (SGD without momentum, Adam without amsgrad) get a placeholder
        const want = spec.kind === "adam" ? 3 : 1;
        const slotBufs = Array.from({ length: want }, (_, k) => (k < sg.length ? sg[k].buffer! : h.placeholder()));
        ctx.dispatch(pipe, [pg.buffer!, h.bufferOf(grads[l]), ...slotBufs, hyper, new Uint32Array([n, flags])], ctx.grid(Math.ceil(n / WG)), [0, 1, ...slotBufs.map((_, k) => 2 + k), 5, 6]);
      }
      if (snap || depth > 48) {
        h.snapshot(pg);
        for (let k = 0; k < nSlots; k++) h.snapshot(sg[k]);
      }
    }
  }

  /** After a device loss: the JS engine's step on the recovered values. */
  private stepOnHost(grads: readonly Storage[], count: number, lr: number): void {
    const h = this.h;
    const c: StepScalars = { lr, gScale: 1, clip: false, count };
    for (let l = 0; l < this.params.length; l++) {
      const P = this.params[l];
      const toCpu = (cell: StorageCell): FloatArray => {
        if (h.isGpu(cell._storage)) cell._storage = resolveLineage(h.gpuOf(cell._storage).lin) as unknown as Storage;
        return cell._storage as unknown as FloatArray;
      };
      const Pc = toCpu(P), S = this.slots.map((s) => toCpu(s[l]));
      const G = h.isGpu(grads[l]) ? resolveLineage(h.gpuOf(grads[l]).lin) : (grads[l] as unknown as FloatArray);
      runJs(this.spec, Pc, G, S, P.size, c);
    }
  }

  syncOut(): void {}
  syncIn(): void {}
  dispose(): void {}
}

function runJs(spec: FusedStep, P: FloatArray, G: FloatArray, S: FloatArray[], n: number, c: StepScalars): void {
  if (spec.kind === "sgd") sgdJs(P, G, S, n, spec.hp, c, Math.fround);
  else if (spec.kind === "adam") adamJs(P, G, S, n, spec.hp, c, Math.fround);
  else if (spec.kind === "lion") lionJs(P, G, S, n, spec.hp, c, Math.fround);
}
