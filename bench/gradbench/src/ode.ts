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
 * steps are one `scan` (@ad/jit) of that step, so `jit` traces one step, not s, and emits a loop
 * over it. The gradient is ∇ₓ y_{n−1}: reverse mode, whose rule for scan runs the step's vjp
 * backwards over the s saved states — under `jit`, a second loop. Both are jitted (one program
 * per s and n); `AD_ODE_MODE=eager` runs them eagerly, for comparison.
 */
import { type Tensor, fromData, tensor } from '@ad/core';
import { jit, scan } from '@ad/jit';
import { type TensorVar, grad } from '@ad/reverse';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** y after s Runge–Kutta steps, for x: [n]: a scan of one step, x carried along unchanged. */
export function solve<T extends Tensor | TensorVar>(x: T, s: number): T {
  const n = x.shape[0];
  const e0 = new Float64Array(n);
  e0[0] = 1;
  const unit = fromData(e0, [n]);
  const h = 2 / s;
  // x rides in the carry rather than being closed over, so that reverse mode's rule for scan
  // sees it as an input (a value the body closes over would make the scan run step by step).
  const step = ([y, xc]: [T, T]): [[T, T], null] => {
    const x0 = xc.mul(unit) as T; // x₀e₀: [n]
    // f(y) = x ⊙ shift(y) + x₀e₀
    const f = (v: T): T => xc.mul(v.slice([0, n - 1]).pad([[1, 0]])).add(x0) as T;
    const k1 = f(y);
    const k2 = f(y.add(k1.mul(h / 2)) as T);
    const k3 = f(y.add(k2.mul(h / 2)) as T);
    const k4 = f(y.add(k3.mul(h)) as T);
    const next = y.add(
      k1
        .add(k2.mul(2))
        .add(k3.mul(2))
        .add(k4)
        .mul(h / 6),
    ) as T;
    return [[next, xc], null];
  };
  const [[y]] = scan(step, [x.mul(0) as T, x], null, { length: s });
  return y;
}

/** ∇ₓ of the last element of y after s steps. */
const gradient = (s: number) => grad((x: TensorVar) => solve(x, s).slice(-1));

/** The jitted primal and gradient for s steps (each traces once per length n). */
const programs = new Map<number, { primal: (x: Tensor) => Tensor; gradient: (x: Tensor) => Tensor }>();
function programsFor(s: number): { primal: (x: Tensor) => Tensor; gradient: (x: Tensor) => Tensor } {
  let p = programs.get(s);
  if (p === undefined) {
    p = { primal: jit((x: Tensor) => solve(x, s)), gradient: jit(gradient(s) as (x: Tensor) => Tensor) };
    programs.set(s, p);
  }
  return p;
}

const MODE = process.env.AD_ODE_MODE === 'eager' ? 'eager' : 'jit';

interface Input extends Runs {
  x: number[];
  s: number;
}

export const ode: EvalModule = {
  primal: multipleRuns(
    ({ x, s }: Input) => {
      const f = MODE === 'jit' ? programsFor(s).primal : (v: Tensor) => solve(v, s);
      const xs = tensor(x);
      return () => f(xs);
    },
    (y) => y.toArray(),
  ),
  gradient: multipleRuns(
    ({ x, s }: Input) => {
      const f = MODE === 'jit' ? programsFor(s).gradient : gradient(s);
      const xs = tensor(x);
      return () => f(xs);
    },
    (g) => g.toArray(),
  ),
};
