/**
 * Composite functions on shapes, written with the table's shape ops (see define.ts's
 * `composite`): they have no rules of their own, since every mode differentiates the ops they call.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Axis } from './algebra.js';
import { composite } from './define.js';
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
    return c.o.reshape(x, shape.filter((_, i) => !axes.includes(i)));
  },
});
