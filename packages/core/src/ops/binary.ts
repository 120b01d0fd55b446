/**
 * Element-wise ops of two (or three) inputs, with NumPy broadcasting. The helper un-broadcasts
 * adjoints: x̄ += sumToShape(ȳ·∂y/∂x, shape(x)).
 */
import { custom, elementwise, unbroadcast, withMethod, type Binary, type ElementwiseInfo, type OpWithMethod } from './define.js';
import type { MethodContext, Operand, Self } from './signature.js';
import { broadcastSource, productPattern, type PatternRule } from './sparsity.js';

/** where's primal kernel and scalar form, from the element-wise helper; its rules are below. */
const whereKernel = elementwise({ name: 'where', inputs: ['c', 'x', 'y'], expr: 'c !== 0 ? x : y' });

/** x + y.  ż = ẋ + ẏ,  x̄ += z̄,  ȳ += z̄ */
export const add: Binary = elementwise({ name: 'add', inputs: ['x', 'y'], expr: 'x + y', partials: [() => 1, () => 1] });

/** x − y.  ż = ẋ − ẏ,  x̄ += z̄,  ȳ −= z̄ */
export const sub: Binary = elementwise({ name: 'sub', inputs: ['x', 'y'], expr: 'x - y', partials: [() => 1, () => -1] });

/** x·y (bilinear).  ż = ẋ·y + x·ẏ,  x̄ += z̄·y,  ȳ += z̄·x */
export const mul: Binary = elementwise({
  name: 'mul',
  inputs: ['x', 'y'],
  expr: 'x * y',
  partials: [(_o, xs) => xs[1], (_o, xs) => xs[0]],
  pattern: productPattern as PatternRule<undefined>,
});

/** x/y.  ż = ẋ/y − z·ẏ/y,  x̄ += z̄/y,  ȳ −= z̄·z/y */
export const div: Binary = elementwise({
  name: 'div',
  inputs: ['x', 'y'],
  expr: 'x / y',
  partials: [(o, xs) => o.div(1, xs[1]), (o, xs, z) => o.neg(o.div(z, xs[1]))],
});

/**
 * xʸ.  ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = z·ln x.
 * Where those are 0·∞ the derivative is taken as 0, as PyTorch does: ∂z/∂x at x = 0, y = 0
 * (d/dx x⁰ = 0) and ∂z/∂y at x = 0, y ≥ 0. The masked branches compute on a safe stand-in
 * (x → 1) so they never produce ∞ or NaN: `where` selects, but a second derivative would still
 * see an infinite value in the branch it does not select.
 */
export const pow: Binary = elementwise({
  name: 'pow',
  inputs: ['x', 'y'],
  expr: 'Math.pow(x, y)',
  partials: [
    (o, xs) => {
      const zeroZero = o.mul(o.eq(xs[0], 0), o.eq(xs[1], 0));
      return o.where(zeroZero, 0, o.mul(xs[1], o.pow(o.where(zeroZero, 1, xs[0]), o.sub(xs[1], 1))));
    },
    (o, xs, z) => {
      const atZero = o.eq(xs[0], 0);
      return o.where(o.mul(atZero, o.ge(xs[1], 0)), 0, o.mul(z, o.log(o.where(atZero, 1, xs[0]))));
    },
  ],
});

/**
 * max(x, y), NaN if either is NaN. Where x = y the derivative is split evenly (½ each), as
 * JAX and PyTorch do, so maximum(x, x) has derivative 1.
 * ż = [x > y]·ẋ + [x < y]·ẏ + ½[x = y]·(ẋ + ẏ)
 */
export const maximum: Binary = elementwise({
  name: 'maximum',
  inputs: ['x', 'y'],
  expr: 'Math.max(x, y)',
  partials: [(o, xs) => o.add(o.gt(xs[0], xs[1]), o.mul(o.eq(xs[0], xs[1]), 0.5)), (o, xs) => o.add(o.lt(xs[0], xs[1]), o.mul(o.eq(xs[0], xs[1]), 0.5))],
});

/** min(x, y), with the same even split at ties as maximum. */
export const minimum: Binary = elementwise({
  name: 'minimum',
  inputs: ['x', 'y'],
  expr: 'Math.min(x, y)',
  partials: [(o, xs) => o.add(o.lt(xs[0], xs[1]), o.mul(o.eq(xs[0], xs[1]), 0.5)), (o, xs) => o.add(o.gt(xs[0], xs[1]), o.mul(o.eq(xs[0], xs[1]), 0.5))],
});

// Comparisons give masks of 1 and 0 (false for NaN, but ne). Piecewise constant: zero derivative.

/** [x = y] as 1/0. */
export const eq: Binary = elementwise({ name: 'eq', inputs: ['x', 'y'], expr: 'x === y ? 1 : 0' });
/** [x ≠ y] as 1/0. */
export const ne: Binary = elementwise({ name: 'ne', inputs: ['x', 'y'], expr: 'x !== y ? 1 : 0' });
/** [x < y] as 1/0. */
export const lt: Binary = elementwise({ name: 'lt', inputs: ['x', 'y'], expr: 'x < y ? 1 : 0' });
/** [x ≤ y] as 1/0. */
export const le: Binary = elementwise({ name: 'le', inputs: ['x', 'y'], expr: 'x <= y ? 1 : 0' });
/** [x > y] as 1/0. */
export const gt: Binary = elementwise({ name: 'gt', inputs: ['x', 'y'], expr: 'x > y ? 1 : 0' });
/** [x ≥ y] as 1/0. */
export const ge: Binary = elementwise({ name: 'ge', inputs: ['x', 'y'], expr: 'x >= y ? 1 : 0' });

/**
 * where's sparsity: each output element from x's and y's elements broadcast to it, never the
 * condition's (no derivative flows to it); a constant condition picks one of the two.
 */
const wherePattern: PatternRule<undefined> = {
  how: 'element-wise over x and y (the condition has no derivative; a constant one picks its branch)',
  apply: (_o, _op, [c, x, y], _params, outShape) => {
    const fromX = broadcastSource(x.shape, outShape);
    const fromY = broadcastSource(y.shape, outShape);
    if (c.value !== undefined) {
      const mask = c.value.toFloat64Array();
      const at = broadcastSource(c.shape, outShape);
      for (let e = 0; e < at.length; e++) {
        if (mask[at[e]] !== 0) fromY[e] = -1;
        else fromX[e] = -1;
      }
    }
    return [null, { groups: null, groupOf: fromX }, { groups: null, groupOf: fromY }];
  },
};

/**
 * `c ? x : y` element by element (c non-zero is true). The condition carries no derivative.
 * The rules select rather than multiply by a mask, so a NaN or ∞ in the branch not taken
 * never leaks into the other (0·∞ would be NaN).
 * ż = c ? ẋ : ẏ,  x̄ += c ? z̄ : 0,  ȳ += c ? 0 : z̄
 */
export const where: OpWithMethod<undefined, (c: MethodContext, condition: Operand<Self>, x: Operand<Self>, y: Operand<Self>) => Self> & {
  readonly receiver: false;
} = withMethod(
  custom<undefined>({
    name: 'where',
    arity: 3,
    primal: whereKernel.primal,
    // Its scalar form for the number algebra; no partials, so scalar fast paths take the rules here.
    elementwise: whereKernel.elementwise,
    pattern: wherePattern,
    jvp:
      (o, [c], z) =>
      ([, xDot, yDot]) => {
        if (xDot === null && yDot === null) return null;
        return o.broadcastTo(o.where(c, xDot ?? 0, yDot ?? 0), o.shape(z));
      },
    vjp:
      (o, [c, x, y]) =>
      (zBar, needs) => [
        null,
        needs[1] ? unbroadcast(o, o.where(c, zBar, 0), o.shape(x)) : null,
        needs[2] ? unbroadcast(o, o.where(c, 0, zBar), o.shape(y)) : null,
      ],
  }),
  (op) =>
    (c: MethodContext, condition: Operand<Self>, x: Operand<Self>, y: Operand<Self>): Self =>
      c.apply(op, [c.lift('where', condition), c.lift('where', x), c.lift('where', y)], undefined),
  { receiver: false },
);

/**
 * atan2(y, x): the angle of the point (x, y), in (−π, π]. At (0, 0) the derivative is NaN
 * (0/0), as PyTorch's.  ∂/∂y = x/(x² + y²),  ∂/∂x = −y/(x² + y²)
 */
export const atan2: Binary = elementwise({
  name: 'atan2',
  inputs: ['y', 'x'],
  expr: 'Math.atan2(y, x)',
  partials: [(o, xs) => o.div(xs[1], o.add(o.square(xs[1]), o.square(xs[0]))), (o, xs) => o.div(o.neg(xs[0]), o.add(o.square(xs[1]), o.square(xs[0])))],
});

/**
 * x clamped to [min, max] (PyTorch's clamp: either bound may be omitted, bounds broadcast, a
 * NaN passes through, and min > max gives max). The derivative passes where min ≤ x ≤ max,
 * bounds included, as PyTorch's; a bound gets it where it is the result.
 * ẏ = [min ≤ x ≤ max]·ẋ + [x < min ≤ max]·ṁin + [max(x, min) > max]·ṁax
 */
export const clamp: OpWithMethod<undefined, (c: MethodContext, x: Operand<Self>, min?: Operand<Self> | null, max?: Operand<Self> | null) => Self> & {
  readonly elementwise: ElementwiseInfo;
} = withMethod(
  elementwise({
    name: 'clamp',
    inputs: ['x', 'lo', 'hi'],
    expr: 'Math.min(Math.max(x, lo), hi)',
    partials: [
      (o, xs) => o.mul(o.ge(xs[0], xs[1]), o.le(xs[0], xs[2])),
      (o, xs) => o.mul(o.lt(xs[0], xs[1]), o.le(xs[1], xs[2])),
      (o, xs) => o.gt(o.maximum(xs[0], xs[1]), xs[2]),
    ],
  }),
  (op) =>
    (c: MethodContext, x: Operand<Self>, min?: Operand<Self> | null, max?: Operand<Self> | null): Self =>
      c.apply(op, [c.lift('clamp', x), c.lift('clamp', min ?? -Infinity), c.lift('clamp', max ?? Infinity)], undefined),
);

/** h = √(x² + y²) without overflow.  ∂h/∂x = x/h,  ∂h/∂y = y/h  (NaN at (0, 0), 0/0, as PyTorch's) */
export const hypot: Binary = elementwise({
  name: 'hypot',
  inputs: ['x', 'y'],
  expr: 'Math.hypot(x, y)',
  partials: [(o, xs, h) => o.div(xs[0], h), (o, xs, h) => o.div(xs[1], h)],
});
