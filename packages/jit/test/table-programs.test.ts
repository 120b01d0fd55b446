/**
 * Random programs over every scalar function of the op table (fast-check). The pool is read off
 * the table, and each operand is brought into its op's domain as the op's spec line states it,
 * so an op added to the table is drawn here with no edit. (The programs of @ad/test-support/scalar-ir
 * keep their own op set: they are checked against a chain rule expanded by hand, independent of
 * the table; these are checked engine against engine and against finite differences.)
 *
 * Per program: reverse-mode grad = forward-mode jacfwd; the forward-over-reverse Hessian =
 * reverse-over-reverse and is symmetric; jit(grad) = grad; central differences agree where the
 * program is well conditioned there.
 */
import fc from 'fast-check';
import { Generator, type Algebra } from '@ad/core';
import { anyOps, isScalarMethod, operandCount, table, type Entry } from '@ad/core/engine';
import { jacfwd, type Dual } from '@ad/forward';
import { grad, hessian, type Var } from '@ad/reverse';
import { jit } from '../src/index.js';
import { opSpecs, specName } from '@ad/test-support/op-specs';
import { fcParams } from '@ad/test-support/properties';
import type { Domain } from '@ad/test-support/helpers';

const O = anyOps as Algebra<unknown>;
type Fn = (...xs: unknown[]) => unknown;
const call = (name: string, args: unknown[]) => (O as unknown as Record<string, Fn>)[name](...args);

/** Smooth maps from any real number into each domain of the spec table (away from kinks and poles). */
const INTO: Record<Domain, ((v: unknown) => unknown) | null> = {
  real: (v) => v,
  positive: (v) => O.add(O.square(v), 0.2),
  nonzero: (v) => O.add(O.square(v), 0.3),
  unit: (v) => O.mul(O.tanh(v), 0.9),
  aboveOne: (v) => O.add(O.square(v), 1.2),
  offKinks6: (v) => O.add(O.mul(O.tanh(v), 2.5), 3),
  lowBound: (v) => O.sub(O.mul(O.tanh(v), 0.4), 1),
  highBound: (v) => O.add(O.mul(O.tanh(v), 0.4), 1),
  mask: null,
};

interface PoolOp {
  name: string;
  arity: number;
  domains: Domain[];
}

/** Every differentiable scalar function of the table whose operands all have a smooth domain map. */
const POOL: PoolOp[] = Object.values(table)
  .filter((e: Entry) => isScalarMethod(e) && (e as { differentiable?: boolean }).differentiable !== false)
  .map((e) => {
    const arity = operandCount(e);
    const domains = (opSpecs.find(([, s]) => specName(s) === e.name)?.[1].domains ?? []) as Domain[];
    return { name: e.name, arity, domains: Array.from({ length: arity }, (_, i) => domains[i] ?? 'real') };
  })
  .filter((op) => op.domains.every((d) => INTO[d] !== null));

interface Instr {
  op: number;
  args: number[];
}

interface Program {
  n: number;
  body: Instr[];
  x: number[];
}

const program: fc.Arbitrary<Program> = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    body: fc.array(fc.record({ op: fc.nat(POOL.length - 1), args: fc.array(fc.nat(16), { minLength: 3, maxLength: 3 }) }), {
      minLength: 1,
      maxLength: 6,
    }),
    // The point comes from a seeded generator, not from fast-check, whose edge cases (0, −0,
    // 5e-324) would put inputs on the kinks of maximum, relu and the like.
    x: fc.integer({ min: 1, max: 0x7fffffff }).map((seed) => {
      const g = new Generator(seed);
      return Array.from({ length: n }, () => g.uniform(-1.5, 1.5));
    }),
  }),
);

/** The program's last value, on any kind of value. */
function run(p: Program, xs: readonly unknown[]): unknown {
  const vals = [...xs];
  for (const ins of p.body) {
    const op = POOL[ins.op];
    const args = op.domains.map((d, i) => (INTO[d] as (v: unknown) => unknown)(vals[ins.args[i] % vals.length]));
    vals.push(call(op.name, args));
  }
  return vals[vals.length - 1];
}

function show(p: Program): string {
  return `x = [${p.x.join(', ')}]; ${p.body
    .map(
      (ins, j) =>
        `v${p.n + j} = ${POOL[ins.op].name}(${ins.args
          .slice(0, POOL[ins.op].arity)
          .map((a) => `v${a % (p.n + j)}`)
          .join(', ')})`,
    )
    .join('; ')}`;
}

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** Central differences at two steps: returned only when they agree (the program is smooth enough there). */
function centralDifference(p: Program, i: number): number | null {
  const at = (h: number) => {
    const xp = [...p.x];
    const xm = [...p.x];
    xp[i] += h;
    xm[i] -= h;
    return ((run(p, xp) as number) - (run(p, xm) as number)) / (2 * h);
  };
  const a = at(1e-5);
  const b = at(2e-5);
  return Number.isFinite(a) && close(a, b, 1e-6) ? a : null;
}

test(`the pool is the table's scalar functions (${POOL.length}, new ones included)`, () => {
  const names = POOL.map((op) => op.name);
  for (const name of ['asinh', 'atan2', 'erf', 'hypot', 'clamp', 'gelu', 'logSigmoid', 'selu', 'relu6', 'sin', 'pow']) expect(names).toContain(name);
});

test('random programs over the whole table: grad = jacfwd, Hessians agree both ways, jit(grad) = grad, finite differences', () => {
  let checked = 0;
  let differences = 0;
  fc.assert(
    fc.property(program, (p) => {
      const value = run(p, p.x) as number;
      // Overflowing compositions (cosh of cosh of …) have nothing to check.
      fc.pre(Number.isFinite(value) && Math.abs(value) < 1e8);
      const f = (xs: unknown[]) => run(p, xs);
      const g = grad(f as (xs: Var[]) => Var)(p.x);
      fc.pre(g.every((v) => Number.isFinite(v) && Math.abs(v) < 1e8));
      const J = jacfwd((xs: Dual[]) => [f(xs) as Dual])(p.x)[0];
      g.forEach((gi, i) => {
        if (!close(gi, J[i], 1e-10)) throw new Error(`${show(p)}: grad[${i}] = ${gi}, jacfwd = ${J[i]}`);
      });
      const jitted = jit(grad(f as (xs: Var[]) => Var))(p.x);
      g.forEach((gi, i) => {
        if (!close(jitted[i], gi, 1e-12)) throw new Error(`${show(p)}: jit(grad)[${i}] = ${jitted[i]}, grad = ${gi}`);
      });
      const H1 = hessian(f as (xs: Var[]) => Var)(p.x);
      const H2 = hessian(f as (xs: Var[]) => Var, { mode: 'reverse-over-reverse' })(p.x);
      H1.forEach((row, i) =>
        row.forEach((h, j) => {
          if (!Number.isFinite(h)) return;
          if (!close(h, H2[i][j], 1e-8)) throw new Error(`${show(p)}: H[${i}][${j}] fwd∘rev ${h}, rev∘rev ${H2[i][j]}`);
          if (!close(h, H1[j][i], 1e-8)) throw new Error(`${show(p)}: H[${i}][${j}] = ${h} but H[${j}][${i}] = ${H1[j][i]}`);
        }),
      );
      g.forEach((gi, i) => {
        const fd = centralDifference(p, i);
        if (fd === null) return;
        if (!close(gi, fd, 1e-5)) throw new Error(`${show(p)}: grad[${i}] = ${gi}, central difference ${fd}`);
        differences++;
      });
      checked++;
    }),
    fcParams(300),
  );
  expect(checked).toBeGreaterThan(200);
  // Most partials were also checked against central differences (the rest were ill-conditioned there).
  expect(differences).toBeGreaterThan(checked);
});
