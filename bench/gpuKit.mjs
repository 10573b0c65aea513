// Packs what bench/webgpu.bench.mjs needs to run on a machine that has a GPU but no Node, no npm
// registry and no network (the device machine some sessions are lent: an NVIDIA H200 with its
// Vulkan driver, nothing else of ours): this Node binary, dist/, the bench, Dawn's Linux binding,
// tfjs-core and tfjs-backend-webgpu (the same-run peer), the mnist digits and the Vulkan loader
// that @sparticuz/chromium carries, as one .gpukit/kit.tar.xz (about 40 MB), and
// .gpukit/run.sh, the one command to run there. Build first; x86-64 Linux only (Dawn's binding
// and this Node are the host's).
//   npm run build && node bench/gpuKit.mjs
// then, on the device tool: run({ command: "bash .gpukit/run.sh", carry: [".gpukit"], timeout_s: 540 })
// run.sh unpacks the kit in /tmp, points the loader at the NVIDIA ICD (or the system's), and runs
// the full bench (no browser: the machine has none) with its log in $OUT/webgpu-bench.log.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".gpukit");
const stage = join(tmpdir(), "downhill-gpukit");
if (process.platform !== "linux" || process.arch !== "x64") throw new Error(`gpuKit: x86-64 Linux only (Dawn's binding and the Node binary are the host's), this is ${process.platform}-${process.arch}`);
if (!existsSync(join(root, "dist/index.js")) || !existsSync(join(root, "dist/webgpu.js"))) throw new Error("gpuKit: dist/ is missing: run `npm run build` first");

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const copy = (from, to = from) => cpSync(join(root, from), join(stage, to), { recursive: true });
const nm = (p) => join("node_modules", p);

// the library, the bench and its helper
copy("dist");
for (const f of ["bench/webgpu.bench.mjs", "bench/setup.mjs", "bench/probes/mixedBytes.mjs", "package.json"]) copy(f);
// Dawn's binding: its entry and the Linux x86-64 binary only (the package is 137 MB for all platforms)
for (const f of ["package.json", "index.js", "dist/linux-x64/dawn.node"]) copy(nm(`webgpu/${f}`));
// the peer: each package's Node entry (its "main") and package.json, and the small packages they require
for (const pkg of ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-webgpu"]) {
  const meta = JSON.parse(readFileSync(join(root, nm(`${pkg}/package.json`)), "utf8"));
  for (const f of ["package.json", meta.main]) copy(nm(`${pkg}/${f}`));
}
for (const pkg of ["seedrandom", "node-fetch", "whatwg-url", "tr46", "webidl-conversions", "long"]) copy(nm(pkg));
// the real digits loadMnist reads
copy(nm("mnist/package.json"));
copy(nm("mnist/src/digits"));
// the Vulkan loader (libvulkan.so.1) that @sparticuz/chromium unpacks; the driver is the machine's
const require = createRequire(import.meta.url);
const chromium = (await import(require.resolve("@sparticuz/chromium"))).default;
await chromium.executablePath();
cpSync(join(tmpdir(), "libvulkan.so.1"), join(stage, "vulkan/libvulkan.so.1"));
// this Node
cpSync(process.execPath, join(stage, "node"));

mkdirSync(out, { recursive: true });
execFileSync("tar", ["-C", stage, "-cJf", join(out, "kit.tar.xz"), "."], { env: { ...process.env, XZ_OPT: "-6 -T0" } });
writeFileSync(join(out, "run.sh"), `#!/bin/bash
# Made by bench/gpuKit.mjs (${new Date().toISOString()}, from ${execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"]).toString().trim()}): the WebGPU bench on this machine's GPU.
set -o pipefail
KIT=/tmp/downhill-kit
rm -rf "$KIT" && mkdir -p "$KIT" && tar -C "$KIT" -xJf "$(dirname "$0")/kit.tar.xz" || exit 1
ICD=""
for f in "$VK_DRIVER_FILES" /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -n "$f" ] && [ -f "$f" ]; then ICD="$f"; break; fi
done
echo "vulkan driver manifest: \${ICD:-none found}"; [ -n "$ICD" ] && cat "$ICD" && echo
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null
export LD_LIBRARY_PATH="$KIT/vulkan:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:\${LD_LIBRARY_PATH}"
export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD" DOWNHILL_SYSTEM_VULKAN=1
LOG="\${OUT:-/tmp}/webgpu-bench.log"
cd "$KIT" && ./node --expose-gc bench/webgpu.bench.mjs --no-browser "$@" 2>&1 | tee "$LOG"
./node bench/probes/mixedBytes.mjs 2>&1 | tee -a "$LOG"
`, { mode: 0o755 });
rmSync(stage, { recursive: true, force: true });
const mb = (f) => (statSync(f).size / 2 ** 20).toFixed(1);
console.log(`.gpukit/kit.tar.xz ${mb(join(out, "kit.tar.xz"))} MiB and .gpukit/run.sh written (the device tool carries at most 64 MiB with the working tree)`);
