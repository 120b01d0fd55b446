/**
 * One function, written once with types, for both modes: TypeScript accepts it for Var and Dual
 * (the test command type-checks this file), and both modes give its derivative.
 */
import { type Dual, derivative, jvp, jacfwd } from '@ad/forward';
import { type Var, grad, jacrev, valueAndGrad } from '@ad/reverse';

type Scalar = Var | Dual;

/** f(x) = sin(x²) + x/2, typed once for either kind of scalar. */
const f = (x: Scalar): Scalar => x.mul(x).sin().add(x.div(2));
/** h(x, y) = x·y + sin x over an array of either kind. */
const h = ([x, y]: Scalar[]): Scalar => x.mul(y).add(x.sin());

test('a function typed for Var | Dual differentiates in both modes', () => {
  const x = 1.3;
  const exact = 2 * x * Math.cos(x * x) + 0.5; // f′(x) = 2x·cos(x²) + ½
  expect(derivative(f)(x)).toBeCloseTo(exact, 14);
  expect(grad(([v]) => f(v))([x])[0]).toBeCloseTo(exact, 14);
  const hx = [2 + Math.cos(1), 1]; // ∂h/∂x = y + cos x, ∂h/∂y = x at (1, 2)
  expect(grad(h)([1, 2])).toEqual(hx.map((v) => expect.closeTo(v, 14)));
  expect(valueAndGrad(h)([1, 2]).grad[1]).toBeCloseTo(1, 14);
  expect(jvp(h, [1, 2], [1, 0]).tangent).toBeCloseTo(hx[0], 14);
  expect(jacfwd(h)([1, 2])[0][1]).toBeCloseTo(1, 14);
  expect(jacrev(h)([1, 2])[0][0]).toBeCloseTo(hx[0], 14);
});
