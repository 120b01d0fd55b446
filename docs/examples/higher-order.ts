/**
 * Guide 8: second derivatives — Hessians both ways, Hessian-vector products — and the
 * perturbation confusion that tags prevent.
 */
import { derivative, hessian as hessianFwd, type Dual, type Scalar } from '@ad/forward';
import { hessian as hessianRev, hvp, type Var } from '@ad/reverse';

// #region hessians
/** f(x, y) = x²y + y³: ∂²f/∂x² = 2y, ∂²f/∂x∂y = 2x, ∂²f/∂y² = 6y; at (1, 2): [[4, 2], [2, 12]]. */
const f = (xs: (Dual | Var)[]): Dual | Var => {
  const [x, y] = xs as Var[]; // written once: it runs on Dual and on Var alike
  return x.square().mul(y).add(y.pow(3));
};

export function hessians(): { forwardOverForward: number[][]; forwardOverReverse: number[][] } {
  return {
    forwardOverForward: hessianFwd(f as (xs: Dual[]) => Dual)([1, 2]), // jacfwd of jacfwd
    forwardOverReverse: hessianRev(f as (xs: Var[]) => Var)([1, 2]), // jacfwd of grad
  };
}
// #endregion hessians

// #region hvp
/** The Rosenbrock function (1 − x)² + 100(y − x²)² and H·v without forming H. */
const rosenbrock = ([x, y]: Var[]) => x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));

export function hessianVectorProducts(): { H: number[][]; Hv1: number[]; Hv2: number[]; Hv11: number[] } {
  const at = [0.5, 0.5];
  return {
    H: hessianRev(rosenbrock)(at), // [[102, −200], [−200, 200]]
    Hv1: hvp(rosenbrock)(at, [1, 0]), // H·e₁, the first column
    Hv2: hvp(rosenbrock)(at, [0, 1]), // H·e₂, the second column
    Hv11: hvp(rosenbrock)(at, [1, 1]), // H·(1, 1) = the sum of the columns
  };
}
// #endregion hvp

// #region second-derivative
/** d²/dx² sin x at x = 2, as the derivative of the derivative (at a Dual the inner call returns a Dual). */
export function secondDerivative(): { ad: number; exact: number } {
  const d = (g: (x: Dual) => Scalar) => (x: Dual) => derivative(g)(x);
  const ad = derivative(d((x) => x.sin()))(2);
  return { ad, exact: -Math.sin(2) };
}
// #endregion second-derivative

// #region confusion
/** A dual number with no tag: one ε shared by every derivative in flight. */
class UntaggedDual {
  constructor(
    readonly value: number,
    readonly dot: number,
  ) {}
  add(o: UntaggedDual | number): UntaggedDual {
    return typeof o === 'number' ? new UntaggedDual(this.value + o, this.dot) : new UntaggedDual(this.value + o.value, this.dot + o.dot);
  }
  mul(o: UntaggedDual): UntaggedDual {
    return new UntaggedDual(this.value * o.value, this.dot * o.value + this.value * o.dot);
  }
}
const untaggedDerivative = (g: (x: UntaggedDual) => UntaggedDual) => (x: number | UntaggedDual) => {
  const seeded = typeof x === 'number' ? new UntaggedDual(x, 1) : new UntaggedDual(x.value, 1); // ε on x
  return g(seeded).dot;
};

/** d/dx [x · d/dy (x + y)] at x = 3: the inner derivative is 1, so the answer is 1. */
export function perturbationConfusion(): { untagged: number; tagged: number } {
  // Without tags the inner derivative also sees x's ε: x + y = … + 2ε, so "d/dy (x + y)" = 2.
  const untagged = untaggedDerivative((x) => x.mul(new UntaggedDual(untaggedDerivative((y) => x.add(y))(1), 0)))(3);
  // With tags the inner derivative treats the outer x as a constant.
  const tagged = derivative((x) => x.mul(derivative((y) => x.add(y))(1)))(3);
  return { untagged, tagged };
}
// #endregion confusion
