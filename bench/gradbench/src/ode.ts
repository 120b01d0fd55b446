/**
 * ode: cmpad's an_ode, s steps of classical 4th-order Runge–Kutta from y(0) = 0 to t = 2 for
 *
 *     y₀′ = x₀,   yᵢ′ = xᵢ·yᵢ₋₁  (i > 0),     i.e.  y′ = f(y) = x ⊙ shift(y) + x₀e₀,
 *
 * where shift(y) = [0, y₀, …, y_{n−2}] is y moved down by one place (a slice and a pad: two
 * views of the same block copy) and e₀ is the first unit vector. With h = 2/s each step is
 *
 *     k₁ = f(y),  k₂ = f(y + h/2·k₁),  k₃ = f(y + h/2·k₂),  k₄ = f(y + h·k₃),
 *     y ← y + h/6·(k₁ + 2k₂ + 2k₃ + k₄),
 *
 * as the C++ reference computes it: a dozen element-wise passes over n numbers per step. The
 * gradient is ∇ₓ y_{n−1}: reverse mode over the s steps (one backward pass for all n partials,
 * the graph of ~25·s tensor ops recorded on the way).
 */
import { type Tensor, fromData, tensor } from '@ad/core';
import { type TensorVar, grad } from '@ad/reverse';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** y after s Runge–Kutta steps, for x: [n]. */
export function solve<T extends Tensor | TensorVar>(x: T, s: number): T {
  const n = x.shape[0];
  const e0 = new Float64Array(n);
  e0[0] = 1;
  const x0 = x.mul(fromData(e0, [n])) as T; // x₀e₀: [n]
  // f(y) = x ⊙ shift(y) + x₀e₀
  const f = (y: T): T => x.mul(y.slice([0, n - 1]).pad([[1, 0]])).add(x0) as T;
  const h = 2 / s;
  let y = x.mul(0) as T;
  for (let step = 0; step < s; step++) {
    const k1 = f(y);
    const k2 = f(y.add(k1.mul(h / 2)) as T);
    const k3 = f(y.add(k2.mul(h / 2)) as T);
    const k4 = f(y.add(k3.mul(h)) as T);
    y = y.add(
      k1
        .add(k2.mul(2))
        .add(k3.mul(2))
        .add(k4)
        .mul(h / 6),
    ) as T;
  }
  return y;
}

/** ∇ₓ of the last element of y after s steps. */
const gradient = (s: number) => grad((x: TensorVar) => solve(x, s).slice(-1));

interface Input extends Runs {
  x: number[];
  s: number;
}

export const ode: EvalModule = {
  primal: multipleRuns(
    ({ x, s }: Input) => {
      const xs = tensor(x);
      return () => solve(xs, s);
    },
    (y) => y.toArray(),
  ),
  gradient: multipleRuns(
    ({ x, s }: Input) => {
      const f = gradient(s);
      const xs = tensor(x);
      return () => f(xs);
    },
    (g) => g.toArray(),
  ),
};
