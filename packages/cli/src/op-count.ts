/**
 * Counting the work of a computation, for the cost tables of `ad compare`. Every tensor op of
 * @ad, in either mode and in both passes, ends in its primal kernel from core's op table, so
 * wrapping those kernels counts everything that ran (the technique of the reverse package's
 * cheap-gradient test). The work of one kernel call is the number of scalar results it
 * computes, times the inner dimension for matmul: multiply-adds for matmul, elements for the
 * rest. Scalar (non-tensor) ops are not counted; the families and MLPs measured are tensor code.
 */
import type { Tensor } from '@ad/core';
import { ops } from '@ad/core/engine';

export interface Work {
  /** Scalar results computed (multiply-adds for matmul). */
  work: number;
  /** Kernel calls. */
  kernels: number;
}

type Primal = (xs: readonly Tensor[], params: unknown) => Tensor;

/** Runs fn with every op's kernel counted; restores the kernels afterwards, even on a throw. */
export function countWork<T>(fn: () => T): { result: T } & Work {
  const tally: Work = { work: 0, kernels: 0 };
  const saved: [{ primal: Primal; name: string }, Primal][] = [];
  for (const op of Object.values(ops) as unknown as { primal: Primal; name: string }[]) {
    const primal = op.primal;
    saved.push([op, primal]);
    op.primal = (xs, params) => {
      const out = primal(xs, params);
      tally.kernels++;
      tally.work += op.name === 'matmul' ? out.size * xs[0].shape[xs[0].shape.length - 1] : out.size;
      return out;
    };
  }
  try {
    const result = fn();
    return { result, ...tally };
  } finally {
    for (const [op, primal] of saved) op.primal = primal;
  }
}
