/**
 * Forward mode through every op of the table: the engine's J·v against central finite
 * differences and against the op's own reverse rule (⟨x̄, v⟩ = ⟨ȳ, J v⟩), one spec line per op.
 * Also: k directions in one pass give the same tangents as k separate passes.
 */
import { anyInterpreter, checkGradients, newTag, opRules, type Tensor, type Differentiable, type Op } from '@ad/core';
import { DualTensor } from '../src/index.js';
import { opSpecs, specInputs } from '../../core/test/op-specs.js';

/** J·v by running the op on dual tensors seeded with the directions vs (all k at once). */
function forwardJvp<P>(op: Op<P>, params: P, xs: readonly Tensor[], directions: readonly (readonly Tensor[])[], wrt: readonly number[]): Tensor[] {
  const tag = newTag();
  const inputs = xs.map((x, i) => (wrt.includes(i) ? new DualTensor(tag, x, directions.map((vs) => vs[i])) : x));
  const y = anyInterpreter.apply(op, inputs, params);
  if (!(y instanceof DualTensor)) throw new Error(`${op.name}: forward mode returned no tangents`);
  return y.tangents.map((t) => t as Tensor);
}

function forwardTarget<P>(op: Op<P>, params: P, wrt: readonly number[]): Differentiable {
  return {
    f: (xs) => op.primal(xs, params),
    jvp: (xs, vs) => forwardJvp(op, params, xs, [vs], wrt)[0],
    vjp: opRules(op, params).vjp,
  };
}

describe('forward mode on every op', () => {
  test.each(opSpecs)('%s', (name, spec) => {
    const xs = specInputs(spec);
    const wrt = spec.wrt ?? xs.map((_, i) => i);
    const report = checkGradients(name, forwardTarget(spec.op, spec.params as never, wrt), xs, { wrt, directions: 3 });
    expect(report.jvpError).toBeLessThanOrEqual(1);
    expect(report.identityError).toBeLessThan(1e-9);
  });

  test.each(opSpecs)('%s: three seeds in one pass equal three passes', (_name, spec) => {
    const xs = specInputs(spec);
    const wrt = spec.wrt ?? xs.map((_, i) => i);
    const directions = [1, 2, 3].map((s) => specInputs({ ...spec, domains: undefined }, s));
    const together = forwardJvp(spec.op, spec.params as never, xs, directions, wrt);
    directions.forEach((d, j) => {
      const alone = forwardJvp(spec.op, spec.params as never, xs, [d], wrt)[0];
      expect(together[j].toArray()).toEqual(alone.toArray());
    });
  });
});
