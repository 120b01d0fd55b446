/**
 * The algebra the rules are written in. A rule such as sin's `ẏ = cos(x)·ẋ` is code over an
 * `Algebra<T>`: `o.mul(o.cos(x), xDot)`. Each mode supplies its own T — Tensor for plain
 * evaluation, numbers for scalar modes, dual tensors for forward mode, graph nodes for reverse
 * mode — by implementing one `Interpreter<T>` (how to apply an op to values of kind T). So a
 * rule is written once and every mode, including nested ones (forward-over-reverse for
 * Hessian-vector products), differentiates through it.
 */
import type { Shape } from '../shape.js';
import type { Op } from './define.js';

/** What a mode implements: how an op applies to its values. */
export interface Interpreter<T> {
  /** Applies `op` to `xs` with its parameters, returning the mode's value of the result. */
  apply<P>(op: Op<P>, xs: readonly T[], params: P): T;
  /** A constant of this kind: no tangent, no adjoint. */
  constant(c: number): T;
  /** The shape of a value (`[]` for a scalar). */
  shape(x: T): Shape;
  /** For values that are not objects (the symbolic algebra's strings): recognises them. */
  isValue?(x: unknown): boolean;
}

/** An operand: a value of the mode, or a plain number taken as a constant. */
export type Operand<T> = T | number;

/** The axes argument of reductions: one axis, several, or all when omitted. */
export type Axis = number | readonly number[];

/**
 * Every primitive op of the table as a function over T. Binary ops broadcast (NumPy rules) and
 * take plain numbers on either side; comparisons give masks of 0 and 1.
 */
export interface Algebra<T> {
  readonly interpreter: Interpreter<T>;
  /** The shape of a value. */
  shape(x: T): Shape;
  /** A constant of this kind. */
  constant(c: number): T;

  /** −x. */
  neg(x: T): T;
  /** eˣ. */
  exp(x: T): T;
  /** ln x. */
  log(x: T): T;
  /** ln(1 + x). */
  log1p(x: T): T;
  /** eˣ − 1. */
  expm1(x: T): T;
  /** sin x. */
  sin(x: T): T;
  /** cos x. */
  cos(x: T): T;
  /** tan x. */
  tan(x: T): T;
  /** tanh x. */
  tanh(x: T): T;
  /** 1/(1 + e⁻ˣ). */
  sigmoid(x: T): T;
  /** max(x, 0). */
  relu(x: T): T;
  /** √x. */
  sqrt(x: T): T;
  /** x². */
  square(x: T): T;
  /** |x|. */
  abs(x: T): T;
  /** sign x. */
  sign(x: T): T;
  /** ln(1 + eˣ), stable for any x. */
  softplus(x: T): T;
  /** Φ(x), the standard normal distribution function (exact GELU is x·Φ(x)). */
  normalCdf(x: T): T;

  /** x + y. */
  add(x: Operand<T>, y: Operand<T>): T;
  /** x − y. */
  sub(x: Operand<T>, y: Operand<T>): T;
  /** x·y. */
  mul(x: Operand<T>, y: Operand<T>): T;
  /** x/y. */
  div(x: Operand<T>, y: Operand<T>): T;
  /** xʸ. */
  pow(x: Operand<T>, y: Operand<T>): T;
  /** max(x, y), element by element. */
  maximum(x: Operand<T>, y: Operand<T>): T;
  /** min(x, y), element by element. */
  minimum(x: Operand<T>, y: Operand<T>): T;
  /** x for x > 0, a·x otherwise (PyTorch's leaky_relu; derivative a at 0). */
  leakyRelu(x: Operand<T>, negativeSlope: Operand<T>): T;
  /** x for x > 0, α(eˣ − 1) otherwise (PyTorch's elu; derivative α at 0). */
  elu(x: Operand<T>, alpha: Operand<T>): T;

  /** [x = y]. */
  eq(x: Operand<T>, y: Operand<T>): T;
  /** [x ≠ y]. */
  ne(x: Operand<T>, y: Operand<T>): T;
  /** [x < y]. */
  lt(x: Operand<T>, y: Operand<T>): T;
  /** [x ≤ y]. */
  le(x: Operand<T>, y: Operand<T>): T;
  /** [x > y]. */
  gt(x: Operand<T>, y: Operand<T>): T;
  /** [x ≥ y]. */
  ge(x: Operand<T>, y: Operand<T>): T;
  /** `condition ? x : y` element by element; the condition is a mask (non-zero is true). */
  where(condition: Operand<T>, x: Operand<T>, y: Operand<T>): T;

  /** Σ over axes. */
  sum(x: T, axis?: Axis, keepdims?: boolean): T;
  /** Mean over axes. */
  mean(x: T, axis?: Axis, keepdims?: boolean): T;
  /** Max over axes. */
  max(x: T, axis?: Axis, keepdims?: boolean): T;
  /** Min over axes. */
  min(x: T, axis?: Axis, keepdims?: boolean): T;
  /** log Σ exp over axes. */
  logsumexp(x: T, axis?: Axis, keepdims?: boolean): T;
  /** Index of the first maximum along one axis (of the flattened tensor when omitted). */
  argmax(x: T, axis?: number, keepdims?: boolean): T;
  /** Index of the first minimum along one axis. */
  argmin(x: T, axis?: number, keepdims?: boolean): T;
  /** Softmax along an axis. */
  softmax(x: T, axis?: number): T;
  /** log softmax along an axis. */
  logSoftmax(x: T, axis?: number): T;

  /** A new shape over the same elements. */
  reshape(x: T, shape: Shape): T;
  /** Reverses the axes, or permutes them as `perm` says (NumPy's transpose). */
  transpose(x: T, perm?: readonly number[]): T;
  /** Axes permuted. */
  permute(x: T, perm: readonly number[]): T;
  /** Stretched to a shape. */
  broadcastTo(x: T, shape: Shape): T;
  /** The reverse of broadcasting: sums `x` down to `shape` (the adjoint of broadcastTo). */
  sumToShape(x: T, shape: Shape): T;
  /** A new axis of size 1. */
  expandDims(x: T, axis: number): T;
  /** Axes of size 1 removed. */
  squeeze(x: T, axis?: Axis): T;
  /** Basic slicing, one `[start, end, step?]` (or a single index) per leading axis. */
  slice(x: T, ...ranges: SliceArg[]): T;

  /** Matrix product with NumPy's matmul semantics (1-D promoted, batch axes broadcast). */
  matmul(x: T, y: T): T;

  /** Every window of an image batch [N, C, H, W] as a column: [N, C·kh·kw, Hₒ·Wₒ] (PyTorch's unfold; stride 1 by default). */
  im2col(x: T, window: WindowOptions): T;
  /** Elements by flat row-major index (NumPy's take with no axis); the result has the indices' shape. */
  take(x: T, indices: Operand<T>): T;
  /** A zero tensor of `shape` with x[k] added at flat index indices[k] (the transpose of take). */
  scatterAdd(x: T, indices: Operand<T>, shape: Shape): T;
  /** Flat indices of each window's maximum in an image batch (stride = kernel size by default). */
  maxPool2dIndices(x: T, window: WindowOptions): T;
}

/** A size along H and W: one number for both, or [h, w]. */
export type Pair = number | readonly [number, number];

/** A sliding window over the last two axes of [N, C, H, W], with PyTorch's argument names. */
export interface WindowOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

/** One axis of a slice: an index (the axis is dropped), or `[start?, end?, step?]` like Python's. */
export type SliceArg = number | readonly [start?: number | null, end?: number | null, step?: number | null] | null;

/**
 * A value of a differentiation mode (a Dual, a Var, a DualTensor, a TensorVar, …): it carries
 * the tag of its derivative. Methods take one of another mode as an operand, as nested
 * derivatives need (an inner function closing over an outer variable); the result belongs to
 * the innermost derivative, so such code reads best with the innermost value as the receiver.
 */
export interface TaggedOperand {
  readonly tag: number;
}

/**
 * Operand positions that take a T also take an O (a lower kind, such as a constant Tensor) and
 * values of other modes (TaggedOperand).
 */
type Widen<R extends unknown[], T, O> = { [I in keyof R]: T extends R[I] ? R[I] | O | TaggedOperand : R[I] };

/**
 * The methods every tensor kind has: the algebra with the receiver as first operand. A mode's
 * tensor kind T also accepts operands of kind O (DualTensor takes plain Tensors as constants).
 */
export type TensorMethods<T, O = never> = {
  [K in MethodName]: Algebra<T>[K] extends (x: infer _X, ...rest: infer R) => infer Out ? (...rest: Widen<R, T, O>) => Out : never;
};

/** The algebra functions installed as tensor methods. */
export type MethodName = Exclude<keyof Algebra<unknown>, 'interpreter' | 'shape' | 'constant' | 'where'>;

/** Element-wise ops: the methods that scalar kinds (Dual, Var) share with tensors. */
export type ScalarMethodName =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sin' | 'cos' | 'tan' | 'tanh' | 'sigmoid' | 'relu' | 'sqrt' | 'square' | 'abs' | 'sign'
  | 'softplus'
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'leakyRelu' | 'elu';

/** The methods every scalar kind has: `x.add(y)`, `x.exp()`, with numbers taken as constants. */
export type ScalarMethods<S, O = never> = {
  [K in ScalarMethodName]: Algebra<S>[K] extends (x: infer _X, ...rest: infer R) => infer Out ? (...rest: Widen<R, S, O>) => Out : never;
};
