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
import type { AlgebraOf, MethodName, ScalarMethodName } from './signature.js';

export type { MethodName, ScalarMethodName };

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

export type { Operand } from './signature.js';

/** The axes argument of reductions: one axis, several, or all when omitted. */
export type Axis = number | readonly number[];

/**
 * Every function of the op table over T, read off the table (signature.ts): `o.exp(x)`,
 * `o.sum(x, axis, keepdims)`, `o.matmul(x, w)`. Binary ops broadcast (NumPy rules) and take
 * plain numbers on either side; comparisons give masks of 0 and 1.
 */
export interface Algebra<T> extends AlgebraBase<T>, AlgebraOf<T> {}

/** What every algebra has besides the table's functions. */
export interface AlgebraBase<T> {
  readonly interpreter: Interpreter<T>;
  /** The shape of a value. */
  shape(x: T): Shape;
  /** A constant of this kind. */
  constant(c: number): T;
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
 * The method `K` of a kind T: the algebra's function with the receiver as first operand. A mode's
 * kind T also accepts operands of kind O (DualTensor takes plain Tensors as constants). Each
 * member of the methods' interfaces (engine/methods.generated.ts, engine/methods.ts) is typed
 * by it, so the methods' signatures are read off the table.
 */
export type Method<K extends MethodName, T, O = never> = Algebra<T>[K] extends (x: infer _X, ...rest: infer R) => infer Out
  ? (...rest: Widen<R, T, O>) => Out
  : never;
