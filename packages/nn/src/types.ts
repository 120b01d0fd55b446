/**
 * What layers compute on: any tensor kind — a plain Tensor (inference), a TensorVar (training,
 * reverse mode) or a DualTensor (forward mode) — so one model runs in every mode. Layers call
 * the ops through core's dispatching algebra, which picks the right mode for the operands.
 */
import { DTypeError, type Algebra, type Tensor } from '@ad/core';
import { anyOps, isTensorLike } from '@ad/core/engine';
import type { DualTensor } from '@ad/forward';
import type { TensorVar } from '@ad/reverse';

/** Any tensor kind a layer computes on: Tensor, TensorVar (reverse mode) or DualTensor (forward mode). */
export type TensorLike = Tensor | TensorVar | DualTensor;

/**
 * What a layer returns for an input kind: the parameters are graph nodes, so a plain tensor or a
 * node in gives a node out; a dual tensor in gives a dual tensor out (forward mode).
 */
export type Out<X extends TensorLike> = X extends DualTensor ? DualTensor : TensorVar;

/** Every op on any tensor kind. */
export const F = anyOps as Algebra<TensorLike>;

/** An options argument: omitted, or an object (never null, a string or an array). */
export function checkOptions(op: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new DTypeError(op, `options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
}

/** Refuses a layer input that is not a tensor of some kind, naming the layer. */
export function checkInput(layer: string, x: unknown): void {
  if (!isTensorLike(x)) {
    throw new DTypeError(
      layer,
      `expects a tensor (Tensor, TensorVar or DualTensor), got ${x === null ? 'null' : Array.isArray(x) ? 'a plain array; wrap it with tensor([...])' : typeof x}`,
    );
  }
}

/** The plain tensor behind a value of any kind (for checks on the numbers themselves). */
export function primalOf(x: TensorLike | number): Tensor | number {
  let v: unknown = x;
  while (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  return v as Tensor | number;
}
