/**
 * lse: log-sum-exp with the max trick, LSE(x) = a + log Σᵢ exp(xᵢ − a), a = max x, from its
 * primitive ops (max, sub, exp, sum, log), as the eval asks — not @ad's fused `logsumexp` op.
 * The gradient is reverse mode over the tensor program: one backward pass gives all n partials
 * (softmax(x); the adjoint that reaches a through both of its uses sums to 1 − Σ softmax = 0).
 * Both are jitted: the program is traced once per length n and sub/exp (and the backward pass's
 * element-wise ops) fuse into single loops without intermediate tensors.
 */
import { type Tensor, tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { type TensorVar, grad } from '@ad/reverse';
import { type Runs, type EvalModule, multipleRuns } from './runs.js';

/** LSE(x) for x: [n], a scalar tensor. */
export function logsumexp<T extends Tensor | TensorVar>(x: T): T {
  const a = x.max(); // []
  return a.add(x.sub(a).exp().sum().log()) as T;
}

const primal = jit((x: Tensor) => logsumexp(x));
const gradient = jit(grad((x: TensorVar) => logsumexp(x)));

interface Input extends Runs {
  x: number[];
}

export const lse: EvalModule = {
  primal: multipleRuns(
    ({ x }: Input) => {
      const xs = tensor(x);
      return () => primal(xs);
    },
    (y) => y.item(),
  ),
  gradient: multipleRuns(
    ({ x }: Input) => {
      const xs = tensor(x);
      return () => gradient(xs);
    },
    (g) => g.toArray(),
  ),
};
