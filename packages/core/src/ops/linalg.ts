/**
 * Matrix product, the hot path of every MLP. Operands are at least 2-D here (the public
 * `matmul` promotes vectors as NumPy does); leading axes are batch axes and broadcast.
 * Transposed operands are strided views that the kernel reads in place, so the products
 * backprop needs (ȳWᵀ, xᵀȳ) never copy their operands.
 */
import { broadcastShapes, rowMajorStrides, sizeOf } from '../shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { gemmBatch } from '../kernels/paths.js';
import type { Algebra } from './algebra.js';
import { bilinear, unbroadcast } from './define.js';

/** Swaps the last two axes (a view): the matrix transpose of every batch element. */
export function mT<T>(o: Algebra<T>, x: T): T {
  const r = o.shape(x).length;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return o.permute(x, perm);
}

/**
 * z = x·w over the last two axes.
 * ż = ẋ·w + x·ẇ,  x̄ = z̄·wᵀ,  w̄ = xᵀ·z̄  (each summed back over broadcast batch axes)
 */
export const matmul = bilinear({
  name: 'matmul',
  primal: ([a, b]) => {
    if (a.ndim < 2 || b.ndim < 2) {
      throw new ShapeError('matmul', `expects operands of rank ≥ 2 here, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    }
    const m = a.shape[a.ndim - 2];
    const k = a.shape[a.ndim - 1];
    const k2 = b.shape[b.ndim - 2];
    const n = b.shape[b.ndim - 1];
    if (k !== k2) {
      throw new ShapeError(
        'matmul',
        `cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (inner dimensions ${k} ≠ ${k2})`,
      );
    }
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    let batch: number[];
    try {
      batch = broadcastShapes('matmul', aBatch, bBatch);
    } catch {
      throw new ShapeError(
        'matmul',
        `batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot broadcast (${fmtShape(aBatch)} vs ${fmtShape(bBatch)})`,
      );
    }
    const shape = [...batch, m, n];
    const out = new Float64Array(sizeOf(shape));
    const [aRs, aCs] = a.stride.slice(-2);
    const [bRs, bCs] = b.stride.slice(-2);
    const count = sizeOf(batch);
    const aOffsets = new Array<number>(count);
    const bOffsets = new Array<number>(count);
    const aStride = batchStrides(a, batch);
    const bStride = batchStrides(b, batch);
    const index = rowMajorStrides(batch);
    for (let t = 0; t < count; t++) {
      let aOff = a.offset;
      let bOff = b.offset;
      let rest = t;
      for (let d = 0; d < batch.length; d++) {
        const i = Math.floor(rest / index[d]);
        rest -= i * index[d];
        aOff += i * aStride[d];
        bOff += i * bStride[d];
      }
      aOffsets[t] = aOff;
      bOffsets[t] = bOff;
    }
    gemmBatch(m, n, k, a.data, aOffsets, aRs, aCs, b.data, bOffsets, bRs, bCs, out);
    return Tensor.fromData(out, shape);
  },
  transposeX: (o, zBar, x, w) => unbroadcast(o, o.matmul(zBar, mT(o, w)), o.shape(x)),
  transposeY: (o, zBar, x, w) => unbroadcast(o, o.matmul(mT(o, x), zBar), o.shape(w)),
});

/** Strides of x's batch axes aligned to the broadcast batch shape (0 where broadcast). */
function batchStrides(x: Tensor, batch: readonly number[]): number[] {
  const own = x.ndim - 2;
  const lead = batch.length - own;
  return batch.map((_, d) => (d < lead || x.shape[d - lead] === 1 ? 0 : x.stride[d - lead]));
}
