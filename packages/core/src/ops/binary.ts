/**
 * Element-wise ops of two (or three) inputs, with NumPy broadcasting. The helper un-broadcasts
 * adjoints: x̄ += sumToShape(ȳ·∂y/∂x, shape(x)).
 */
import { elementwise } from './define.js';

const xy = ['x', 'y'];

/** x + y.  ż = ẋ + ẏ,  x̄ += z̄,  ȳ += z̄ */
export const add = elementwise({ name: 'add', inputs: xy, expr: 'x + y', partials: [() => 1, () => 1] });

/** x − y.  ż = ẋ − ẏ,  x̄ += z̄,  ȳ −= z̄ */
export const sub = elementwise({ name: 'sub', inputs: xy, expr: 'x - y', partials: [() => 1, () => -1] });

/** x·y (bilinear).  ż = ẋ·y + x·ẏ,  x̄ += z̄·y,  ȳ += z̄·x */
export const mul = elementwise({
  name: 'mul',
  inputs: xy,
  expr: 'x * y',
  partials: [(_o, [, b]) => b, (_o, [a]) => a],
});

/** x/y.  ż = ẋ/y − z·ẏ/y,  x̄ += z̄/y,  ȳ −= z̄·z/y */
export const div = elementwise({
  name: 'div',
  inputs: xy,
  expr: 'x / y',
  partials: [(o, [, b]) => o.div(1, b), (o, [, b], z) => o.neg(o.div(z, b))],
});

/**
 * xʸ.  ∂z/∂x = y·xʸ⁻¹ (taken as 0 where y = 0, so x⁰ has derivative 0 even at x = 0);
 * ∂z/∂y = z·ln x (taken as 0 where x = 0 and y ≥ 0, where ln x = −∞ meets z = 0).
 * Both conventions are PyTorch's; they keep d/dx x² at 0 and d/dy 0ʸ finite.
 */
export const pow = elementwise({
  name: 'pow',
  inputs: xy,
  expr: 'Math.pow(x, y)',
  partials: [
    (o, [a, b]) => o.where(o.eq(b, 0), 0, o.mul(b, o.pow(a, o.sub(b, 1)))),
    (o, [a, b], z) => o.where(o.mul(o.eq(a, 0), o.ge(b, 0)), 0, o.mul(z, o.log(a))),
  ],
});

/**
 * max(x, y), NaN if either is NaN. Where x = y the derivative is split evenly (½ each), as
 * JAX and PyTorch do, so maximum(x, x) has derivative 1.
 * ż = [x > y]·ẋ + [x < y]·ẏ + ½[x = y]·(ẋ + ẏ)
 */
export const maximum = elementwise({
  name: 'maximum',
  inputs: xy,
  expr: 'Math.max(x, y)',
  partials: [
    (o, [a, b]) => o.add(o.gt(a, b), o.mul(o.eq(a, b), 0.5)),
    (o, [a, b]) => o.add(o.lt(a, b), o.mul(o.eq(a, b), 0.5)),
  ],
});

/** min(x, y), with the same even split at ties as maximum. */
export const minimum = elementwise({
  name: 'minimum',
  inputs: xy,
  expr: 'Math.min(x, y)',
  partials: [
    (o, [a, b]) => o.add(o.lt(a, b), o.mul(o.eq(a, b), 0.5)),
    (o, [a, b]) => o.add(o.gt(a, b), o.mul(o.eq(a, b), 0.5)),
  ],
});

/** Comparisons give masks of 1 and 0. Piecewise constant: zero derivative. */
export const eq = elementwise({ name: 'eq', inputs: xy, expr: 'x === y ? 1 : 0' });
export const ne = elementwise({ name: 'ne', inputs: xy, expr: 'x !== y ? 1 : 0' });
export const lt = elementwise({ name: 'lt', inputs: xy, expr: 'x < y ? 1 : 0' });
export const le = elementwise({ name: 'le', inputs: xy, expr: 'x <= y ? 1 : 0' });
export const gt = elementwise({ name: 'gt', inputs: xy, expr: 'x > y ? 1 : 0' });
export const ge = elementwise({ name: 'ge', inputs: xy, expr: 'x >= y ? 1 : 0' });

/**
 * `c ? x : y` element by element (c non-zero is true). The condition carries no derivative.
 * ż = [c]·ẋ + [¬c]·ẏ,  x̄ += [c]·z̄,  ȳ += [¬c]·z̄
 */
export const where = elementwise({
  name: 'where',
  inputs: ['c', 'x', 'y'],
  expr: 'c !== 0 ? x : y',
  partials: [() => 0, (o, [c]) => o.ne(c, 0), (o, [c]) => o.eq(c, 0)],
});
