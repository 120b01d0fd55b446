/** Making duals by hand, for users who seed directions themselves. */
import { DTypeError, Tensor, ValueError, newTag } from '@ad/core';
import { Dual, DualTensor } from './dual.js';

/**
 * A dual number: `dual(3, [1, 0])` is x = 3 seeded with e₁ in a width-2 seed vector.
 * Duals made in one call share a fresh tag when given the same `tag`; omit it for a new one.
 * The tangent defaults to [1] (the seed of d/dx).
 */
export function dual(value: number, tangent: readonly number[] | Float64Array = [1], tag = newTag()): Dual {
  if (typeof value !== 'number') throw new DTypeError('dual', `value must be a number, got ${typeof value}`);
  const t = Array.from(tangent);
  if (!t.every((v) => typeof v === 'number')) throw new DTypeError('dual', 'the tangent must hold numbers');
  return Dual.of(tag, value, t);
}

/** A dual tensor: a primal tensor and k tangent tensors of its shape (one per direction). */
export function dualTensor(value: Tensor, tangents: readonly Tensor[], tag = newTag()): DualTensor {
  if (tangents.length === 0) throw new ValueError('dualTensor', 'a dual tensor needs at least one tangent (a seed vector of width ≥ 1)');
  tangents.forEach((t, j) => {
    if (t.shape.length !== value.shape.length || t.shape.some((d, i) => d !== value.shape[i])) {
      throw new ValueError('dualTensor', `tangent ${j} has shape [${t.shape.join(',')}], the value has shape [${value.shape.join(',')}]`);
    }
  });
  return new DualTensor(tag, value, tangents);
}
