/**
 * Matrix product, the hot path of every MLP. Operands are at least 2-D here (the public
 * `matmul` promotes vectors as NumPy does); leading axes are batch axes and broadcast.
 * Transposed operands are strided views that the kernel reads in place, so the products
 * backprop needs (ȳWᵀ, xᵀȳ) never copy their operands.
 */
import { allocateUnfilled } from '../kernels/alloc.js';
import { broadcastShapes, rowMajorStrides, sizeOf } from '../shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { gemmBatch } from '../kernels/paths.js';
import type { Algebra } from './algebra.js';
import { bilinear, unbroadcast, withMethod, type Op, type OpWithMethod } from './define.js';
import type { MethodContext, Self } from './signature.js';
import { alignBatched, exampleShape, type BatchRule } from './batching.js';
import { groupBy, strideMap, type Dependence, type PatternRule } from './sparsity.js';

/** Swaps the last two axes (a view): the matrix transpose of every batch element. */
function mT<T>(o: Algebra<T>, x: T): T {
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
export const matmul: OpWithMethod<undefined, (c: MethodContext, x: Self, y: Self) => Self> = withMethod(
  bilinear({
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
        throw new ShapeError('matmul', `cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (inner dimensions ${k} ≠ ${k2})`);
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
      // gemmBatch writes every element (zeros when k = 0): the array need not be zeroed first.
      const out = allocateUnfilled(sizeOf(shape));
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
    batch: matmulBatch(),
    pattern: matmulPattern(),
  }),
  promoted,
);

/**
 * The method of matmul, with NumPy's promotion: a 1-D left operand is a row [1, k] and a 1-D
 * right operand a column [k, 1], and the added axis is dropped from the result.
 */
function promoted(op: Op<undefined>) {
  return (c: MethodContext, x0: Self, y0: Self): Self => {
    const x = c.lift('matmul', x0);
    const y = c.lift('matmul', y0);
    const xr = c.shape(x).length;
    const yr = c.shape(y).length;
    if (xr === 0 || yr === 0) {
      throw new ShapeError('matmul', `operands must be at least 1-D, got ${fmtShape(c.shape(x))} and ${fmtShape(c.shape(y))}; use mul for scalars`);
    }
    const x2 = xr === 1 ? c.o.reshape(x, [1, c.shape(x)[0]]) : x;
    const y2 = yr === 1 ? c.o.reshape(y, [c.shape(y)[0], 1]) : y;
    let z = c.apply(op, [x2, y2], undefined);
    if (yr === 1) z = c.o.reshape(z, c.shape(z).slice(0, -1));
    if (xr === 1) {
      const s = c.shape(z);
      z = c.o.reshape(z, yr === 1 ? s.slice(0, -1) : [...s.slice(0, -2), s[s.length - 1]]);
    }
    return z;
  };
}

/**
 * z[t, i, j] depends on row i of x and column j of w (of the batch elements t broadcasts
 * from): x's elements grouped by row, w's by column, one union per row or column. A constant
 * matrix's zeros are read (they are not inputs): z[i, j] of x·W depends on x[i, l] only where
 * W[l, j] ≠ 0, so a sparse operator stored dense (a stencil matrix) keeps its sparsity.
 */
function matmulPattern(): PatternRule<undefined> {
  return {
    how: "each output element from its row of x and its column of w (a constant matrix's zeros skipped)",
    apply: (_o, _op, [x, w], _params, outShape) => {
      if (x.shape.length === 2 && w.shape.length === 2) {
        if (w.value !== undefined && x.value === undefined && hasZero(w.value)) return [throughConstant(w.value, 'right', outShape), null];
        if (x.value !== undefined && w.value === undefined && hasZero(x.value)) return [null, throughConstant(x.value, 'left', outShape)];
      }
      const batch = outShape.slice(0, -2);
      const k = x.shape[x.shape.length - 1];
      const n = w.shape[w.shape.length - 1];
      // Row r of x holds elements r·k … r·k + k − 1.
      const xRows = sizeOf(x.shape) / Math.max(1, k);
      const rowPtr = new Int32Array(xRows + 1);
      for (let r = 0; r <= xRows; r++) rowPtr[r] = r * k;
      const colIndex = new Int32Array(sizeOf(x.shape));
      for (let e = 0; e < colIndex.length; e++) colIndex[e] = e;
      const xDep: Dependence = { groups: { rowPtr, colIndex }, groupOf: strideMap(outShape, [...alignedStrides(x.shape.slice(0, -1), batch), 0]) };
      // Column (b, j) of w holds the elements b·k·n + l·n + j.
      const wColumn = new Int32Array(sizeOf(w.shape));
      for (let e = 0; e < wColumn.length; e++) wColumn[e] = Math.floor(e / (k * n)) * n + (e % n);
      const wColumns = (sizeOf(w.shape) / Math.max(1, k * n)) * n;
      const wStrides = alignedStrides([...w.shape.slice(0, -2), n], batch);
      const wDep: Dependence = { groups: groupBy(wColumn, wColumns), groupOf: strideMap(outShape, [...wStrides.slice(0, -1), 0, 1]) };
      return [xDep, wDep];
    },
  };
}

function hasZero(t: Tensor): boolean {
  return t.toFloat64Array().includes(0);
}

/**
 * The traced operand's dependence in a product with a constant matrix C, output [m, n]: for
 * x·C (`side` right, C [k, n]) z[i, j] depends on x[i, l] for each l with C[l, j] ≠ 0; for C·w
 * (left, C [m, k]) on w[l, j] for each l with C[i, l] ≠ 0. One group per output element.
 */
function throughConstant(constant: Tensor, side: 'left' | 'right', [m, n]: readonly number[]): Dependence {
  const [rows, cols] = constant.shape;
  const c = constant.toFloat64Array();
  // right: the nonzero rows l of each column j of C; left: the nonzero columns l of each row i.
  const lines: number[][] = Array.from({ length: side === 'right' ? cols : rows }, () => []);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      if (c[r * cols + q] === 0) continue;
      if (side === 'right') lines[q].push(r);
      else lines[r].push(q);
    }
  }
  const rowPtr = new Int32Array(m * n + 1);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) rowPtr[i * n + j + 1] = rowPtr[i * n + j] + lines[side === 'right' ? j : i].length;
  const colIndex = new Int32Array(rowPtr[m * n]);
  let at = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (const l of lines[side === 'right' ? j : i]) colIndex[at++] = side === 'right' ? i * rows + l : l * n + j;
    }
  }
  const groupOf = new Int32Array(m * n);
  for (let e = 0; e < groupOf.length; e++) groupOf[e] = e;
  return { groups: { rowPtr, colIndex }, groupOf };
}

/**
 * Row-major strides of a tensor of `shape` = [...own batch, last], its batch axes aligned to
 * `batch` (0 where broadcast): the position in it of output element [...t, last].
 */
function alignedStrides(shape: readonly number[], batch: readonly number[]): number[] {
  const strides = rowMajorStrides(shape);
  const own = shape.length - 1;
  const lead = batch.length - own;
  return [...batch.map((_, d) => (d < lead || shape[d - lead] === 1 ? 0 : strides[d - lead])), strides[own]];
}

/** Strides of x's batch axes aligned to the broadcast batch shape (0 where broadcast). */
/**
 * matmul over a batch. A shared right matrix [k, n] takes every example's rows in one product
 * ([B·m, k]·[k, n]), and a shared left one [m, k] every example's columns ([m, k]·[k, B·n]):
 * one large product instead of B small ones. Otherwise a batched product, each example's
 * own batch axes lined up behind the batch axis.
 */
function matmulBatch(): BatchRule<undefined> {
  return {
    how: 'batch folded into the rows (shared right matrix) or columns (shared left matrix); else a batched product',
    apply: (o, op, [x, w], [bx, bw], params, size) => {
      const xs = o.shape(x);
      const ws = o.shape(w);
      if (bx && !bw && ws.length === 2) {
        const rows = o.interpreter.apply(op, [o.reshape(x, [-1, xs[xs.length - 1]]), w], params);
        return o.reshape(rows, [...xs.slice(0, -1), ws[1]]);
      }
      if (bw && !bx && xs.length === 2 && ws.length === 3) {
        const [, k, n] = ws;
        const columns = o.interpreter.apply(op, [x, o.reshape(o.permute(w, [1, 0, 2]), [k, size * n])], params);
        return o.permute(o.reshape(columns, [xs[0], size, n]), [1, 0, 2]);
      }
      const rank = Math.max(exampleShape(o, x, bx).length, exampleShape(o, w, bw).length);
      return o.interpreter.apply(op, [bx ? alignBatched(o, x, rank) : x, bw ? alignBatched(o, w, rank) : w], params);
    },
  };
}

function batchStrides(x: Tensor, batch: readonly number[]): number[] {
  const own = x.ndim - 2;
  const lead = batch.length - own;
  return batch.map((_, d) => (d < lead || x.shape[d - lead] === 1 ? 0 : x.stride[d - lead]));
}
