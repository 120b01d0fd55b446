/**
 * The property tests catch a wrong rule and shrink it to a minimal program. Two bugs are
 * injected into the op table for the length of one test each:
 * - a forward rule: sigmoid's tangent taken as y(1 + y)·ẋ instead of y(1 − y)·ẋ;
 * - a reverse rule: div's adjoint for its divisor taken as +ȳ·z/y instead of −ȳ·z/y (a lost
 *   minus sign).
 * The same random tensor programs pass without the bug (the control), fail with it, and
 * fast-check shrinks the failure to a one-instruction program on 0-d inputs that uses the
 * broken op, with the checker naming the broken rule.
 */
import fc from 'fast-check';
import { type Tensor, zeros, type Algebra, type Differentiable, type Op } from '@ad/core';
import { unbroadcast } from '@ad/core/engine';
import { ops } from '@ad/core/engine';
import { jvp, type DualTensor } from '@ad/forward';
import { Node, variable } from '../src/index.js';
import { tensorConditioning, tensorFunction, tensorProgram, type TensorProgram } from '@ad/test-support/tensor-programs';
import { fdSafe, finiteDifferenceAgrees } from '@ad/test-support/checks';

function engines(p: TensorProgram): Differentiable {
  const f = tensorFunction(p);
  return {
    f: (xs) => f([...xs]) as Tensor,
    jvp: (xs, vs) => jvp(f as (xs: DualTensor[]) => DualTensor, [...xs], [...vs]).tangent as Tensor,
    vjp: (xs, yBar) => {
      const leaves = xs.map((x) => variable(x));
      const y = f(leaves);
      if (!(y instanceof Node) || !y.requiresGrad) return xs.map((x) => zeros(x.shape));
      y.backward(yBar);
      return leaves.map((l, i) => (l.grad as Tensor | null) ?? zeros(xs[i].shape));
    },
  };
}

/** The cross-mode property of property-programs.test.ts, finite differences against both engines. */
const property = fc.property(tensorProgram(), (p) => {
  const cond = tensorConditioning(p);
  fc.pre(fdSafe(cond));
  finiteDifferenceAgrees('tensor program', engines(p), p.xs);
});

/** Replaces an op's rule for the duration of fn. */
function withRule<K extends 'jvp' | 'vjp'>(op: Op<undefined>, key: K, rule: Op<undefined>[K], fn: () => void): void {
  const mutable = op as { -readonly [P in keyof Op<undefined>]: Op<undefined>[P] };
  const original = mutable[key];
  mutable[key] = rule;
  try {
    fn();
  } finally {
    mutable[key] = original;
  }
}

const params = { seed: 20_260_108, numRuns: 400 };

function shrunk(run: fc.RunDetails<[TensorProgram]>): { program: TensorProgram; message: string } {
  if (!run.failed || run.counterexample === null) throw new Error(`the property did not fail in ${run.numRuns} runs`);
  return { program: run.counterexample[0], message: String((run.errorInstance as Error | undefined)?.message) };
}

describe('the property tests catch injected bugs and shrink them to minimal programs', () => {
  test('control: without an injected bug the same programs pass', () => {
    const run = fc.check(property, params);
    expect(run.failed).toBe(false);
  });

  test('a wrong forward rule (sigmoid: ẏ = y(1 + y)·ẋ) shrinks to sigmoid of one 0-d input', () => {
    const bad: Op<undefined>['jvp'] =
      <T>(o: Algebra<T>, _xs: readonly T[], y: T) =>
      ([xDot]: readonly (T | null)[]) =>
        xDot === null ? null : o.mul(o.mul(y, o.add(1, y)), xDot);
    withRule(ops.sigmoid, 'jvp', bad, () => {
      const { program, message } = shrunk(fc.check(property, params));
      expect(program.body.map((i) => i.op)).toEqual(['sigmoid']);
      expect(program.shapes).toEqual([[]]);
      expect(message).toMatch(/forward rule disagrees with finite differences/);
      process.stdout.write(
        `(expected, not a failure) a forward-rule bug this test injected on purpose was caught; the shrunk counterexample:\n${program.toString()}\n${message}\n`,
      );
    });
  });

  test('a wrong reverse rule (div: ȳ += +z̄·z/y) shrinks to div of 0-d inputs', () => {
    const bad: Op<undefined>['vjp'] =
      <T>(o: Algebra<T>, [a, b]: readonly T[], z: T) =>
      (zBar: T, needs: readonly boolean[]) => [
        needs[0] ? unbroadcast(o, o.div(zBar, b), o.shape(a)) : null,
        needs[1] ? unbroadcast(o, o.mul(zBar, o.div(z, b)), o.shape(b)) : null,
      ];
    withRule(ops.div, 'vjp', bad, () => {
      const { program, message } = shrunk(fc.check(property, params));
      expect(program.body.map((i) => i.op)).toEqual(['div']);
      expect(program.shapes.every((s) => s.length === 0)).toBe(true);
      expect(message).toMatch(/reverse rule disagrees with finite differences/);
      process.stdout.write(
        `(expected, not a failure) a reverse-rule bug this test injected on purpose was caught; the shrunk counterexample:\n${program.toString()}\n${message}\n`,
      );
    });
  });
});
