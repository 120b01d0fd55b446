/**
 * Batching rules (vmap): how an op runs over a batch of examples at once. A batched operand
 * holds every example along its first axis; an unbatched one is the same for every example.
 * A rule returns the op's value for the whole batch, its batch axis first — so the batch is
 * never a loop over examples. Like the other rules, a batching rule is code over an
 * `Algebra<T>`, so it batches values of any mode (a graph node, a dual, a jit tracer).
 *
 * Most rules follow from what kind of op it is, and live here: element-wise ops line their
 * operands up behind the batch axis; ops with axes in their parameters (reductions, views,
 * softmax) apply to the batch with every axis moved past it. The rest (matmul, the index
 * ops, the window ops) write theirs beside their definitions.
 */
import { arange } from '../create.js';
import type { Algebra } from './algebra.js';
import type { Op } from './define.js';

/**
 * How an op batches. `apply` gets the operands (those with `batched[i]` carry the batch as
 * their first axis, of length `size`), the op itself and its parameters, and returns the
 * batched value, its batch axis first.
 */
export interface BatchRule<P> {
  /** How the op batches, in a phrase: the docs' table of ops reads it. */
  readonly how: string;
  /** The op over the whole batch: operands with `batched[i]` carry the batch first; the result carries it first. */
  apply<T>(o: Algebra<T>, op: Op<P>, xs: readonly T[], batched: readonly boolean[], params: P, size: number): T;
}

/** A batched value's shape for one example: its own shape without the batch axis. */
export function exampleShape<T>(o: Algebra<T>, x: T, batched: boolean): readonly number[] {
  const s = o.shape(x);
  return batched ? s.slice(1) : s;
}

/** A batched x [B, …s] seen with `rank` axes per example: [B, 1, …, 1, …s] (ones inserted behind the batch axis). */
export function alignBatched<T>(o: Algebra<T>, x: T, rank: number): T {
  const s = o.shape(x);
  const own = s.length - 1;
  return own >= rank ? x : o.reshape(x, [s[0], ...new Array<number>(rank - own).fill(1), ...s.slice(1)]);
}

/** Broadcasts an unbatched x to the batch: [B, …shape(x)] (a view). */
export function spreadOverBatch<T>(o: Algebra<T>, x: T, size: number): T {
  return o.broadcastTo(x, [size, ...o.shape(x)]);
}

/** [0, n, 2n, …, (B−1)·n] shaped [B, 1, …, 1] with `rank` ones: each example's offset into a flat batch of n-element examples. */
export function exampleOffsets<T>(o: Algebra<T>, size: number, n: number, rank: number): T {
  const offsets = o.mul(arange(size) as unknown as T, n);
  return rank === 0 ? offsets : o.reshape(offsets, [size, ...new Array<number>(rank).fill(1)]);
}

/**
 * Element-wise ops (with NumPy broadcasting): each batched operand gets ones inserted behind its
 * batch axis up to the operands' largest rank per example, so the examples line up and the
 * unbatched operands broadcast across the batch as they broadcast across any leading axis.
 * Every op made by `elementwise()` has it; a `custom` op that is element-wise can name it as its
 * `batch`.
 */
export const elementwiseBatch: BatchRule<unknown> = {
  how: 'element-wise: operands aligned behind the batch axis',
  apply: (o, op, xs, batched, params) => {
    let rank = 0;
    xs.forEach((x, i) => {
      rank = Math.max(rank, exampleShape(o, x, batched[i]).length);
    });
    const aligned = xs.map((x, i) => (batched[i] ? alignBatched(o, x, rank) : x));
    return o.interpreter.apply(op, aligned, params);
  },
};

/**
 * An op of one operand whose parameters name axes (reductions, softmax, reshape, permute,
 * slice): the op on the batch, with `shift` rewriting the parameters for the batch axis in
 * front (axes + 1, a target shape with the batch size first).
 */
export function shiftedParams<P>(how: string, shift: (params: P, size: number) => P): BatchRule<P> {
  return {
    how,
    apply: (o, op, [x], _batched, params, size) => o.interpreter.apply(op, [x], shift(params, size)),
  };
}

/** Every axis number moved past the batch axis. */
export function shiftAxes(axes: readonly number[]): number[] {
  return axes.map((a) => a + 1);
}
