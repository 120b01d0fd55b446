/**
 * Copies a strided view into fresh row-major storage. Small views go through our generated
 * copy loop; large ones through ndarray-ops' `assign`, whose cwise loops walk the source in
 * its own stride order and win on big transposed copies (bench/elementwise.ts measures both).
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { rowMajorStrides, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { ElementwiseKernel } from '../kernels/elementwise.js';

const copyKernel = new ElementwiseKernel(['x'], 'x');

/** Below this many elements the fixed cost of an ndarray-ops call (~0.8 µs) dominates. */
export const NDARRAY_OPS_MIN_SIZE = 4096;

/** `x` itself when already contiguous, otherwise a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : copy(x);
}

/** A fresh contiguous copy of `x`. */
export function copy(x: Tensor): Tensor {
  const shape = x.shape;
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  if (n >= NDARRAY_OPS_MIN_SIZE) {
    ops.assign(ndarray(out, shape.slice(), rowMajorStrides(shape), 0), x.nd);
  } else {
    copyKernel.run(out, shape, [x.nd]);
  }
  return Tensor.fromData(out, shape);
}
