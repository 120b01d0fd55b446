/**
 * Forward over reverse records a scalar element-wise op on Duals with its partials ∂y/∂xᵢ,
 * computed when it is recorded, instead of a closure over the op's reverse rule (tape.ts,
 * PARTIALS). For every element-wise op of the table: the Hessian this way equals, bit for bit,
 * the one recorded with closures (anomaly detection keeps the closures), and it is the
 * forward-over-forward Hessian to rounding.
 */
import { type Tensor, detectAnomaly, tensor } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { type Dual, type DualTensor, hessian as forwardHessian, jvp } from '@ad/forward';
import { opSpecs, specApply, specInputs } from '@ad/test-support/op-specs';
import { type Var, backward, hessian, variable } from '../src/index.js';

/** Lines of the op spec table for element-wise ops of one or two operands with a derivative. */
const lines = opSpecs.filter(([, spec]) => 'op' in spec && spec.op.elementwise?.partials != null && spec.op.arity <= 2);

/** y = op(a[, b]) at the line's first input element(s); f(a, b, c) = y² + y·c (a Hessian with every kind of entry). */
function program(spec: (typeof lines)[number][1]) {
  const apply = specApply(spec);
  const arity = spec.shapes.length;
  const f = <T extends Var | Dual>(xs: T[]): T => {
    const y = apply(anyOps, xs.slice(0, arity)) as T;
    return y.mul(y as never).add(y.mul(xs[2] as never)) as T;
  };
  const inputs = specInputs(spec).map((t) => t.toFloat64Array()[0]);
  return { f, x: [...inputs, ...(arity === 1 ? [0.3] : []), 0.7] };
}

/** −0 as 0: with anomaly detection the forward rules sum their terms without starting from 0, which can only change a zero's sign. */
const unsigned = (H: number[][]) => H.map((row) => row.map((v) => v + 0));

describe('forward over reverse with recorded partials', () => {
  test('the table has element-wise ops to check', () => {
    expect(lines.length).toBeGreaterThan(20);
  });

  test.each(lines)('%s: the same bits as the closures of its reverse rule, and the forward-over-forward Hessian', (_name, spec) => {
    const { f, x } = program(spec);
    const H = hessian(f as (xs: Var[]) => Var)(x);
    expect(H.length).toBe(3);
    expect(unsigned(H)).toEqual(unsigned(detectAnomaly(() => hessian(f as (xs: Var[]) => Var)(x))));
    const want = forwardHessian(f as (xs: Dual[]) => Dual)(x);
    H.forEach((row, i) =>
      row.forEach((v, j) => {
        expect(Math.abs(v - want[i][j])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i][j])));
      }),
    );
  });

  test('a one-element tensor seed is summed to the scalar operand, as the reverse rule does', () => {
    // y = v·sin v at v = x + ε, seeded ȳ = [2]: v̄ = 2(sin x + x cos x), its tangent 2(2 cos x − x sin x).
    const gradientAt = (x: number) => {
      let got: DualTensor | undefined;
      jvp(
        (xs: Dual[]) => {
          const v = variable(xs[0] as never) as unknown as Var;
          backward(v.sin().mul(v), tensor([2]));
          got = v.grad as unknown as DualTensor;
          return xs[0];
        },
        [x],
        [1],
      );
      expect(got!.shape).toEqual([]);
      return [(got!.value as Tensor).item(), (got!.tangents[0] as Tensor).item()];
    };
    const [value, tangent] = gradientAt(0.5);
    expect(value).toBeCloseTo(2 * (Math.sin(0.5) + 0.5 * Math.cos(0.5)), 14);
    expect(tangent).toBeCloseTo(2 * (2 * Math.cos(0.5) - 0.5 * Math.sin(0.5)), 14);
    expect([value, tangent]).toEqual(detectAnomaly(() => gradientAt(0.5)));
  });
});
