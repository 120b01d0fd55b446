/**
 * particle and saddle differentiate functions that contain derivatives. Their outer derivatives
 * in all four nestings (rr, rf, fr, ff) must agree with each other and with a central finite
 * difference of the function, inner derivatives and all. Perturbation confusion would break the
 * agreement: particle's inner gradient closes over the charge (10, 10 − w), which moves with w.
 */
import { type Mode, type Scalar, argmax, primal, valueAndGradient } from '../src/descent.js';
import { missDistance } from '../src/particle.js';
import { objective } from '../src/saddle.js';

const ORDERS: readonly (readonly [Mode, Mode])[] = [
  ['r', 'r'],
  ['r', 'f'],
  ['f', 'r'],
  ['f', 'f'],
];

/** (f(x + h) − f(x − h)) / 2h along coordinate i. */
function centralDifference(f: (x: number[]) => number, x: readonly number[], i: number, h: number): number {
  const plus = x.map((v, j) => (j === i ? v + h : v));
  const minus = x.map((v, j) => (j === i ? v - h : v));
  return (f(plus) - f(minus)) / (2 * h);
}

describe('particle: d/dw of the miss distance, whose Euler steps each take ∇ₓp', () => {
  const at = (w: number, outer: Mode, inner: Mode) => {
    const { value, gradient } = valueAndGradient(outer, ([v]) => missDistance(v, inner))([w]);
    return { value: primal(value), slope: primal(gradient[0]) };
  };

  it.each([0, 0.25])('at w = %s, the four orders agree with each other and with a central difference', (w) => {
    const results = ORDERS.map(([outer, inner]) => at(w, outer, inner));
    // The objective with the inner gradient in either mode, at plain numbers.
    const fd = centralDifference(([v]) => primal(missDistance(v, 'r')), [w], 0, 1e-6);
    expect(primal(missDistance(w, 'f'))).toBeCloseTo(results[0].value, 12);
    for (const { value, slope } of results) {
      expect(value).toBeCloseTo(results[0].value, 12);
      expect(Math.abs(slope - results[0].slope)).toBeLessThanOrEqual(1e-9 * Math.abs(results[0].slope));
      expect(Math.abs(slope - fd)).toBeLessThanOrEqual(1e-5 * Math.abs(fd));
    }
  });
});

describe('saddle: d/dp₁ of max over p₂ of f(p₁, p₂), through the inner ascent', () => {
  const start = [1, 1];
  /** F(p₁) = max over p₂ of |p₁|² − |p₂|², by the inner mode's ascent from `start`. */
  const maxOverP2 = (inner: Mode) => (p1: Scalar[]) =>
    argmax(
      valueAndGradient(inner, (p2) => objective(p1, p2)),
      start,
    ).value;

  it.each([
    [0.5, -0.25],
    [1, 1],
  ])('at p₁ = (%s, %s), the four orders agree with each other, with a central difference and with 2p₁', (a, b) => {
    const gradients = ORDERS.map(([outer, inner]) => valueAndGradient(outer, maxOverP2(inner))([a, b]).gradient.map(primal));
    const F = (p1: number[]) => primal(maxOverP2('r')(p1));
    const fd = [0, 1].map((i) => centralDifference(F, [a, b], i, 1e-5));
    for (const g of gradients) {
      g.forEach((gi, i) => {
        expect(gi).toBeCloseTo(gradients[0][i], 12);
        expect(gi).toBeCloseTo(fd[i], 6);
        // The envelope theorem: the maximiser does not depend on p₁ here, so ∇F = 2p₁.
        expect(gi).toBeCloseTo(2 * [a, b][i], 6);
      });
    }
  });
});
