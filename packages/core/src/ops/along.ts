/** Slicing and placing along one axis, for the composites (views.ts, composite-math.ts). */
import type { Shape } from '../shape.js';
import { slice, unslice, type AxisSlice } from './shape.js';
import type { MethodContext, Self } from './signature.js';

/** The slice of `shape` that keeps `count` elements from `start` along `axis` and all of the other axes. */
function along(shape: Shape, axis: number, start: number, count: number, step = 1): AxisSlice[] {
  return shape.map((d, i) => (i === axis ? { start, step, count, drop: false } : { start: 0, step: 1, count: d, drop: false }));
}

/** `x` placed at `start` along `axis` of a zero tensor of `shape` (x's shape elsewhere). */
export function placeAlong(c: MethodContext, x: Self, shape: Shape, axis: number, start: number): Self {
  return c.apply(unslice, [x], { axes: along(shape, axis, start, c.shape(x)[axis]), shape });
}

/** Elements [start, start + count) of `x` along `axis` (a view). */
export function sliceAlong(c: MethodContext, x: Self, axis: number, start: number, count: number): Self {
  return c.apply(slice, [x], { axes: along(c.shape(x), axis, start, count) });
}
