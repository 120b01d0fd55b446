/**
 * vmap on random tensor programs (test-support's generator: element-wise ops with broadcasting,
 * where, matmul, reductions, softmax, the view and shape ops), each input mapped over axis 0,
 * axis 1 or shared (inAxes null), mixed at random:
 * - vmap(f)(xs) equals f on each example, stacked;
 * - vmap(grad(f)) equals the loop of grad(f) over the examples;
 * - jacrev(f) equals vmap of the pullback over the rows of the identity (vjp rows), and
 *   jacfwd(f) equals vmap of jvp over its columns.
 * Batched and per-example kernels may sum in another order, so numbers agree to rounding.
 */
import fc from 'fast-check';
import { Generator, Tensor, eye, stack } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { type DualTensor, jacfwd, jvp } from '@ad/forward';
import { type TensorVar, grad, jacrev, vjp } from '@ad/reverse';
import { outputWeights, pack, tensorConditioning, tensorFunction, tensorProgram, unpack, type TensorProgram } from '@ad/test-support/tensor-programs';
import { vmap, type Axis } from '../src/index.js';

const RUNS = 120;

/** Equal to rounding: the same non-finite values, finite ones within 1e-9 of the larger magnitudes around them. */
function expectNear(what: string, got: Tensor, want: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const a = got.toFloat64Array();
  const b = want.toFloat64Array();
  const scale = b.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  a.forEach((v, i) => {
    const w = b[i];
    if (Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w))) return;
    if (!(Math.abs(v - w) <= 1e-9 * (Math.abs(v) + Math.abs(w) + scale) + 1e-12)) throw new Error(`${what}: entry ${i} is ${v}, want ${w}`);
  });
}

/** A batch for the program: per input an axis (0, 1 where it has one, or null) and B examples. */
interface Batch {
  size: number;
  axes: Axis[];
  /** examples[i][b]: input i of example b (the same tensor for every b where it is shared). */
  examples: Tensor[][];
  /** The inputs vmap gets: each batched input stacked along its axis, a shared one as it is. */
  inputs: Tensor[];
}

function batchFor(p: TensorProgram, size: number, choice: number): Batch {
  const g = new Generator(p.seed ^ 0x2545f491);
  const axes: Axis[] = p.shapes.map((s, i): Axis => {
    const pick = (choice >> (2 * i)) % 3;
    return pick === 2 ? null : pick === 1 && s.length >= 1 ? 1 : 0;
  });
  // At least one input is mapped: vmap needs a batch.
  if (!axes.some((a) => a !== null)) axes[0] = 0;
  const random = (shape: readonly number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return Tensor.fromData(
      Float64Array.from({ length: n }, () => g.uniform(-2, 2)),
      shape,
    );
  };
  const examples = p.shapes.map((s, i) => {
    if (axes[i] === null) {
      const one = random(s);
      return Array.from({ length: size }, () => one);
    }
    return Array.from({ length: size }, () => random(s));
  });
  const inputs = examples.map((ex, i) => (axes[i] === null ? ex[0] : stack(ex, axes[i] as number)));
  return { size, axes, examples, inputs };
}

const arbitrary = fc.tuple(tensorProgram(), fc.integer({ min: 1, max: 3 }), fc.nat(63));

/** Whether the program's values stay finite and moderate on the batch's examples (no overflow to compare). */
function tame(p: TensorProgram, batch: Batch): boolean {
  const cond = tensorConditioning(p);
  if (!(cond.finite && cond.maxAbs < 1e6)) return false;
  const f = tensorFunction(p);
  return batch.examples[0].every((_, b) => {
    const y = f(batch.examples.map((ex) => ex[b])) as Tensor;
    return y.toFloat64Array().every((v) => Number.isFinite(v) && Math.abs(v) < 1e6);
  });
}

test(`vmap(f) equals f stacked over the examples, inAxes 0, 1 and null mixed (${RUNS} random programs)`, () => {
  fc.assert(
    fc.property(arbitrary, ([p, size, choice]) => {
      const batch = batchFor(p, size, choice);
      const f = tensorFunction(p);
      const want = stack(
        batch.examples[0].map((_, b) => anyOps.add(f(batch.examples.map((ex) => ex[b])), 0) as Tensor),
        0,
      );
      const got = vmap((...xs: Tensor[]) => f(xs), { inAxes: batch.axes })(...batch.inputs) as unknown as Tensor;
      expectNear('vmap(f)', got, want);
    }),
    { numRuns: RUNS, seed: 20261207 },
  );
});

test(`vmap(grad(f)) equals the loop of grad(f) over the examples (${RUNS} random programs)`, () => {
  fc.assert(
    fc.property(arbitrary, ([p, size, choice]) => {
      const batch = batchFor(p, size, choice);
      fc.pre(tame(p, batch));
      const f = tensorFunction(p);
      const shape = (f(batch.examples.map((ex) => ex[0])) as Tensor).shape;
      const w = outputWeights(shape);
      // The loss Σ w ⊙ f(xs), differentiated with respect to every input (a tree: the array of them).
      const loss = (xs: Tensor[]) => anyOps.sum(anyOps.mul(f(xs), w)) as Tensor;
      const perExample = batch.examples[0].map((_, b) => grad(loss)(batch.examples.map((ex) => ex[b])) as Tensor[]);
      const got = vmap((...xs: Tensor[]) => grad(loss)(xs), { inAxes: batch.axes })(...batch.inputs) as unknown as Tensor[];
      p.shapes.forEach((_, i) =>
        expectNear(
          `vmap(grad(f))[${i}]`,
          got[i],
          stack(
            perExample.map((g) => g[i]),
            0,
          ),
        ),
      );
    }),
    { numRuns: RUNS, seed: 20261208 },
  );
});

test(`jacrev(f) = vmap(vjp rows) and jacfwd(f) = vmap(jvp columns) (${RUNS} random programs)`, () => {
  fc.assert(
    fc.property(tensorProgram(), (p) => {
      const cond = tensorConditioning(p);
      fc.pre(cond.finite && cond.maxAbs < 1e6);
      const x = pack(p);
      const F = (v: unknown) => tensorFunction(p)(unpack(p, v)) as Tensor;
      const y = F(x);
      const m = y.size;
      const n = x.size;
      // Rows: one cotangent per output element, the rows of the identity shaped like y.
      const { vjp: pull } = vjp(F as unknown as (v: TensorVar) => TensorVar, x);
      const rows = vmap(pull as (c: Tensor) => Tensor)(anyOps.reshape(eye(m), [m, ...y.shape]) as Tensor) as unknown as Tensor;
      expectNear('vmap(vjp rows)', rows, anyOps.reshape(jacrev(F as unknown as (v: TensorVar) => TensorVar)(x), [m, n]) as Tensor);
      // Columns: one tangent per input element, the Jacobian's columns gathered on its last axis.
      const column = (v: Tensor) => jvp((xs: DualTensor[]) => F(xs[0]) as unknown as DualTensor, [x], [v]).tangent as Tensor;
      const columns = vmap(column, { outAxes: -1 })(eye(n)) as unknown as Tensor;
      expectNear('vmap(jvp columns)', columns, jacfwd(F as unknown as (v: DualTensor) => DualTensor)(x) as Tensor);
    }),
    { numRuns: RUNS, seed: 20261209 },
  );
});
