/**
 * llsq: the linear-least-squares objective of cmpad, y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)², with
 * tᵢ = −1 + 2i/(n − 1) and sᵢ = sign(tᵢ). As array math it is y(x) = ½ ‖s − V x‖² with V the
 * n × m Vandermonde matrix Vᵢⱼ = tᵢʲ: one matrix–vector product and a sum of squares. The
 * gradient, −Vᵀ(s − V x), comes from reverse mode over that program (matmul's rule x̄ = Vᵀȳ).
 * V and s depend on n and m only, not on x: they are the eval's data, built in every timed run
 * (the eval sends n, not the data) but outside the differentiated function. They are filled by
 * a plain loop of running products tᵢʲ = tᵢʲ⁻¹·tᵢ, as the C++ reference computes them: the
 * tensor form pow(t[:, None], j[None, :]) takes 120 ms at n = 16,392 (broadcast pow, 60 ns an
 * element), 30 times the matrix–vector product it feeds.
 */
import { type Tensor, fromData, tensor } from '@ad/core';
import { jit } from '@ad/jit';
import { type TensorVar, grad } from '@ad/reverse';
import { type EvalModule, type Runs, multipleRuns } from './runs.js';

/** V: [n, m], Vᵢⱼ = tᵢʲ, and s: [n], sᵢ = sign(tᵢ), for tᵢ = −1 + 2i/(n − 1). */
export function data(n: number, m: number): { V: Tensor; s: Tensor } {
  const V = new Float64Array(n * m);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = -1 + (i * 2) / (n - 1);
    s[i] = Math.sign(t);
    let power = 1;
    for (let j = 0; j < m; j++, power *= t) V[i * m + j] = power;
  }
  return { V: fromData(V, [n, m]), s: fromData(s, [n]) };
}

/** y(x) = ½ ‖s − V x‖² for V: [n, m], s: [n], x: [m]. */
export function objective<T extends Tensor | TensorVar>(V: Tensor, s: Tensor, x: T): T {
  const r = s.sub(V.matmul(x)); // [n]
  return r.square().sum().div(2) as T;
}

const primal = jit((V: Tensor, s: Tensor, x: Tensor) => objective(V, s, x));
const gradient = jit((V: Tensor, s: Tensor, x: Tensor) => grad((x: TensorVar) => objective(V, s, x))(x));

interface Input extends Runs {
  x: number[];
  n: number;
}

export const llsq: EvalModule = {
  primal: multipleRuns(
    ({ x, n }: Input) => {
      const xs = tensor(x);
      return () => {
        const { V, s } = data(n, x.length);
        return primal(V, s, xs);
      };
    },
    (y) => y.item(),
  ),
  gradient: multipleRuns(
    ({ x, n }: Input) => {
      const xs = tensor(x);
      return () => {
        const { V, s } = data(n, x.length);
        return gradient(V, s, xs);
      };
    },
    (g) => g.toArray(),
  ),
};
