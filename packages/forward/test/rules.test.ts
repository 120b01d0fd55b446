/**
 * Forward mode through every op of the table: the engine's J·v against central finite
 * differences and against the op's own reverse rule (⟨x̄, v⟩ = ⟨ȳ, J v⟩), one spec line per op.
 * Also: k directions in one pass give the same tangents as k separate passes.
 */
import { checkGradients, opRules, type Tensor, type Algebra, type Differentiable } from '@ad/core';
import { anyOps, newTag, tensorOps } from '@ad/core/engine';
import { DualTensor } from '../src/index.js';
import { opSpecs, specApply, specInputs, type Spec } from '@ad/test-support/op-specs';

/** J·v by running the line on dual tensors seeded with the directions vs (all k at once). */
function forwardJvp(spec: Spec, xs: readonly Tensor[], directions: readonly (readonly Tensor[])[], wrt: readonly number[]): Tensor[] {
  const tag = newTag();
  const inputs = xs.map((x, i) =>
    wrt.includes(i)
      ? new DualTensor(
          tag,
          x,
          directions.map((vs) => vs[i]),
        )
      : x,
  );
  const y = specApply(spec)(anyOps as Algebra<unknown>, inputs);
  if (!(y instanceof DualTensor)) throw new Error('forward mode returned no tangents');
  return y.tangents.map((t) => t as Tensor);
}

/** The engine's J·v; a primitive's own reverse rule for the identity ⟨x̄, v⟩ = ⟨ȳ, J v⟩ (composites have none: @ad/reverse checks theirs). */
function forwardTarget(spec: Spec, wrt: readonly number[]): Differentiable {
  return {
    f: (xs) => specApply(spec)(tensorOps, xs),
    jvp: (xs, vs) => forwardJvp(spec, xs, [vs], wrt)[0],
    vjp: 'op' in spec ? opRules(spec.op, spec.params as never).vjp : undefined,
  };
}

describe('forward mode on every op', () => {
  test.each(opSpecs)('%s', (name, spec) => {
    const xs = specInputs(spec);
    const wrt = spec.wrt ?? xs.map((_, i) => i);
    const report = checkGradients(name, forwardTarget(spec, wrt), xs, { wrt, directions: 3 });
    expect(report.jvpError).toBeLessThanOrEqual(1);
    if ('op' in spec) expect(report.identityError).toBeLessThan(1e-9);
  });

  test.each(opSpecs)('%s: three seeds in one pass equal three passes', (_name, spec) => {
    const xs = specInputs(spec);
    const wrt = spec.wrt ?? xs.map((_, i) => i);
    const directions = [1, 2, 3].map((s) => specInputs({ ...spec, domains: undefined }, s));
    const together = forwardJvp(spec, xs, directions, wrt);
    directions.forEach((d, j) => {
      const alone = forwardJvp(spec, xs, [d], wrt)[0];
      expect(together[j].toArray()).toEqual(alone.toArray());
    });
  });
});
