/**
 * Detection over the whole op table: every primitive op has a sparsity rule (derived from its
 * kind or written on it), an op without one is refused by name, and for every line of the op
 * spec table (test-support's, the lines that check every op's rules) the detected Jacobian and
 * Hessian patterns contain every nonzero of the dense jacfwd and hessian at random points.
 */
import { type Op, type Tensor, concat, custom, registerOp, tensor } from '@ad/core';
import { anyOps, isOp, ops, patternRuleOf, table } from '@ad/core/engine';
import { jacfwd } from '@ad/forward';
import { hessian } from '@ad/reverse';
import { SparsityDetectionError, hessianPattern, jacobianPattern } from '@ad/sparse';
import { opSpecs, specApply, specInputs, type Spec } from '@ad/test-support/op-specs';
import { outputWeights } from '@ad/test-support/tensor-programs';
import { denseNonzeros, missedEntries } from '@ad/test-support/sparse-patterns';

/** The line as a function of one flat tensor: its differentiated inputs laid end to end, the others fixed. */
function flatFunction(spec: Spec, inputs: readonly Tensor[]): { f: (x: Tensor) => Tensor; x: Tensor } {
  const wrt = spec.wrt ?? inputs.map((_, i) => i);
  const x = concat(wrt.map((i) => inputs[i].reshape([-1])));
  const apply = specApply(spec);
  const f = (v: Tensor): Tensor => {
    let at = 0;
    const xs = inputs.map((t, i) => {
      if (!wrt.includes(i)) return t;
      const piece = v.slice([at, at + t.size]).reshape(t.shape);
      at += t.size;
      return piece;
    });
    return anyOps.reshape(apply(anyOps, xs), [-1]) as Tensor;
  };
  return { f, x };
}

test('every primitive op of the table has a sparsity rule, derived from its kind or written on it', () => {
  const without = Object.values(ops).filter((op) => patternRuleOf(op as Op<unknown>) === undefined);
  expect(without.map((op) => op.name)).toEqual([]);
  // The registered ones too (registerOp adds to the table).
  const all = Object.values(table).filter(isOp);
  expect(all.every((op) => patternRuleOf(op as Op<unknown>) !== undefined)).toBe(true);
});

test('an op without a sparsity rule is refused by name, never guessed', () => {
  registerOp(
    custom<undefined>({
      name: 'detectTwice',
      arity: 1,
      primal: ([x]) => x.mul(2),
      jvp: (o) => (xDots) => (xDots[0] === null ? null : o.mul(xDots[0], 2)),
      vjp: (o) => (yBar, needs) => [needs[0] ? o.mul(yBar, 2) : null],
    }),
  );
  const op = table.detectTwice as Op<undefined>;
  const f = (x: Tensor) => anyOps.interpreter.apply(op, [x], undefined);
  expect(() => jacobianPattern(f as never, tensor([1, 2]))).toThrow(SparsityDetectionError);
  expect(() => jacobianPattern(f as never, tensor([1, 2]))).toThrow(/^jacobianPattern: the op detectTwice has no sparsity rule/);
  expect(() => jacobianPattern(f as never, tensor([1, 2]), 'sparseJacobian')).toThrow(/^sparseJacobian: the op detectTwice/);
});

describe('the detected pattern contains every nonzero of the dense derivative, every line of the op spec table', () => {
  test.each(opSpecs)('%s: Jacobian at two points, Hessian of a weighted sum at one', (_name, spec) => {
    for (const seed of [42, 7]) {
      const { f, x } = flatFunction(spec, specInputs(spec, seed));
      const dense = (jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(x);
      const p = jacobianPattern(f as never, x);
      expect(missedEntries(p, denseNonzeros(dense, x.size))).toEqual([]);
      if (seed !== 42) continue;
      const loss = (v: Tensor): Tensor => {
        const y = f(v);
        return y.mul(outputWeights(y.shape)).sum();
      };
      const h = (hessian(loss as never) as unknown as (x: Tensor) => Tensor)(x);
      expect(missedEntries(hessianPattern(loss as never, x), denseNonzeros(h, x.size))).toEqual([]);
    }
  });
});

test('an op registered with its own sparsity rule is traced by it; a malformed rule is refused where the op is made', () => {
  // x ↦ [x₀ + x₁, x₁ + x₂, …]: each output from two neighbours, said by the rule.
  registerOp(
    custom<undefined>({
      name: 'detectPairSums',
      arity: 1,
      primal: ([x]) => x.slice([0, x.shape[0] - 1]).add(x.slice([1, x.shape[0]])),
      jvp:
        (o, [x]) =>
        (xDots) => {
          const n = o.shape(x)[0];
          const d = xDots[0];
          return d === null ? null : o.add(o.slice(d, [0, n - 1]), o.slice(d, [1, n]));
        },
      vjp: (o) => (yBar, needs) => [needs[0] ? o.add(o.pad(yBar, [[0, 1]]), o.pad(yBar, [[1, 0]])) : null],
      pattern: {
        how: 'each output from its two neighbours',
        apply: (_o, _op, _xs, _params, outShape) => {
          const rowPtr = Int32Array.from({ length: outShape[0] + 1 }, (_, i) => 2 * i);
          const colIndex = Int32Array.from({ length: 2 * outShape[0] }, (_, k) => (k >> 1) + (k & 1));
          return [{ groups: { rowPtr, colIndex }, groupOf: Int32Array.from({ length: outShape[0] }, (_, i) => i) }];
        },
      },
    }),
  );
  const op = table.detectPairSums as Op<undefined>;
  const f = (x: Tensor) => anyOps.interpreter.apply(op, [x], undefined);
  const x = tensor([1, 2, 3, 4]);
  const p = jacobianPattern(f as never, x);
  expect(p.toDense()).toEqual(denseNonzeros((jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(x), 4).toDense());
  expect(p.nnz).toBe(6);
  expect(() =>
    custom<undefined>({
      name: 'detectBadRule',
      arity: 1,
      primal: ([x]) => x,
      jvp: () => (ds) => ds[0],
      vjp: () => (g) => [g],
      pattern: 3 as never,
    }),
  ).toThrow(/^custom: detectBadRule: pattern must be a sparsity rule/);
});
