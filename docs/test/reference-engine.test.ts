/**
 * The reference engine (docs/examples/reference-engine.ts) against @ad/reverse's tape: the same
 * random scalar programs (fast-check, the generator of the property tests) through both, the
 * same values bit for bit and the same gradients to rounding. Each engine is also held to
 * an analytic gradient and to the conventions at kinks, so a wrong rule in either one fails here.
 */
import fc from 'fast-check';
import { grad as adGrad, valueAndGrad, type Var } from '@ad/reverse';
import { grad, ops, Value, type Operand } from '../examples/reference-engine.js';
import { fcParams } from '@ad/test-support/properties';
import {
  BINARY,
  COMPARE,
  UNARY,
  outputsOf,
  runScalar,
  scalarConditioning,
  scalarFunction1,
  type Backend,
  type ScalarOpName,
  type ScalarProgram,
} from '@ad/test-support/scalar-ir';
import { scalarProgram } from '@ad/test-support/scalar-generators';
import { oracleJacobian, opCount, withinRounding } from '@ad/test-support/hyper-dual';
import { expectSameNumbers } from '@ad/test-support/checks';

type Op = (x: Value, ...rest: Operand[]) => Value;
const table = ops as unknown as Record<string, Op | undefined>;

/** The engine's op by name; an op the engine lacks is named, not a TypeError. */
function op(name: string): Op {
  const f = table[name];
  if (f === undefined) throw new Error(`the reference engine has no op ${name}`);
  return f;
}

const reference: Backend<Value> = {
  unary: (name, x) => op(name)(x),
  binary: (name, x, y) => op(name)(x, y),
  binaryLeft: (name, k, y) => op(name)(new Value(k), y),
  where: (c, x, y) => ops.where(c, x, y),
  addConst: (x, k) => ops.add(x, k),
};

/**
 * The programs' ops that the engine implements: all of them today. The generator's pools may
 * grow with the op table; the engine grows by one line per op, and this list with it.
 */
const ENGINE_OPS: readonly ScalarOpName[] = [...UNARY, ...BINARY, ...COMPARE, 'powi', 'where'];

/** The last output of a program, run on the reference engine. */
function referenceFunction(p: ScalarProgram): (xs: Value[]) => Value {
  return (xs) => {
    const outs = outputsOf(p, runScalar(p, xs, reference));
    return outs[outs.length - 1];
  };
}

test('the engine implements every op it is run on', () => {
  for (const name of [...UNARY, ...BINARY, ...COMPARE, 'where']) expect(typeof table[name]).toBe('function');
  expect(ENGINE_OPS.filter((name) => name !== 'powi' && table[name] === undefined)).toEqual([]);
});

test('on 1,000 random scalar programs: the same values as @ad/reverse, bit for bit, and the same gradient to rounding', () => {
  let compared = 0;
  fc.assert(
    fc.property(scalarProgram({ ops: ENGINE_OPS, maxLength: 10 }), (p) => {
      const cond = scalarConditioning(p);
      fc.pre(cond.finite && cond.maxAbs < 1e8);
      const x = p.x;
      const f = referenceFunction(p);

      const leaves = x.map((v) => new Value(v));
      const ad = valueAndGrad(scalarFunction1(p) as (xs: Var[]) => Var)(x);
      expectSameNumbers('value', f(leaves).data, ad.value);

      const got = grad(f)(x);
      expectSameNumbers('grad vs valueAndGrad', adGrad(scalarFunction1(p) as (xs: Var[]) => Var)(x), ad.grad);
      // The hand-expanded oracle's bound on the terms summed: a wrong partial is off by far more.
      const { bound } = oracleJacobian(p);
      const last = bound[bound.length - 1];
      got.forEach((g, i) => {
        if (!withinRounding(g, ad.grad[i], last[i], opCount(p))) {
          throw new Error(`∂f/∂x${i}: reference engine ${g}, @ad/reverse ${ad.grad[i]} (term bound ${last[i]})`);
        }
      });
      compared++;
    }),
    fcParams(1000),
  );
  expect(compared).toBeGreaterThan(500);
});

describe('both engines against the mathematics', () => {
  // f(x, y) = sin(x)·eʸ + x/y:  ∂f/∂x = cos(x)·eʸ + 1/y,  ∂f/∂y = sin(x)·eʸ − x/y²
  const x = 0.7;
  const y = -1.3;
  const want = [Math.cos(x) * Math.exp(y) + 1 / y, Math.sin(x) * Math.exp(y) - x / (y * y)];

  test('an analytic gradient: sin(x)·eʸ + x/y', () => {
    const reference = grad(([a, b]) => ops.add(ops.mul(ops.sin(a), ops.exp(b)), ops.div(a, b)))([x, y]);
    const ad = adGrad(([a, b]: Var[]) => a.sin().mul(b.exp()).add(a.div(b)))([x, y]);
    for (const g of [reference, ad]) g.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-15 * Math.abs(want[i])));
  });

  test('a value used twice gets a share from each use: c = (a + a) + (a + a) gives c̄/ā = 4', () => {
    const g = grad(([a]) => {
      const b = ops.add(a, a);
      return ops.add(b, b);
    })([1]);
    expect(g).toEqual([4]);
    expect(adGrad(([a]: Var[]) => a.add(a).add(a.add(a)))([1])).toEqual([4]);
  });

  test('kinks, as PyTorch: relu′(0) = 0, |x|′(0) = 0, d/dx x⁰ = 0 at 0, maximum(x, x)′ = 1', () => {
    const cases: [string, number, (v: Value) => Value, (v: Var) => Var, number][] = [
      ['relu', 0, (v) => ops.relu(v), (v) => v.relu(), 0],
      ['abs', 0, (v) => ops.abs(v), (v) => v.abs(), 0],
      ['pow', 0, (v) => ops.pow(v, 0), (v) => v.pow(0), 0],
      ['maximum', 0.5, (v) => ops.maximum(v, v), (v) => v.maximum(v), 1],
      ['minimum', 0.5, (v) => ops.minimum(v, v), (v) => v.minimum(v), 1],
    ];
    for (const [name, at, reference, ad, want] of cases) {
      expect({ name, grad: grad(([v]) => reference(v))([at]) }).toEqual({ name, grad: [want] });
      expect({ name, grad: adGrad(([v]: Var[]) => ad(v))([at]) }).toEqual({ name, grad: [want] });
    }
  });
});
