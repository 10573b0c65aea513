// Runs every bench/*.bench.mjs in sequence, each in its own `node --expose-gc` process, forwarding
// its output. Benches print tables with ratios against peers measured in the same run; nothing
// here asserts a time. `npm run bench` builds first.
//   node --expose-gc bench/run.mjs              every bench file
//   node --expose-gc bench/run.mjs startup mlp  only files whose name contains one of the words
// Extra flags after `--` are passed to every bench (e.g. `-- --quick`).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const filters = dash < 0 ? argv : argv.slice(0, dash);
const passThrough = dash < 0 ? [] : argv.slice(dash + 1);

const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`bench/run.mjs: no bench/*.bench.mjs matches ${JSON.stringify(filters)}`);
  process.exit(1);
}

const failed = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--expose-gc", join(here, file), ...passThrough], { stdio: "inherit", cwd: join(here, "..") });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed.push(file);
    console.log(`=== ${file}: FAILED (exit ${r.status ?? r.signal}) after ${seconds} s ===`);
  } else console.log(`=== ${file}: done in ${seconds} s ===`);
}
if (failed.length) {
  console.log(`\n${failed.length} of ${files.length} bench files failed: ${failed.join(", ")}`);
  process.exit(1);
}
