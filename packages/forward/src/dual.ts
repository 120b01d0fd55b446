/**
 * Dual numbers with seed vectors. A `Dual` is a value and k tangents — the partials vector of
 * ForwardDiff.jl — so one evaluation gives k directional derivatives: seeding input i with the
 * unit vector eᵢ gives ∂f/∂xᵢ, seeding with [1, 1] gives the derivative along (1, 1).
 * A `DualTensor` is the same for a tensor: a primal Tensor and k tangent tensors of its shape.
 *
 * Every dual carries the tag of the derivative that created it (core's `newTag`, shared with
 * reverse mode). Nested derivatives get increasing tags, and an op on duals of different tags
 * treats the lower-tagged one as a constant of the higher one, so perturbations of different
 * derivatives never mix (no perturbation confusion: d/dx [x · d/dy (x + y)] = 1).
 */
import { Tensor, ValueError } from '@ad/core';
import { primalOf } from '@ad/core/engine';

export { newTag, tagOf } from '@ad/core/engine';

/** A scalar in forward mode: a number, or a dual (of an enclosing derivative when nested). */
export type Scalar = number | Dual;

/** Anything forward mode computes with (values of other modes may appear when nested). */
export type Value = number | Tensor | Dual | DualTensor;

/** A scalar dual number: a value and its tangents (the seed vector's k directional derivatives), with its derivative's tag. */
export class Dual {
  /** The derivative this dual belongs to. */
  readonly tag: number;
  /** The primal: a number, or a Dual of an enclosing (lower-tagged) derivative. */
  readonly value: Scalar;
  /**
   * The first tangent, held in a field: a width-1 dual (one direction, the common case) then
   * allocates no array at all — an op costs one small object, not an object and an array.
   */
  readonly first: Scalar;
  /** Tangents 2 … k, or null at width 1. */
  readonly rest: readonly Scalar[] | null;
  /** True when the value and every tangent are plain numbers: the first-order fast path. */
  readonly numeric: boolean;

  constructor(tag: number, value: Scalar, first: Scalar, rest: readonly Scalar[] | null, numeric: boolean) {
    this.tag = tag;
    this.value = value;
    this.first = first;
    this.rest = rest;
    this.numeric = numeric;
  }

  /** A dual from a value and its k ≥ 1 tangents. */
  static of(tag: number, value: Scalar, partials: readonly Scalar[]): Dual {
    if (partials.length === 0) throw new ValueError('Dual', 'a dual needs at least one tangent direction (a seed vector of width ≥ 1)');
    const numeric = typeof value === 'number' && partials.every((p) => typeof p === 'number');
    return new Dual(tag, value, partials[0], partials.length === 1 ? null : partials.slice(1), numeric);
  }

  /** Width of the seed vector: how many directional derivatives this dual carries. */
  get width(): number {
    return this.rest === null ? 1 : 1 + this.rest.length;
  }

  /**
   * The innermost value as a number, through every enclosing derivative (`value` is one level
   * down: a Dual or a Var when nested). For control flow, as `if (x.primal > 0)`.
   */
  get primal(): number {
    return primalOf(this.value);
  }

  /** The k tangents: numbers at first order, Duals of enclosing derivatives when nested. */
  get partials(): Scalar[] {
    return this.rest === null ? [this.first] : [this.first, ...this.rest];
  }

  /** The tangent vector as numbers (first order). */
  get tangent(): Float64Array {
    const partials = this.partials;
    if (partials.every((p) => typeof p === 'number')) return Float64Array.from(partials as number[]);
    throw new ValueError('Dual.tangent', 'this dual is nested (its tangents are duals of an enclosing derivative); read .partials');
  }

  /** Duals are combined with their methods; a JavaScript operator on one is a mistake. */
  valueOf(): never {
    throw new ValueError(
      'Dual',
      'a Dual was used with a JavaScript operator (+, *, <, …); use its methods (x.add(y), x.mul(y), x.lt(y)) so the tangent is carried',
    );
  }

  /** `Dual(5; [6, -4])`; a nested dual names its tags: `Dual(Dual(6; [2], tag 1); […], tag 2)`. */
  toString(withTags = !this.numeric): string {
    const show = (s: Scalar) => (typeof s === 'number' ? String(s) : s.toString(withTags));
    return `Dual(${show(this.value)}; [${this.partials.map(show).join(', ')}]${withTags ? `, tag ${this.tag}` : ''})`;
  }
}

/** A tensor dual: a primal tensor and k tangent tensors of its shape, with its derivative's tag. */
export class DualTensor {
  readonly tag: number;
  /** The primal: a Tensor, or a DualTensor of an enclosing derivative. */
  readonly value: Tensor | DualTensor;
  /**
   * The same k tangents as one tensor [k, ...shape] whose slices they are, when a stacked
   * forward rule made them (stacked.ts); null otherwise.
   */
  readonly stacked: Tensor | null;
  #tangents: readonly (Tensor | DualTensor)[] | null;

  /** A primal and its k tangents, given one by one or (`tangents` null) as a stack [k, ...shape]. */
  constructor(tag: number, value: Tensor | DualTensor, tangents: readonly (Tensor | DualTensor)[] | null, stacked: Tensor | null = null) {
    if (tangents === null && stacked === null) throw new ValueError('DualTensor', 'needs its tangents, one by one or stacked');
    this.tag = tag;
    this.value = value;
    this.#tangents = tangents;
    this.stacked = stacked;
  }

  /** The k tangents, each of the primal's shape (views of the stack when there is one, made when first asked for). */
  get tangents(): readonly (Tensor | DualTensor)[] {
    if (this.#tangents === null) this.#tangents = unstack(this.stacked as Tensor);
    return this.#tangents;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get width(): number {
    return this.#tangents === null ? (this.stacked as Tensor).shape[0] : this.#tangents.length;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The innermost primal tensor, through every enclosing derivative (a DualTensor's, a TensorVar's). */
  get primal(): Tensor {
    const v = this.value;
    return v instanceof Tensor ? v : v.primal;
  }

  /** Dual tensors are combined with their methods; a JavaScript operator on one is a mistake. */
  valueOf(): never {
    throw new ValueError('DualTensor', 'a DualTensor was used with a JavaScript operator; use its methods');
  }

  /** A short description: tag, shape and number of tangents. */
  toString(): string {
    return `DualTensor(tag ${this.tag}, shape [${this.shape.join(',')}], ${this.width} tangent${this.width === 1 ? '' : 's'})`;
  }
}

/** The k slices of a stack [k, ...shape], as views of it (a strided stack gives strided views, not a copy). */
export function unstack(stack: Tensor): Tensor[] {
  const shape = stack.shape.slice(1);
  const stride = stack.stride.slice(1);
  const step = stack.stride[0];
  return Array.from({ length: stack.shape[0] }, (_, j) => Tensor.view(stack.data, shape, stride, stack.offset + j * step));
}
