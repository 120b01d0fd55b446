/**
 * The WebAssembly kernels of @ad/core: the entry that packages/core/scripts/build-wasm.mjs
 * compiles, once with plain SIMD and once with relaxed SIMD.
 */
export { heapBase, packBytes, gemm, gemmUnits, packUnits } from './gemm';
export { adam, adamTransposed, adamUnits } from './adam';
export { expTable, expInPlace } from './exp';
