/**
 * The op table is the only list: every function of it is a free function, a method of every
 * kind it applies to (Tensor, DualTensor, TensorVar, jit's tracers; Dual, Var and numbers for
 * element-wise ones), and the scalar fast paths that Dual and Var compile from an op's rule
 * agree with the op's tensor rules. Nothing here names an op: the sweep reads the table, and
 * takes each op's input domain from its line in the spec table.
 */
import * as core from '@ad/core';
import { Generator, tensor, type Op, type Tensor } from '@ad/core';
import { isMethod, isOp, isScalarMethod, newTag, numberOps, table, tensorOps as T } from '@ad/core/engine';
import { Dual, DualTensor, dual } from '@ad/forward';
import { TensorVar, Var, variable } from '@ad/reverse';
import { TensorTracer, Tracer } from '../src/tracer.js';
import { opSpecs, specName } from '@ad/test-support/op-specs';
import { sample, type Domain } from '@ad/test-support/helpers';

const entries = Object.values(table).filter((e) => typeof e.method === 'function');
const names = entries.map((e) => e.name);
const methods = entries.filter(isMethod).map((e) => e.name);
const scalarMethods = entries.filter(isScalarMethod).map((e) => e.name);

/** Element-wise ops with a scalar method, with the domains of their spec line. */
const scalarOps = entries
  .filter((e): e is Op<undefined> => isOp(e) && isScalarMethod(e) && e.elementwise !== undefined)
  .map((op) => {
    const line = opSpecs.find(([, s]) => specName(s) === op.name)?.[1];
    return [op.name, op, (line?.domains ?? []) as Domain[]] as const;
  });

test('the table has the issue-13 ops and more than 90 functions', () => {
  expect(names.length).toBeGreaterThan(90);
  for (const name of [
    'asin',
    'atan2',
    'erf',
    'clamp',
    'gelu',
    'prod',
    'cumsum',
    'cumprod',
    'norm',
    'concat',
    'stack',
    'split',
    'tile',
    'pad',
    'flip',
    'gather',
    'indexSelect',
    'oneHot',
    'round',
    'isNaN',
  ]) {
    expect(names).toContain(name);
  }
});

test.each(names)('%s is a free function of @ad/core', (name) => {
  expect(typeof (core as unknown as Record<string, unknown>)[name]).toBe('function');
});

test.each(methods)('%s is a method of Tensor, DualTensor, TensorVar and the tensor tracer', (name) => {
  for (const kind of [core.Tensor, DualTensor, TensorVar, TensorTracer]) {
    expect(typeof (kind.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
  }
});

test.each(scalarMethods)('%s is a method of Dual, Var and the scalar tracer, and a function on numbers', (name) => {
  for (const kind of [Dual, Var, Tracer]) expect(typeof (kind.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
  expect(typeof (numberOps as unknown as Record<string, unknown>)[name]).toBe('function');
});

test('functions that are not methods are exactly those whose first operand is not the receiver', () => {
  expect(
    entries
      .filter((e) => !isMethod(e))
      .map((e) => e.name)
      .sort(),
  ).toEqual(['concat', 'stack', 'where']);
});

describe('scalar fast paths equal the tensor rules', () => {
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
  const call = (x: unknown, name: string, rest: unknown[]) => (x as Record<string, (...a: unknown[]) => unknown>)[name](...rest);

  test.each(scalarOps)('%s', (name, op, domains) => {
    const g = new Generator(7);
    for (let trial = 0; trial < 5; trial++) {
      const xs = Array.from({ length: op.arity }, (_, i) => sample(g, domains[i] ?? 'real'));
      const ts = xs.map((x) => tensor(x));
      const y = op.primal(ts, undefined);
      // The tensor rule: ∂y/∂xᵢ as the tangent for the unit seed on input i.
      const partials = xs.map(
        (_, i) =>
          op
            .jvp(
              T,
              ts,
              y,
              undefined,
            )(ts.map((_t, j) => (j === i ? tensor(1) : null)))
            ?.item() ?? 0,
      );

      close(call(numberOps, name, xs) as number, y.item());

      // Dual: one by-hand dual per input, seeds the unit vectors; the fast path runs.
      const duals = xs.map((x, i) =>
        dual(
          x,
          xs.map((_, j) => (j === i ? 1 : 0)),
        ),
      );
      const d = call(duals[0], name, duals.slice(1)) as Dual;
      expect(d).toBeInstanceOf(Dual);
      close(d.value as number, y.item());
      d.partials.forEach((p, i) => close(p as number, partials[i]));

      // Var: leaves of one graph; backward gives every partial.
      const vars = xs.map((x) => variable(x));
      const v = call(vars[0], name, vars.slice(1)) as Var;
      expect(v).toBeInstanceOf(Var);
      close(v.value, y.item());
      if (op.differentiable) {
        v.backward();
        vars.forEach((leaf, i) => close(leaf.grad ?? 0, partials[i]));
      }

      // The same through the tensor kinds.
      const dt = call(new DualTensor(newTag(), ts[0], [tensor(1)]), name, ts.slice(1)) as DualTensor;
      close((dt.value as Tensor).item(), y.item());
      close(dt.tangents.length === 0 ? 0 : (dt.tangents[0] as Tensor).item(), partials[0]);
      const tv = call(variable(ts[0]), name, ts.slice(1)) as TensorVar;
      close((tv.value as Tensor).item(), y.item());
    }
  });
});
