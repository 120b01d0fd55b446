/**
 * Forward over reverse keeps a scalar element-wise op on first-order Duals in the tape's typed
 * columns (tape.ts, DUALS): value, partials and adjoint as numbers, w + 1 entries for width w.
 * Anomaly detection records the same program with closures over the ops' reverse rules, so the
 * two must agree bit for bit (up to a zero's sign: the forward rules under anomaly detection
 * sum without starting from 0). Every way an entry leaves the columns (a mode switched on
 * between recording and backward, a gradient written by hand, an operand of a rule with a
 * closure) must give the same numbers too.
 */
import { anomalyDetection as detecting, detectAnomaly, withNanSafeMode } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { Dual, derivative, hessian as forwardHessian, jvp } from '@ad/forward';
import { type Var, backward, grad, parents, propagate, variable } from '../src/index.js';
import { DUALS, PARTIALS } from '../src/tape.js';
import { partialKinds } from '../src/dual-columns.js';
import { numberOps } from '@ad/core/engine';
import { opSpecs } from '@ad/test-support/op-specs';
import type { Op } from '@ad/core';

/** A scalar program with every kind of partial: ±1 (add, sub), a constant factor, operands (mul), a reused node, a sum's ȳ = 1. */
function program(v: Var[]): Var {
  const [a, b, c, d] = v;
  const s = a.sub(b).square().square();
  const t = a.sin().mul(a).mul(0.5);
  const u = b.div(c.exp().add(1)).neg();
  const r = d.mul(d).add(c.mul(a));
  return s.add(t).add(u).add(r).add(s.mul(t));
}

const x = [0.3, -0.7, 0.4, 1.1];

/** Deterministic seeds: n × w, no zero entries. */
const seedsOf = (w: number) => x.map((_, i) => Array.from({ length: w }, (_, j) => Math.sin(1 + i * 7 + j * 3)));

/** H·S by one forward-over-reverse pass of width w. */
const compressed = (seeds: number[][]) => jvp(grad(program as never) as never, x, { seeds }).tangent as unknown as number[][];

/** −0 as 0 (see the header). */
const unsigned = (xs: unknown): unknown => (Array.isArray(xs) ? xs.map(unsigned) : typeof xs === 'number' ? xs + 0 : xs);

/** A Dual's numbers, for comparing. */
const numbersOf = (d: unknown): number[] => (d instanceof Dual ? [d.value as number, ...(d.partials as number[])].map((v) => v + 0) : [(d as number) + 0]);

describe('first-order Duals in the columns of the tape', () => {
  test.each([1, 2, 3, 5, 13])('width %i: the closures’ bits, and the forward-over-forward Hessian times the seeds', (w) => {
    const seeds = seedsOf(w);
    const got = compressed(seeds);
    expect(unsigned(got)).toEqual(unsigned(detectAnomaly(() => compressed(seeds))));
    const H = forwardHessian(program as never)(x) as number[][];
    got.forEach((row, i) =>
      row.forEach((v, j) => {
        const want = H[i].reduce((sum, h, k) => sum + h * seeds[k][j], 0);
        expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want)));
      }),
    );
  });

  /** The gradient's Duals at x + Σ εⱼ S[:, j], recorded with the modes off and back-propagated under `around`. */
  const gradientUnder = (around: (run: () => void) => void, w = 3) =>
    jvp(
      (xs: Dual[]) => {
        const vs = xs.map((d) => variable(d as never) as unknown as Var);
        const y = program(vs);
        around(() => backward(y));
        return vs.map((v) => v.grad as unknown as Dual);
      },
      x,
      { seeds: seedsOf(w) },
    ).tangent;

  test('NaN-safe mode or anomaly detection switched on for backward only: the entries leave the columns, same numbers', () => {
    const plain = unsigned(gradientUnder((run) => run()));
    expect(unsigned(gradientUnder((run) => withNanSafeMode(run)))).toEqual(plain);
    expect(unsigned(gradientUnder((run) => detectAnomaly(run)))).toEqual(plain);
  });

  test('an operand of a rule with a closure (where, three operands) sends its share into the columns', () => {
    const f = (v: Var[]) => {
      const p = v[0].mul(v[1]).sin();
      const q = v[2].exp().mul(v[0]);
      return (anyOps.where(anyOps.gt(p as never, 0), p as never, q as never) as unknown as Var).mul(q).add(p.square());
    };
    for (const at of [x, [-0.3, 0.7, 0.4, 1.1]]) {
      const run = () => jvp(grad(f as never) as never, at, { seeds: seedsOf(3) }).tangent;
      expect(unsigned(run())).toEqual(unsigned(detectAnomaly(run)));
    }
  });

  test('value, adjoint, a hand-written gradient and the graph’s parents read the columns; retained passes accumulate', () => {
    /** Records the program, runs backward twice with retainGraph, and reads an inner node. */
    const inspect = () => {
      const out: number[][] = [];
      jvp(
        (xs: Dual[]) => {
          const vs = xs.map((d) => variable(d as never) as unknown as Var);
          const s = vs[0].sub(vs[1]).square();
          const y = s.mul(vs[2]).add(s.sin());
          // Recorded in the columns (closures under anomaly detection); propagate leaves it there.
          const columns = !detecting();
          expect((s.chunk.flags[s.index] & DUALS) !== 0).toBe(columns);
          propagate([y], [1], { retainGraph: true });
          expect((s.chunk.flags[s.index] & DUALS) !== 0).toBe(columns);
          out.push(numbersOf(s.adjoint));
          backward(y, undefined, { retainGraph: true });
          // backward gives every reached node a .grad: the entry has moved to an Ext.
          expect((s.chunk.flags[s.index] & (DUALS | PARTIALS)) === PARTIALS).toBe(columns);
          const first = vs.map((v) => numbersOf(v.grad));
          backward(y, undefined, { retainGraph: true });
          // The leaves hold two passes' sums: twice one pass, to the bit (a doubling is exact).
          vs.forEach((v, i) => expect(numbersOf(v.grad)).toEqual(first[i].map((g) => 2 * g)));
          out.push(numbersOf(s.value), numbersOf(s.adjoint), ...vs.map((v) => numbersOf(v.grad)));
          out.push(...parents(y).map((p) => numbersOf(p.value)));
          const g = new Dual(xs[0].tag, 2.5, 1.5, [0.5, -0.5], true);
          s.grad = g as never;
          expect(s.grad).toBe(g);
          out.push(numbersOf(s.value), numbersOf(s.adjoint));
          return xs[0];
        },
        x,
        { seeds: seedsOf(3) },
      );
      return out;
    };
    const got = inspect();
    expect(got.length).toBe(1 + 2 + 4 + 2 + 2);
    expect(got).toEqual(detectAnomaly(inspect));
  });

  test('operands that are constants (a Dual captured from the enclosing derivative, a number Var of the graph) take the closures’ bits too', () => {
    const run = () =>
      jvp(
        (xs: Dual[]) => {
          const vs = xs.map((d) => variable(d as never) as unknown as Var);
          const k = variable(2.5) as unknown as Var;
          const y = vs[0]
            .mul(xs[1] as never)
            .add(vs[1].sin().mul(k))
            .add(k.mul(vs[2]).square())
            .add((xs[3] as never as Var).mul(vs[3]));
          backward(y);
          return [...vs, k].map((v) => v.grad as unknown as Dual);
        },
        x,
        { seeds: seedsOf(3) },
      ).tangent;
    expect(unsigned(run())).toEqual(unsigned(detectAnomaly(run)));
  });

  test('each element-wise partial read from the numbers (a constant, an operand, y) is what the table’s partial returns', () => {
    const ops = new Set(opSpecs.map(([, spec]) => ('op' in spec ? spec.op : null)).filter((op) => op?.elementwise?.partials != null && op.arity <= 2));
    let read = 0;
    for (const op of ops as Set<Op<never>>) {
      const kinds = partialKinds(op);
      expect(kinds.length).toBe(op.elementwise!.partials!.length);
      for (const xs of [
        [0.3, -1.7],
        [2.5, 0.4],
      ]) {
        const y = op.elementwise!.scalar(...xs.slice(0, kinds.length));
        kinds.forEach((kind, i) => {
          const got = op.elementwise!.partials![i](numberOps, xs, y);
          if (typeof kind === 'number') expect(got).toBe(kind);
          else if (kind === 'x0') expect(got).toBe(xs[0]);
          else if (kind === 'x1') expect(got).toBe(xs[1]);
          else if (kind === 'y') expect(got).toBe(y);
          if (kind !== 'run') read++;
        });
      }
    }
    // add, sub, mul, neg, exp … are read from the numbers; the test would pass vacuously without them.
    expect(read).toBeGreaterThan(10);
  });

  test('a Dual of a derivative taken inside the graph is forward mode’s, not a constant of the graph', () => {
    // d/dx [d/dt sin(x·t) at t = 1] = d/dx [x cos x] = cos x − x sin x.
    const inner = (x: Var) => derivative((t: Dual) => (x.mul(t as never) as unknown as Dual).sin())(1) as unknown as Var;
    const outer = grad(inner as never) as unknown as (x: number | Dual) => number | Dual;
    for (const at of [0.7, -1.3]) {
      const got = outer(at) as number;
      expect(got).toBeCloseTo(Math.cos(at) - at * Math.sin(at), 14);
      // The same over Duals: a Hessian-vector product of it through forward over reverse.
      const hv = jvp((xs: Dual[]) => outer(xs[0]) as Dual, [at], [1]).tangent as unknown as number;
      expect(hv).toBeCloseTo(-2 * Math.sin(at) - at * Math.cos(at), 13);
    }
  });
});
