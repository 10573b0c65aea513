// Runs inside a Node worker_threads Worker: imports the built bundle and runs the same checks as
// the browser page (test/browser/pages/checks.js), then posts the record to the parent.
import { parentPort, workerData } from "node:worker_threads";
import { runChecks } from "../browser/pages/checks.js";

try {
  const dh = await import(workerData.bundleUrl);
  parentPort.postMessage(await runChecks(dh));
} catch (e) {
  parentPort.postMessage({ error: String((e && e.stack) || e) });
}
