/**
 * Guide 11: source transformation. jit traces f once and writes its derivative out as a
 * straight-line JavaScript program: the primal and the adjoint statements together.
 */
import { type Tensor, randn, tensor } from '@ad/core';
import { jit, scan, TracingError } from '@ad/jit';
import { grad, type TensorVar, type Var } from '@ad/reverse';

const f = ([x, y]: Var[]) => x.add(y).mul(x.sub(y));

// #region jit-f
/** f(x, y) = (x + y)(x − y) compiled: one statement per node of its graph. */
export function compiledF(): { value: number; source: string } {
  const jf = jit(f as unknown as (xs: number[]) => number);
  const value = jf([3, 2]); // 5
  return { value, source: jf.source };
  // const v2 = v0 + v1; // add
  // const v3 = v0 - v1; // sub
  // const v4 = v2 * v3; // mul
}
// #endregion jit-f

// #region jit-grad
/** Its gradient compiled: the primal statements, then the adjoints, in locals. */
export function compiledGradient(): { gradient: number[]; source: string; statements: number } {
  const jg = jit(grad(f));
  const gradient = jg([3, 2]); // [6, -4]
  const statements = jg.source.split('\n').filter((l) => /const v\d+ = .*\/\/ (?!input)/.test(l)).length;
  return { gradient, source: jg.source, statements };
  // const v2 = v0 + v1; // add         x + y
  // const v3 = v0 - v1; // sub         x − y
  // const v4 = -v2; // neg             −(x + y): the sub node's ȳ share
  // const v5 = v2 + v3; // add         x̄ = (x − y)·1 + (x + y)·1
  // const v6 = v3 + v4; // add         ȳ = (x − y)·1 − (x + y)
  // return [v5, v6];
}
// #endregion jit-grad

// #region tensor
/** A tensor function: the element-wise chain after the matmul becomes one loop. */
export function fusedLayer(): { source: string; agrees: boolean } {
  const w = randn([3, 4], { seed: 1 });
  const layer = (x: Tensor) => x.matmul(w).tanh().mul(2).add(1).sum();
  const jl = jit(layer);
  const x = randn([5, 3], { seed: 2 });
  const agrees = Math.abs((jl(x) as Tensor).item() - layer(x).item()) < 1e-12;
  return { source: jl.source, agrees };
}
// #endregion tensor

// #region control-flow
/** An `if` on a traced value cannot be traced; `where` (a comparison as a mask) can. */
export function controlFlow(): { message: string; viaMask: number[] } {
  const branchy = jit(grad(([x]: Var[]) => ((x.value as unknown as number) > 0 ? x.square() : x)));
  let message = '';
  try {
    branchy([3]);
  } catch (e) {
    if (e instanceof TracingError) message = e.message;
  }
  // The same choice with masks: [x > 0]·x² + [x ≤ 0]·x.
  const masked = jit(grad(([x]: Var[]) => x.gt(0).mul(x.square()).add(x.le(0).mul(x))));
  return { message, viaMask: [...masked([3]), ...masked([-3])] };
}
// #endregion control-flow

// #region scan
/**
 * A loop that stays a loop: x ← x + h·sin(x), 100 Euler steps, as a scan. Its gradient traces
 * the step and its vjp once each, whatever the number of steps, and compiles to two loops.
 */
export function scannedLoop(): { gradient: number[]; unrolled: number[]; source: string; traced: number } {
  const euler = (steps: number) => (x0: Tensor | TensorVar) => {
    const [x] = scan((x: Tensor | TensorVar) => [x.add(x.sin().mul(0.01)), null], x0, null, { length: steps });
    return x.sum();
  };
  const byHand = (x0: TensorVar) => {
    let x: TensorVar = x0;
    for (let t = 0; t < 100; t++) x = x.add(x.sin().mul(0.01));
    return x.sum();
  };
  const at = tensor([0.5, 1, 2]);
  const dEuler = jit(grad(euler(100)));
  return {
    gradient: [...(dEuler(at) as Tensor).toFloat64Array()],
    unrolled: [...(grad(byHand) as unknown as (x: Tensor) => Tensor)(at).toFloat64Array()],
    source: dEuler.source,
    traced: dEuler.lower(at as never).traced,
  };
}
// #endregion scan
