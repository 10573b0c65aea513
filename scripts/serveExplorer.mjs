// Serves the built explorer (dist-explorer/, scripts/buildExplorer.mjs) on 127.0.0.1 and prints
// its URL. PORT picks the port (default 8017; 0 = any free one). The cross-origin-isolation headers
// give the page SharedArrayBuffer, so the WebAssembly core may start its threads; the page works
// without them too (and from file://).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";

const root = resolve(process.argv[2] ?? "dist-explorer");
const port = Number(process.env.PORT ?? 8017);
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".png": "image/png" };

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const file = normalize(join(root, path === "/" ? "index.html" : path));
  const headers = { "Cache-Control": "no-store", "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
  try {
    if (!file.startsWith(root + sep)) throw new Error("outside the root");
    const body = await readFile(file);
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
    res.end("not found");
  }
});
// A busy default port: take any free one instead (an explicit PORT is an error).
server.on("error", (e) => {
  if (e.code === "EADDRINUSE" && process.env.PORT === undefined) server.listen(0, "127.0.0.1");
  else throw e;
});
server.on("listening", () => {
  const a = server.address();
  console.log(`downhill explorer: http://127.0.0.1:${a.port}/  (Ctrl-C to stop; or open ${join(root, "index.html")} directly)`);
});
server.listen(port, "127.0.0.1");
