/**
 * The WebAssembly kernels of @ad/core: the entry that packages/core/scripts/build-wasm.mjs
 * compiles, once with plain SIMD and once with relaxed SIMD.
 */
export { heapBase, gemm } from './gemm';
export { adam, adamTransposed } from './adam';
export { expTable, expInPlace } from './exp';
