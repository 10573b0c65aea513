// Module Web Worker: the same checks as the page, posted back as one message.
import * as dh from "/dist/index.js";
import { runChecks } from "./checks.js";

runChecks(dh).then(
  (result) => self.postMessage(result),
  (e) => self.postMessage({ error: String((e && e.stack) || e) }),
);
