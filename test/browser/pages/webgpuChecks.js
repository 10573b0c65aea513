// The WebGPU backend on a page and in a module worker (the built bundle, Chromium's own WebGPU
// over SwiftShader): ready({ backend: "webgpu" }), then kernels with odd shapes against the JS
// reference backend in the same run, an MLP's gradients, fused Adam steps and a lost device.
// Returns a postMessage-able record of the largest differences; the test asserts on them.

function maxDiff(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return a.length === b.length ? d : Infinity;
}

export async function runWebGpuChecks(dh) {
  await dh.ready({ backend: "webgpu" });
  const info = dh.backendInfo();
  if (info.backend !== "webgpu") return { info };
  const onJs = (f) => { dh.setBackend("js"); try { return f(); } finally { dh.setBackend("webgpu"); } };
  const diffs = {};
  // matmuls: odd sizes, a batch, transposes read in place, a matrix-vector product
  for (const [name, sa, sb, ta, tb] of [["matmul 17x33x65", [17, 33], [33, 65], false, false], ["batched A^T", [3, 21, 9], [3, 21, 13], true, false], ["B^T", [70, 19], [66, 19], false, true], ["vector", [1, 300], [300, 37], false, false]]) {
    const a = dh.randn(sa, { seed: 1 }), b = dh.randn(sb, { seed: 2 });
    const f = () => dh.matmul(a, b, { transposeA: ta, transposeB: tb });
    diffs[name] = maxDiff(await f().data(), onJs(() => f().dataSync()));
  }
  // elementwise with broadcasting, reductions, softmax
  const x = dh.randn([5, 7, 3], { seed: 3 });
  const g = (t) => dh.logSoftmax(t.mul(dh.tensor([1, -2, 3])).sum(0).exp().add(t.max([0, 2]).reshape([7, 1])), -1);
  diffs.elementwise = maxDiff(await g(x).data(), onJs(() => g(x).dataSync()));
  // an MLP's gradients
  const X = dh.randn([31, 11], { seed: 4 }), Y = dh.oneHot(Array.from({ length: 31 }, (_, i) => i % 5), 5);
  const loss = (p) => dh.logSoftmax(dh.matmul(dh.relu(dh.matmul(X, p.w1).add(p.b1)), p.w2), -1).mul(Y).sum().neg().div(31);
  const init = () => ({ w1: dh.tensor(dh.randn([11, 23], { seed: 5 }).dataSync()).reshape([11, 23]), b1: dh.zeros([23]), w2: dh.tensor(dh.randn([23, 5], { seed: 6 }).dataSync()).reshape([23, 5]) });
  const p0 = init();
  const gg = dh.grad(loss)(p0), rg = onJs(() => dh.grad(loss)(p0));
  diffs.mlpGrad = Math.max(maxDiff(await gg.w1.data(), rg.w1.dataSync()), maxDiff(await gg.w2.data(), rg.w2.dataSync()), maxDiff(await gg.b1.data(), rg.b1.dataSync()));
  // fused Adam on the GPU against the JS engine
  const p = init(), q = init();
  const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
  const ref = onJs(() => dh.optimizer(dh.adam({ lr: 0.01 }), q, { fused: "js" }));
  for (let s = 0; s < 5; s++) {
    opt.step(dh.grad(loss)(p));
    onJs(() => ref.step(dh.grad(loss)(q)));
  }
  diffs.adam = maxDiff(await p.w1.data(), q.w1.dataSync());
  let syncError = null;
  try { loss(p).item(); } catch (e) { syncError = e.message; }
  // a lost device: values survive, work continues on the WebAssembly core
  const pending = loss(p);
  const lossRef = onJs(() => loss(q).item());
  const gpuInfo = dh.backendInfo();
  const pendingLoss = (await pending.data())[0];
  return { info: gpuInfo, diffs, path: opt.path, syncError, pendingLoss, lossRef, mixed: await mixedChecks(dh, onJs) };
}

/**
 * Mixed precision (binary16 storage, float32 arithmetic) on a backend started for it: a product
 * with odd sizes near the float32 reference but not equal to it, every stored value a binary16
 * value (Float16Array round-trips it), and a compiled chain over a product equal to eager's bits.
 */
async function mixedChecks(dh, onJs) {
  await dh.ready({ backend: "webgpu", precision: "mixed" });
  const a = dh.randn([37, 53], { seed: 8 }), b = dh.randn([53, 29], { seed: 9 }), bias = dh.randn([29], { seed: 10 });
  const prod = await dh.matmul(a, b).data();
  const ref = onJs(() => dh.matmul(a, b).dataSync());
  const notHalf = (values) => values.filter((v) => new Float16Array([v])[0] !== v).length;
  const chain = (a, b, bias) => [dh.relu(dh.matmul(a, b).add(bias)).mul(0.25).exp().sub(1), dh.sum(dh.matmul(a, b), 0)]; // exp stays in binary16 range
  const compiled = dh.jit(chain);
  const got = compiled(a, b, bias), want = chain(a, b, bias);
  const jitDiff = Math.max(maxDiff(await got[0].data(), await want[0].data()), maxDiff(await got[1].data(), await want[1].data()));
  return { productDiff: maxDiff(prod, ref), productNotHalf: notHalf(prod), chainNotHalf: notHalf(await got[0].data()), jitDiff, jitCompiled: compiled.stats.compiledCalls, precision: dh.backendInfo().precision };
}

/** Destroys the backend's device (reached through the page's own hook) and checks recovery. */
export async function lossChecks(dh, device) {
  const X = dh.randn([9, 4], { seed: 7 });
  const w = dh.tensor([1, 2, 3, 4]).reshape([4, 1]);
  const y = dh.matmul(X, w).tanh(); // on the GPU, never read
  const want = dh.matmul(X, w).tanh();
  const wantValues = await want.data();
  device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const info = dh.backendInfo();
  return { info, diff: maxDiff(await y.data(), wantValues), after: dh.matmul(X, w).sum().item() };
}
