/**
 * Value kinds and tags. Plain values are numbers and Tensors. Each differentiation mode adds
 * kinds (forward mode's duals, reverse mode's graph nodes) that carry a *tag*: the number of the
 * derivative they belong to, from one counter shared by all modes, so a later (inner) derivative
 * always has the larger tag. A kind keeps its interpreter on its prototype under `KIND`;
 * dispatch.ts hands each op to the interpreter of the highest-tagged operand.
 */
import { Tensor } from '../tensor.js';
import type { Interpreter } from '../ops/algebra.js';

/** Where a kind keeps its interpreter: a property on the kind's prototype. */
export const KIND: unique symbol = Symbol.for('@ad/kind') as never;

/** What a value kind of a differentiation mode provides. */
export interface Kind {
  /** The mode's interpreter: applies an op when this kind holds the highest tag among the operands. */
  readonly interpreter: Interpreter<unknown>;
  /**
   * For a value that carries no derivative at the moment (a graph node that does not require
   * grad, or any node while recording is off): the plain value it stands for. Undefined while
   * the value is live. Lets another mode compute with it as the constant it is.
   */
  readonly inert?: (x: unknown) => unknown;
  /**
   * A plain value as a constant of this kind, shaped like `like` (a dual with zero tangents of
   * its width, an inert graph node). Transforms use it so that a derivative taken at values of
   * an enclosing transform is always of that transform's kind, even where it is a constant.
   */
  readonly lift?: (value: number | Tensor, like: unknown) => unknown;
}

/** A value of some mode: it carries its derivative's tag, and its kind on its prototype. */
export interface Tagged {
  readonly tag: number;
  readonly [KIND]: Kind;
}

let lastTag = 0;

/** A tag for a new derivative: unique, increasing, shared by all modes. */
export function newTag(): number {
  return ++lastTag;
}

/** The newest tag handed out so far (0 before any): tags above it belong to derivatives not yet begun. */
export function currentTag(): number {
  return lastTag;
}

/** Marks a class as a value kind of a mode. */
export function registerKind(proto: object, kind: Kind): void {
  Object.defineProperty(proto, KIND, { value: kind, enumerable: false });
}

/** True for a value of a differentiation mode (it carries a tag and a kind). */
export function isTagged(x: unknown): x is Tagged {
  return typeof x === 'object' && x !== null && KIND in x;
}

/** The tag of a value: 0 for numbers and tensors. */
export function tagOf(x: unknown): number {
  return isTagged(x) ? x.tag : 0;
}

/**
 * The number a scalar value of any mode stands for: its value, that value's value, … through
 * every enclosing derivative down to the plain number (a Var holding a Dual holding a Var …).
 * What control flow reads (`if (x.primal > 0)`): no derivative flows through a comparison.
 * A value with no number behind it (a jit tracer) is converted as JavaScript would, so its
 * own error says why it cannot be read.
 */
export function primalOf(x: unknown): number {
  let v = x;
  while (isTagged(v)) {
    const inner = (v as { value?: unknown }).value;
    if (inner === undefined) break;
    v = inner;
  }
  return typeof v === 'number' ? v : Number(v);
}

/** True for a number or a scalar value of a mode (a Dual, a Var, …): what a scalar input may be. */
export function isScalarLike(x: unknown): boolean {
  return typeof x === 'number' || (isTagged(x) && !isTensorLike(x));
}

/** True for a tensor or a tensor-valued value of a mode (DualTensor, TensorVar, …): it has a shape. */
export function isTensorLike(x: unknown): x is { readonly shape: readonly number[] } {
  return x instanceof Tensor || (isTagged(x) && Array.isArray((x as { shape?: unknown }).shape));
}

/**
 * `value` as a value of `like`'s kind: itself when it already is a value of a mode or `like` is
 * plain, else the kind's constant (see `Kind.lift`). Kinds without `lift` get `value` back.
 */
export function liftLike<T>(value: T, like: unknown): T {
  if (isTagged(value) || !isTagged(like)) return value;
  const lift = like[KIND].lift;
  return lift === undefined ? value : (lift(value as number | Tensor, like) as T);
}
