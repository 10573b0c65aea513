// The fingerprint of the WebAssembly ABI: FNV-1a (32-bit) over the sorted export names, as 8 hex
// digits. scripts/buildWasm.mjs writes it for the binaries it builds (build/downhill.abi, inlined
// in the bundle); `ready({ wasmModule })` recomputes it for a module the caller compiled and
// refuses one from another version of downhill. No dependency: the build loads this file as is.
export function abiHash(exportNames: readonly string[]): string {
  const text = [...exportNames].sort().join(",");
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
