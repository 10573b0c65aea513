// Module Web Worker: the WebGPU backend checks of the page (navigator.gpu exists in workers too).
import { runWebGpuChecks } from "./webgpuChecks.js";

import("/dist/index.js").then(runWebGpuChecks).then(
  (result) => self.postMessage(result),
  (e) => self.postMessage({ error: String((e && e.stack) || e) }),
);
