/**
 * Copies a strided view into fresh row-major storage. Small views go through our generated
 * copy loop; large ones walk the source in its own stride order (as ndarray-ops' cwise loops
 * do), which wins on big transposed copies (bench/elementwise.ts measures both). Written by
 * hand rather than with ndarray-ops, whose loops are compiled with `new Function` when it is
 * imported, which a strict Content-Security-Policy forbids.
 */
import { allocate } from '../kernels/alloc.js';
import { rowMajorStrides, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { copyKernel } from '../kernels/elementwise.js';

/** Below this many elements the set-up of the source-order walk (~0.8 µs) dominates. */
export const SOURCE_ORDER_MIN_SIZE = 4096;

/** `x` itself when already contiguous, otherwise a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : copy(x);
}

/** A fresh contiguous copy of `x`. */
export function copy(x: Tensor): Tensor {
  const shape = x.shape;
  const n = sizeOf(shape);
  const out = allocate(n);
  if (n >= SOURCE_ORDER_MIN_SIZE) copyInSourceOrder(out, x);
  else copyKernel.run(out, shape, [x.nd]);
  return Tensor.fromData(out, shape);
}

/**
 * out (row-major) ← x, visiting x's axes from the largest |stride| to the smallest, so reads
 * stream through memory and writes scatter (a transposed read costs a cache miss per element;
 * a scattered write to a fresh buffer, measured, costs less).
 */
function copyInSourceOrder(out: Float64Array, x: Tensor): void {
  const outStride = rowMajorStrides(x.shape);
  const axes = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  axes.sort((a, b) => Math.abs(x.stride[b]) - Math.abs(x.stride[a]));
  const shape = axes.map((a) => x.shape[a]);
  const xs = axes.map((a) => x.stride[a]);
  const os = axes.map((a) => outStride[a]);
  const data = x.data;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = data[x.offset];
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const xInner = xs[last];
  const oInner = os[last];
  const index = new Array<number>(rank).fill(0);
  let xPos = x.offset;
  let oPos = 0;
  for (let done = 0, total = out.length; done < total; done += inner) {
    for (let j = 0; j < inner; j++) out[oPos + j * oInner] = data[xPos + j * xInner];
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      xPos += xs[d];
      oPos += os[d];
      if (index[d] < shape[d]) break;
      xPos -= xs[d] * shape[d];
      oPos -= os[d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * dst ← src element by element, for two views of one shape (any strides, any offsets): the
 * placing half of unslice, pad and concat. Axes along which both views are contiguous merge into
 * one, and the innermost axis is a block copy (`TypedArray.set`) when both step by 1, so placing
 * a contiguous tensor into a slab of a larger one is a handful of memcpys rather than one call
 * per element.
 */
export function assign(dst: Tensor, src: Tensor): void {
  const { shape, dstStride, srcStride } = mergeAxes(dst.shape, dst.stride, src.stride);
  const n = sizeOf(shape);
  if (n === 0) return;
  const rank = shape.length;
  const out = dst.data;
  const data = src.data;
  if (rank === 0) {
    out[dst.offset] = data[src.offset];
    return;
  }
  const last = rank - 1;
  const inner = shape[last];
  const dInner = dstStride[last];
  const sInner = srcStride[last];
  const block = dInner === 1 && sInner === 1;
  const index = new Array<number>(rank).fill(0);
  let dPos = dst.offset;
  let sPos = src.offset;
  for (let done = 0; done < n; done += inner) {
    if (block) out.set(data.subarray(sPos, sPos + inner), dPos);
    else for (let j = 0; j < inner; j++) out[dPos + j * dInner] = data[sPos + j * sInner];
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      dPos += dstStride[d];
      sPos += srcStride[d];
      if (index[d] < shape[d]) break;
      dPos -= dstStride[d] * shape[d];
      sPos -= srcStride[d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * The shape and both views' strides with axes of size 1 dropped and each axis folded into the
 * next one where both views step over it as one run (stride[i] = stride[i+1]·shape[i+1]).
 */
function mergeAxes(shape: readonly number[], a: readonly number[], b: readonly number[]): { shape: number[]; dstStride: number[]; srcStride: number[] } {
  const s: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && as[k] === a[i] * shape[i] && bs[k] === b[i] * shape[i]) {
      s[k] *= shape[i];
      as[k] = a[i];
      bs[k] = b[i];
    } else {
      s.push(shape[i]);
      as.push(a[i]);
      bs.push(b[i]);
    }
  }
  return { shape: s, dstStride: as, srcStride: bs };
}
