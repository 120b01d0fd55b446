/**
 * Guide 9: your own op. A straight-through estimator — round in the forward pass, the identity
 * in the backward pass — registered once with the same helper the core's ops use, then a method
 * of every kind, differentiable in both modes and nested.
 */
import { custom, registerOp, tensor, type MethodContext, type Op, type Self } from '@ad/core';
import { dual } from '@ad/forward';
import { grad, hessian, type TensorVar, type Var } from '@ad/reverse';

// #region ste
/** ste(x) = round(x); its rules claim the identity's derivative: ẏ = ẋ, x̄ = ȳ. */
const steOp: Op<undefined> = custom<undefined>({
  name: 'ste',
  arity: 1,
  primal: ([x]) => x.round(),
  jvp:
    () =>
    ([xDot]) =>
      xDot,
  vjp: () => (yBar, needs) => [needs[0] ? yBar : null],
});

// Its method's type on every kind (the declared type of steOp keeps the table's type acyclic).
declare module '@ad/core' {
  interface OpTable {
    ste: typeof steOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true };
  }
}

const ste = registerOp(steOp, { scalar: true });
// #endregion ste

// #region use
/** The op on a tensor, its gradient through a product, a tangent on a dual, and a second derivative. */
export function straightThrough(): { rounded: number[]; gradient: number[]; tangent: number; second: number } {
  const w = tensor([0.4, 1.6]);
  const rounded = ste(w).toArray() as number[]; // [0, 2]
  // d/dw Σ ste(w)·w = ste(w) + w: the rounding passes the gradient straight through.
  const gradient = grad((v: TensorVar) => v.ste().mul(v).sum())(w).toArray() as number[];
  const tangent = dual(0.3, [1]).ste().partials[0] as number; // 1
  // f = ste(x)·x², f'' = 2·ste(x) + 4x (ste' = 1): at x = 1.4, 2 + 5.6
  const second = hessian(([x]: Var[]) => x.ste().mul(x.square()))([1.4])[0][0];
  return { rounded, gradient, tangent, second };
}
// #endregion use
