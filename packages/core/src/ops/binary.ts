/**
 * Element-wise ops of two (or three) inputs, with NumPy broadcasting. The helper un-broadcasts
 * adjoints: x̄ += sumToShape(ȳ·∂y/∂x, shape(x)).
 */
import { custom, elementwise, unbroadcast } from './define.js';

/** where's primal kernel and scalar form, from the element-wise helper; its rules are below. */
const whereKernel = elementwise({ name: 'where', inputs: ['c', 'x', 'y'], expr: 'c !== 0 ? x : y' });

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
 * xʸ.  ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = z·ln x.
 * Where those are 0·∞ the derivative is taken as 0, as PyTorch does: ∂z/∂x at x = 0, y = 0
 * (d/dx x⁰ = 0) and ∂z/∂y at x = 0, y ≥ 0. The masked branches compute on a safe stand-in
 * (x → 1) so they never produce ∞ or NaN: `where` selects, but a second derivative would still
 * see an infinite value in the branch it does not select.
 */
export const pow = elementwise({
  name: 'pow',
  inputs: xy,
  expr: 'Math.pow(x, y)',
  partials: [
    (o, [a, b]) => {
      const zeroZero = o.mul(o.eq(a, 0), o.eq(b, 0));
      return o.where(zeroZero, 0, o.mul(b, o.pow(o.where(zeroZero, 1, a), o.sub(b, 1))));
    },
    (o, [a, b], z) => {
      const atZero = o.eq(a, 0);
      return o.where(o.mul(atZero, o.ge(b, 0)), 0, o.mul(z, o.log(o.where(atZero, 1, a))));
    },
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
 * The rules select rather than multiply by a mask, so a NaN or ∞ in the branch not taken
 * never leaks into the other (0·∞ would be NaN).
 * ż = c ? ẋ : ẏ,  x̄ += c ? z̄ : 0,  ȳ += c ? 0 : z̄
 */
export const where = custom<undefined>({
  name: 'where',
  arity: 3,
  primal: whereKernel.primal,
  // Its scalar form for the number algebra; no partials, so scalar fast paths take the rules here.
  elementwise: whereKernel.elementwise,
  jvp: (o, [c], z) => ([, xDot, yDot]) => {
    if (xDot === null && yDot === null) return null;
    return o.broadcastTo(o.where(c, xDot ?? 0, yDot ?? 0), o.shape(z));
  },
  vjp: (o, [c, x, y]) => (zBar, needs) => [
    null,
    needs[1] ? unbroadcast(o, o.where(c, zBar, 0), o.shape(x)) : null,
    needs[2] ? unbroadcast(o, o.where(c, 0, zBar), o.shape(y)) : null,
  ],
});
