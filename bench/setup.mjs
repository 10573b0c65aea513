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
