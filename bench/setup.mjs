import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
// How a bench starts downhill. By default as a new user does: no ready() call, so the first op
// that needs the WebAssembly core starts it (and its worker threads). With `--ready`, after
// `await ready({ waitForThreads: true })`: the opt-in variant, reported beside the default.
//   node bench/x.bench.mjs            the default configuration
//   node bench/x.bench.mjs --ready    the ready() variant (npm run bench -- -- --ready for all)
export const WITH_READY = process.argv.includes("--ready");

export async function start(dh) {
  if (WITH_READY) await dh.ready({ waitForThreads: true });
}

/** One line saying which configuration ran and what the library ran on (call after timing). */
export function configLine(dh) {
  const i = dh.backendInfo();
  return `downhill configuration: ${WITH_READY ? "after await ready({ waitForThreads: true }) (--ready)" : "default, no ready() call"}; ran on ${[i.backend, i.variant, `${i.threads} thread(s)`].filter(Boolean).join(" ")}`;
}

/** The mnist package's 10,000 digits, 80/20 per class into train and test (flat f32 arrays). */
export function loadMnistSplit() {
  const require = createRequire(import.meta.url);
  const train = { x: [], y: [] }, test = { x: [], y: [] };
  for (let d = 0; d < 10; d++) {
    const raw = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), "utf8")).data;
    const n = raw.length / 784, nTrain = Math.floor(0.8 * n);
    for (let s = 0; s < n; s++) {
      const part = s < nTrain ? train : test;
      part.x.push(raw.slice(s * 784, (s + 1) * 784));
      part.y.push(d);
    }
  }
  const pack = (p) => ({ x: Float32Array.from(p.x.flat()), y: Float32Array.from(p.y), n: p.y.length });
  return { train: pack(train), test: pack(test) };
}

/**
 * Dawn finds Vulkan (here Chromium's SwiftShader) through the loader, which reads its variables at
 * process start: unpack the Chromium package (it carries the loader and SwiftShader) and re-run
 * the calling script `url` (its import.meta.url) with them set; returns in that child only. With
 * DOWNHILL_SYSTEM_VULKAN set (bench/gpuKit.mjs's run.sh, on a machine with a GPU driver) the
 * loader variables are the caller's and the script runs as it is.
 */
export async function inVulkanChild(url) {
  if (process.env.DOWNHILL_BENCH_CHILD || process.env.DOWNHILL_SYSTEM_VULKAN) return;
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const chromium = (await import("@sparticuz/chromium")).default;
  await chromium.executablePath();
  const dir = tmpdir();
  const env = { ...process.env, DOWNHILL_BENCH_CHILD: "1" };
  if (existsSync(join(dir, "vk_swiftshader_icd.json")) && !process.env.VK_ICD_FILENAMES) {
    env.LD_LIBRARY_PATH = process.env.LD_LIBRARY_PATH ? `${dir}:${process.env.LD_LIBRARY_PATH}` : dir;
    env.VK_ICD_FILENAMES = join(dir, "vk_swiftshader_icd.json");
  }
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(url), ...process.argv.slice(2)], { env, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

/**
 * The jit bench's MLP: 784-256-10, batch 128, float32, softmax cross-entropy on fixed random
 * inputs (He-scaled weights); `loss(params)` closes over the batch. Shared by bench/jit.bench.mjs
 * and its profiling probe bench/probes/mlpStep.mjs.
 */
export function mlpCase(dh) {
  const B = 128, D = 784, H = 256, C = 10;
  const X = dh.rand([B, D], { seed: 1 });
  const Y = dh.oneHot(Array.from({ length: B }, (_, i) => (i * 7) % C), C);
  const params = {
    w1: dh.randn([D, H], { seed: 2 }).mul(Math.sqrt(2 / D)), b1: dh.zeros([H]),
    w2: dh.randn([H, C], { seed: 3 }).mul(Math.sqrt(2 / H)), b2: dh.zeros([C]),
  };
  const loss = (p) => {
    const h = dh.relu(dh.add(dh.matmul(X, p.w1), p.b1));
    const logits = dh.add(dh.matmul(h, p.w2), p.b2);
    return dh.neg(dh.mean(dh.sum(dh.mul(dh.logSoftmax(logits), Y), -1)));
  };
  return { params, loss };
}
