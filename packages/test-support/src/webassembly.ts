/**
 * Stand-ins for the global `WebAssembly`, for tests of the kernels' JavaScript fallbacks: what a
 * browser page whose Content-Security-Policy lacks 'wasm-unsafe-eval' offers (validation works,
 * compiling throws, as Chromium says it).
 */

/** `WebAssembly` as a page that forbids compiling it has it. */
export function cspForbiddingWebAssembly(): unknown {
  const real = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean; Instance: unknown } }).WebAssembly;
  return {
    validate: (bytes: Uint8Array) => real.validate(bytes),
    Module: class {
      constructor() {
        throw new Error("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source");
      }
    },
    Instance: real.Instance,
  };
}
