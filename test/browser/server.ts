// A tiny static file server for the browser tests: serves the repository root (dist/ and
// test/browser/pages/) on 127.0.0.1 at a random port. Every response carries the
// cross-origin-isolation headers (COOP same-origin + COEP require-corp) so that the page and its
// workers get SharedArrayBuffer, which the WebAssembly thread pool needs.
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

export interface StaticServer {
  /** e.g. "http://127.0.0.1:40123" (no trailing slash). */
  readonly origin: string;
  /** Paths requested so far (for assertions such as "no side file was fetched"). */
  readonly requested: string[];
  close(): Promise<void>;
}

/** Serves files under `root`; `isolate: false` drops the COOP/COEP headers. */
export async function serveStatic(root: string, options: { isolate?: boolean } = {}): Promise<StaticServer> {
  const base = resolve(root);
  const isolate = options.isolate ?? true;
  const requested: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requested.push(path);
    const file = normalize(join(base, path));
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (isolate) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    try {
      if (file !== base && !file.startsWith(base + sep)) throw new Error("outside root");
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("static server: no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    requested,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
