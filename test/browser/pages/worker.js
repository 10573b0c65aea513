// Module Web Worker: the same checks as the page, on the same bundle, posted back as one message.
import { runChecks } from "./checks.js";

const bundle = new URLSearchParams(self.location.search).get("bundle") ?? "index.js";
import(`/dist/${bundle}`).then(runChecks).then(
  (result) => self.postMessage(result),
  (e) => self.postMessage({ error: String((e && e.stack) || e) }),
);
