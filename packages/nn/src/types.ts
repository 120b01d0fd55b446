/**
 * What layers compute on: any tensor kind — a plain Tensor (inference), a TensorVar (training,
 * reverse mode) or a DualTensor (forward mode) — so one model runs in every mode. Layers call
 * the ops through core's dispatching algebra, which picks the right mode for the operands.
 */
import { AdError, DTypeError, ShapeError, ValueError, type Algebra, type Tensor } from '@ad/core';
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

/** How a value that is not a tensor reads in a message. */
function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a plain array; wrap it with tensor([...])';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (typeof x === 'number' || typeof x === 'bigint') return `the ${typeof x} ${String(x)}; wrap it with tensor([...])`;
  return typeof x;
}

/**
 * Refuses a layer input that is not a tensor of some kind, naming the layer (and the argument,
 * for functions of several tensors): `Linear: expects a tensor …, got a plain array; wrap it with tensor([...])`.
 */
export function checkInput(layer: string, x: unknown, argument?: string): void {
  if (!isTensorLike(x)) {
    throw new DTypeError(
      layer,
      `${argument === undefined ? 'expects a tensor' : `${argument} must be a tensor`} (Tensor, TensorVar or DualTensor), got ${describe(x)}`,
    );
  }
}

/** A boolean option; 'no' or 0 is refused, not read as true or false. */
export function checkFlag(name: string, key: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') throw new DTypeError(name, `${key} must be true or false, got ${typeof v} ${JSON.stringify(String(v))}`);
}

const renamed = [ShapeError, DTypeError, ValueError] as const;

/**
 * Runs the ops behind a public function and raises their typed errors again under its name:
 * `Conv2d: a 5×5 window … does not fit an image of 3×3`, not `im2col: …`. The detail is the
 * op's own (it knows what it got and needed); only the name changes to the one the user called.
 */
export function asCalledBy<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const Class = renamed.find((c) => e instanceof AdError && e.constructor === c);
    if (Class === undefined || (e as AdError).op === name) throw e;
    const err = e as AdError;
    throw new Class(name, err.message.slice(err.op.length + 2));
  }
}

/**
 * The plain tensor behind a value of any derivative (a TensorVar's, a DualTensor's value): what a
 * computation on the primal reads. It stops at a vmap batch (whose `examples` are not one
 * value), so a computation on it still runs once per example.
 */
export function primalOf(x: TensorLike | number): Tensor | number {
  let v: unknown = x;
  while (typeof v === 'object' && v !== null && 'value' in v) v = (v as { value: unknown }).value;
  return v as Tensor | number;
}

/**
 * Every number behind a value, through derivatives and vmap batches alike: for checks on the
 * numbers themselves (probabilities in [0, 1], labels in range), which hold for every example.
 */
export function numbersBehind(x: unknown): Tensor | number {
  let v: unknown = x;
  for (;;) {
    if (typeof v !== 'object' || v === null) break;
    if ('value' in v) v = (v as { value: unknown }).value;
    else if ('examples' in v) v = (v as { examples: unknown }).examples;
    else break;
  }
  return v as Tensor | number;
}
