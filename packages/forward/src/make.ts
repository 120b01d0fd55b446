/** Making duals by hand, for users who seed directions themselves. */
import { DTypeError, Tensor, ValueError } from '@ad/core';
import { newTag } from '@ad/core/engine';
import { Dual, DualTensor } from './dual.js';

/**
 * The level of duals made by hand: one tag, taken when this module loads, shared by every
 * `dual()` and `dualTensor()` without a tag — so `dual(3, [1, 0])` and `dual(2, [0, 1])` are
 * perturbations of ONE derivative and combine into one dual of width 2 (as ForwardDiff's
 * untagged duals and PyTorch's duals of one `dual_level` do). It is older than every
 * transform's tag, so a transform called on or inside code holding by-hand duals sees them
 * as constants of its own derivative: no perturbation confusion.
 */
export const BY_HAND_TAG: number = newTag();

/**
 * A dual number: `dual(3, [1, 0])` is x = 3 seeded with e₁ in a width-2 seed vector.
 * Duals made by hand share one level (BY_HAND_TAG), so duals of one width combine; pass `tag`
 * (from `newTag()`) to make the perturbation of a derivative of your own.
 * The tangent defaults to [1] (the seed of d/dx).
 */
export function dual(value: number, tangent: readonly number[] | Float64Array = [1], tag: number = BY_HAND_TAG): Dual {
  if (typeof value !== 'number') throw new DTypeError('dual', `value must be a number, got ${typeof value}`);
  if (!Array.isArray(tangent) && !(tangent instanceof Float64Array)) {
    throw new DTypeError('dual', `the tangent must be an array of numbers (a seed vector), got ${typeof tangent}`);
  }
  const t = Array.from(tangent);
  if (!t.every((v) => typeof v === 'number')) throw new DTypeError('dual', 'the tangent must hold numbers');
  checkTag('dual', tag);
  return Dual.of(tag, value, t);
}

/** A dual tensor: a primal tensor and k tangent tensors of its shape (one per direction), at the by-hand level unless tagged. */
export function dualTensor(value: Tensor, tangents: readonly Tensor[], tag: number = BY_HAND_TAG): DualTensor {
  if (!(value instanceof Tensor)) throw new DTypeError('dualTensor', `value must be a Tensor, got ${typeof value}`);
  if (!Array.isArray(tangents)) throw new DTypeError('dualTensor', `tangents must be an array of tensors, got ${typeof tangents}`);
  if (tangents.length === 0) throw new ValueError('dualTensor', 'a dual tensor needs at least one tangent (a seed vector of width ≥ 1)');
  tangents.forEach((t, j) => {
    if (!(t instanceof Tensor)) throw new DTypeError('dualTensor', `tangent ${j} must be a Tensor, got ${typeof t}`);
    if (t.shape.length !== value.shape.length || t.shape.some((d, i) => d !== value.shape[i])) {
      throw new ValueError('dualTensor', `tangent ${j} has shape [${t.shape.join(',')}], the value has shape [${value.shape.join(',')}]`);
    }
  });
  checkTag('dualTensor', tag);
  return new DualTensor(tag, value, tangents);
}

function checkTag(op: string, tag: unknown): void {
  if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 1) {
    throw new DTypeError(op, `tag must be a positive integer (from newTag()), got ${String(tag)}`);
  }
}
