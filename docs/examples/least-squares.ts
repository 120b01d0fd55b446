/**
 * Guide 1: linear least squares solved by gradient descent, with the gradient from @ad, and
 * checked against the closed-form solution of the normal equations.
 */
import { tensor, type Tensor } from '@ad/core';
import { grad, valueAndGrad, type TensorVar } from '@ad/reverse';

// #region data
// Six measurements (xₙ, yₙ). We fit the line y ≈ θ₀ + θ₁·x, so each row of X is xₙᵀ = (1, xₙ).
const xs = [1, 2, 3, 4, 5, 6];
const ys = [2.9, 5.1, 7.2, 8.8, 11.1, 13.0];
const X = tensor(xs.map((x) => [1, x])); // [6, 2]
const Xt = X.transpose(); // [2, 6], a view
const y = tensor(ys); // [6]
// #endregion data

// #region cost
/** J(θ) = Σₙ (yₙ − xₙᵀθ)², the sum of squared residuals. */
const J = (theta: TensorVar) => {
  const fit = theta.matmul(Xt); // [6]: xₙᵀθ for every n (θᵀXᵀ = (Xθ)ᵀ)
  return fit.sub(y).square().sum(); // a scalar: (xₙᵀθ − yₙ)² = (yₙ − xₙᵀθ)², summed
};
// #endregion cost

// #region descent
/** Plain gradient descent: θ ← θ − η·∇J(θ), from θ = 0. */
export function gradientDescent(steps = 2000, lr = 0.005): { theta: number[]; cost: number; history: number[] } {
  const dJ = valueAndGrad(J);
  let theta: Tensor = tensor([0, 0]);
  const history: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { value, grad: g } = dJ(theta); // J(θ) and ∇J(θ), one forward and one backward pass
    history.push(value.item());
    theta = theta.sub(g.mul(lr));
  }
  return { theta: theta.toArray() as number[], cost: dJ(theta).value.item(), history };
}
// #endregion descent

// #region closed-form
/** The minimiser solves the normal equations XᵀX θ = Xᵀy (here a 2 × 2 system). */
export function closedForm(): { theta: number[]; cost: number } {
  const A = Xt.matmul(X).toArray() as number[][]; // XᵀX
  const b = Xt.matmul(y).toArray() as number[]; // Xᵀy
  const det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
  const theta = [(b[0] * A[1][1] - A[0][1] * b[1]) / det, (A[0][0] * b[1] - A[1][0] * b[0]) / det];
  const r = ys.map((yn, n) => yn - (theta[0] + theta[1] * xs[n]));
  return { theta, cost: r.reduce((s, rn) => s + rn * rn, 0) };
}
// #endregion closed-form

// #region check-gradient
/** ∇J(θ) = −2 Xᵀ(y − Xθ): @ad's gradient against the formula, at θ = (1, 1). */
export function gradientAgainstFormula(): { ad: number[]; formula: number[] } {
  const theta = tensor([1, 1]);
  const ad = grad(J)(theta).toArray() as number[];
  const formula = Xt.matmul(y.sub(X.matmul(theta)))
    .mul(-2)
    .toArray() as number[];
  return { ad, formula };
}
// #endregion check-gradient

// #region curvature
/** The eigenvalues of the Hessian 2XᵀX of J (a symmetric 2 × 2 matrix): its curvatures. */
export function curvature(): { largest: number; smallest: number } {
  const [[a, b], [, d]] = Xt.matmul(X).mul(2).toArray() as number[][];
  const mean = (a + d) / 2;
  const spread = Math.sqrt(((a - d) / 2) ** 2 + b * b);
  return { largest: mean + spread, smallest: mean - spread };
}
// #endregion curvature
