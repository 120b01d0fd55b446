/**
 * Composite functions on shapes, written with the table's shape ops (see define.ts's
 * `composite`): they have no rules of their own, since every mode differentiates the ops they call.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Axis } from './algebra.js';
import { composite } from './define.js';
import { slice, unslice } from './shape.js';
import { assign } from './materialize.js';
import { placeAlong, sliceAlong } from './along.js';
import type { MethodContext, Self } from './signature.js';

/** Axes reversed, or permuted as `perm` says (NumPy's transpose); a view. */
export const transpose = composite({
  name: 'transpose',
  method: (c: MethodContext, x: Self, perm?: readonly number[]): Self => {
    const rank = c.shape(x).length;
    return c.o.permute(x, perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i));
  },
});

/** A new axis of size 1 at `axis` (negative counts from the end of the result). */
export const expandDims = composite({
  name: 'expandDims',
  method: (c: MethodContext, x: Self, axis: number): Self => {
    const shape = [...c.shape(x)];
    shape.splice(normalizeAxis('expandDims', axis, shape.length + 1), 0, 1);
    return c.o.reshape(x, shape);
  },
});

/** Axes of size 1 removed: the ones given, or all of them. */
export const squeeze = composite({
  name: 'squeeze',
  method: (c: MethodContext, x: Self, axis?: Axis): Self => {
    const shape = c.shape(x);
    const axes = axis === undefined ? shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, shape.length);
    for (const a of axes) {
      if (shape[a] !== 1) throw new ShapeError('squeeze', `cannot squeeze axis ${a} of ${fmtShape(shape)}: its size is ${shape[a]}, not 1`);
    }
    return c.o.reshape(
      x,
      shape.filter((_, i) => !axes.includes(i)),
    );
  },
});

/**
 * Tensors joined along an existing axis (PyTorch's cat, NumPy's concatenate); all other axes
 * must agree. Each piece is placed into zeros of the result's shape and the pieces summed, so
 * every mode differentiates it: x̄ᵢ is the slice of ȳ where xᵢ was placed. That costs one pass
 * over the result per piece: joining many pieces is quadratic (a primitive with its own
 * kernel would be linear; the table's design allows it without changing any caller).
 */
export const concat = composite(
  {
    name: 'concat',
    method: (c: MethodContext, xs: readonly Self[], axis = 0): Self => {
      if (!Array.isArray(xs) || xs.length === 0) throw new ValueError('concat', 'expects a non-empty array of tensors');
      const parts = xs.map((x) => c.lift('concat', x));
      const first = c.shape(parts[0]);
      if (first.length === 0) throw new ShapeError('concat', 'cannot join 0-d tensors; use stack');
      const a = normalizeAxis('concat', axis, first.length);
      let total = 0;
      for (const [i, p] of parts.entries()) {
        const s = c.shape(p);
        if (s.length !== first.length || s.some((d, j) => j !== a && d !== first[j])) {
          throw new ShapeError('concat', `tensor ${i} has shape ${fmtShape(s)}, which does not match ${fmtShape(first)} outside axis ${a}`);
        }
        total += s[a];
      }
      if (parts.length === 1) return parts[0];
      const shape = first.map((d, j) => (j === a ? total : d));
      let at = 0;
      let y: Self | null = null;
      for (const p of parts) {
        const placed = placeAlong(c, p, shape, a, at);
        at += c.shape(p)[a];
        y = y === null ? placed : c.o.add(y, placed);
      }
      return y as Self;
    },
  },
  { receiver: false },
);

/** Tensors of one shape stacked along a new axis (PyTorch's and NumPy's stack). */
export const stack = composite(
  {
    name: 'stack',
    method: (c: MethodContext, xs: readonly Self[], axis = 0): Self => {
      if (!Array.isArray(xs) || xs.length === 0) throw new ValueError('stack', 'expects a non-empty array of tensors');
      const parts = xs.map((x) => c.lift('stack', x));
      const shape = c.shape(parts[0]);
      for (const [i, p] of parts.entries()) {
        if (!shapesEqual(c.shape(p), shape)) throw new ShapeError('stack', `tensor ${i} has shape ${fmtShape(c.shape(p))}, tensor 0 has ${fmtShape(shape)}`);
      }
      const a = normalizeAxis('stack', axis, shape.length + 1);
      return c.o.concat(
        parts.map((p) => c.o.expandDims(p, a)),
        a,
      );
    },
  },
  { receiver: false },
);

/**
 * Pieces of x along an axis (PyTorch's split): a number is each piece's size (the last may be
 * smaller), an array gives every size and must sum to the axis. Each piece is a view.
 */
export const split = composite({
  name: 'split',
  method: (c: MethodContext, x: Self, sizes: number | readonly number[], axis = 0): Self[] => {
    const shape = c.shape(x);
    const a = normalizeAxis('split', axis, shape.length);
    const n = shape[a];
    let list: number[];
    if (typeof sizes === 'number') {
      if (!Number.isInteger(sizes) || sizes < 1) throw new ValueError('split', `the piece size must be a positive integer, got ${String(sizes)}`);
      list = Array.from({ length: Math.max(1, Math.ceil(n / sizes)) }, (_, i) => Math.min(sizes, n - i * sizes));
    } else if (Array.isArray(sizes) && sizes.every((s) => Number.isInteger(s) && s >= 0)) {
      const sum = sizes.reduce((p, q) => p + q, 0);
      if (sum !== n) throw new ValueError('split', `sizes ${JSON.stringify(sizes)} sum to ${sum}, but axis ${a} has ${n} elements`);
      list = [...sizes];
    } else {
      throw new ValueError('split', `expects a piece size or an array of sizes, got ${JSON.stringify(sizes)}`);
    }
    let at = 0;
    return list.map((count) => {
      const piece = sliceAlong(c, x, a, at, count);
      at += count;
      return piece;
    });
  },
});

/**
 * x repeated `reps` times along each axis (NumPy's and PyTorch's tile; a shorter reps is padded
 * with 1s in front, a longer one adds leading axes). Written as reshape, broadcast, reshape, so
 * x̄ is ȳ summed over the copies.
 */
export const tile = composite({
  name: 'tile',
  method: (c: MethodContext, x: Self, reps: readonly number[]): Self => {
    if (!Array.isArray(reps) || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
      throw new ValueError('tile', `reps must be an array of non-negative integers, got ${JSON.stringify(reps)}`);
    }
    const rank = Math.max(reps.length, c.shape(x).length);
    const shape = [...new Array<number>(rank - c.shape(x).length).fill(1), ...c.shape(x)];
    const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
    const spread = c.o.broadcastTo(
      c.o.reshape(
        x,
        shape.flatMap((d) => [1, d]),
      ),
      shape.flatMap((d, i) => [r[i], d]),
    );
    return c.o.reshape(
      spread,
      shape.map((d, i) => d * r[i]),
    );
  },
});

/**
 * x padded with `value` (0 by default): one [before, after] pair per axis, from the first
 * (NumPy's, JAX's and TF.js's pad; PyTorch's F.pad lists pairs from the last axis instead).
 * x̄ is the slice of ȳ where x was placed.
 */
export const pad = composite({
  name: 'pad',
  method: (c: MethodContext, x: Self, widths: readonly (readonly [number, number])[], value = 0): Self => {
    const shape = c.shape(x);
    if (
      !Array.isArray(widths) ||
      widths.length !== shape.length ||
      !widths.every((w) => Array.isArray(w) && w.length === 2 && w.every((v) => Number.isInteger(v) && v >= 0))
    ) {
      throw new ValueError('pad', `expects one [before, after] pair of non-negative integers per axis (${shape.length}), got ${JSON.stringify(widths)}`);
    }
    if (typeof value !== 'number') throw new ValueError('pad', `the fill value must be a number, got ${typeof value}`);
    const out = shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    const axes = shape.map((d, i) => ({ start: widths[i][0], step: 1, count: d, drop: false }));
    const placed = c.apply(unslice, [x], { axes, shape: out });
    if (value === 0) return placed;
    // The border is a constant: value where nothing was placed (the window zeroed by one
    // assignment from a broadcast 0).
    const border = Tensor.fromData(new Float64Array(sizeOf(out)).fill(value), out);
    const zero = Tensor.view(
      new Float64Array(1),
      shape,
      shape.map(() => 0),
      0,
    );
    assign(slice.primal([border], { axes }), zero);
    return c.o.add(placed, c.lift('pad', border as unknown as Self));
  },
});

/** x with the order of elements reversed along the given axes (all when omitted); a view. */
export const flip = composite({
  name: 'flip',
  method: (c: MethodContext, x: Self, axis?: Axis): Self => {
    const shape = c.shape(x);
    const axes = axis === undefined ? shape.map((_, i) => i) : normalizeAxes('flip', axis, shape.length);
    return c.apply(slice, [x], {
      axes: shape.map((d, i) => (axes.includes(i) && d > 0 ? { start: d - 1, step: -1, count: d, drop: false } : { start: 0, step: 1, count: d, drop: false })),
    });
  },
});
