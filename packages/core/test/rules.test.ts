/**
 * Every op's forward and reverse rule, checked by the shared gradient checker against central
 * finite differences and against each other (⟨x̄, v⟩ = ⟨ȳ, J v⟩). One line per op.
 */
import { Generator, GradCheckError, checkGradients, custom, elementwise, opRules, tensor, type Op } from '../src/index.js';
import { numberOps, ops, isOp, table, tensorOps as T } from '../src/engine/index.js';
import { sample } from '@ad/test-support/helpers';
import { linesOf, notDifferentiable, opSpecs, r, specInputs, specName, specTable, type OpSpec } from '@ad/test-support/op-specs';

/** The lines of primitive ops, whose own rules this file checks (composites have none; the engines check them). */
const primitiveSpecs = opSpecs.filter((entry): entry is [string, OpSpec] => 'op' in entry[1]);

describe('each op: forward and reverse rules against finite differences', () => {
  test.each(primitiveSpecs)('%s', (_name, spec) => {
    const xs = specInputs(spec);
    const report = checkGradients(_name, opRules(spec.op, spec.params as never), xs, { wrt: spec.wrt, directions: 4 });
    expect(report.jvpError).toBeLessThanOrEqual(1);
    expect(report.vjpError).toBeLessThanOrEqual(1);
    expect(report.identityError).toBeLessThan(1e-9);
  });

  test('every differentiable function of the table has a line (composites included)', () => {
    const covered = new Set(opSpecs.map(([, s]) => specName(s)));
    const missing = Object.values(table)
      .filter((e) => !isOp(e) || e.differentiable)
      .map((e) => e.name)
      .filter((name) => !covered.has(name));
    expect(missing).toEqual([]);
  });

  test('the spec table is filed by the table: every name, the non-differentiable ones marked, each line under its function', () => {
    // Its type has the built-in names as keys (a missing one does not compile); at run time: the same names as the table.
    expect(Object.keys(specTable).sort()).toEqual(Object.keys(table).sort());
    const marked = Object.entries(specTable)
      .filter(([, lines]) => lines === notDifferentiable)
      .map(([name]) => name);
    const flat = Object.values(table)
      .filter((e) => isOp(e) && !e.differentiable)
      .map((e) => e.name);
    expect(marked.sort()).toEqual(flat.sort());
    const misfiled = Object.entries(specTable).flatMap(([name, lines]) =>
      linesOf(lines)
        .filter((spec) => specName(spec) !== name)
        .map((spec) => `${specName(spec)}'s line under ${name}`),
    );
    expect(misfiled).toEqual([]);
  });

  test('non-differentiable ops give no tangent and no adjoints', () => {
    const flat = Object.values(table).filter((e): e is Op<never> => isOp(e) && !e.differentiable);
    expect(flat.map((op) => op.name)).toEqual(expect.arrayContaining(['sign', 'eq', 'argmax', 'floor', 'round', 'isNaN', 'isFinite']));
    const window = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] };
    for (const op of flat) {
      const pool = op.name === 'maxPool2dIndices';
      const x = pool
        ? tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ])
        : tensor([1, 2, 3]);
      const xs = Array.from({ length: op.arity }, () => x);
      const params = (op.name.startsWith('arg') ? { axis: null, keepdims: false } : pool ? window : undefined) as never;
      const y = op.primal(xs, params);
      expect(op.jvp(T, xs, y, params)(xs)).toBeNull();
      expect(
        op
          .vjp(
            T,
            xs,
            y,
            params,
          )(
            y,
            xs.map(() => true),
          )
          .every((v) => v === null),
      ).toBe(true);
    }
  });
});

describe('the checker catches wrong rules', () => {
  const x = [tensor([0.3, -1.2, 2])];

  test('a wrong forward rule (d sin = −cos)', () => {
    const badSin = elementwise({ name: 'badSin', inputs: ['x'], expr: 'Math.sin(x)', partials: [(o, [a]) => o.neg(o.cos(a))] });
    expect(() => checkGradients('badSin', opRules(badSin, undefined), x)).toThrow(GradCheckError);
    expect(() => checkGradients('badSin', opRules(badSin, undefined), x)).toThrow(/forward rule disagrees/);
  });

  test('a reverse rule that is not the transpose of the forward rule', () => {
    const good = ops.exp;
    const badExp = custom<undefined>({
      name: 'badExp',
      arity: 1,
      primal: good.primal,
      jvp: good.jvp,
      vjp: (o, _xs, y) => (yBar) => [o.mul(o.mul(yBar, y), 1.01)],
    });
    expect(() => checkGradients('badExp', opRules(badExp, undefined), x)).toThrow(/reverse rule disagrees/);
  });
});

describe('hand-computed rules', () => {
  test('broadcast adjoints are summed back to each input shape', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([10, 20, 30]);
    const y = ops.mul.primal([a, b], undefined);
    const [aBar, bBar] = ops.mul.vjp(
      T,
      [a, b],
      y,
      undefined,
    )(
      tensor([
        [1, 1, 1],
        [1, 1, 1],
      ]),
      [true, true],
    );
    expect(aBar!.toArray()).toEqual([
      [10, 20, 30],
      [10, 20, 30],
    ]);
    expect(bBar!.toArray()).toEqual([5, 7, 9]);
  });

  test('pow: d/dx x² at 0 is 0, d/dy 0^y is 0 (PyTorch conventions, no NaN)', () => {
    const x = tensor([0, 0, 3]);
    const y = tensor([2, 0, 2]);
    const z = ops.pow.primal([x, y], undefined);
    const [xBar, yBar] = ops.pow.vjp(T, [x, y], z, undefined)(tensor([1, 1, 1]), [true, true]);
    expect(xBar!.toArray()).toEqual([0, 0, 6]);
    expect(yBar!.toArray()).toEqual([0, 0, 9 * Math.log(3)]);
  });

  test('max splits the adjoint evenly among ties; maximum(x, x) has derivative 1', () => {
    const x = tensor([1, 3, 3]);
    const y = ops.max.primal([x], r([0]));
    expect(
      ops.max
        .vjp(
          T,
          [x],
          y,
          r([0]),
        )(tensor(1), [true])[0]!
        .toArray(),
    ).toEqual([0, 0.5, 0.5]);
    const m = ops.maximum.primal([x, x], undefined);
    const [a, b] = ops.maximum.vjp(T, [x, x], m, undefined)(tensor([1, 1, 1]), [true, true]);
    expect(T.add(a!, b!).toArray()).toEqual([1, 1, 1]);
  });

  test('relu and abs have derivative 0 at 0', () => {
    const x = tensor([0]);
    for (const op of [ops.relu, ops.abs]) {
      const y = op.primal([x], undefined);
      expect(
        op
          .jvp(
            T,
            [x],
            y,
            undefined,
          )([tensor([1])])!
          .toArray(),
      ).toEqual([0]);
    }
  });
});

describe('the scalar algebra runs the same rules on plain numbers', () => {
  // Every differentiable element-wise op of one operand, at points of its spec line's domain.
  const unaryOps = Object.values(table)
    .filter((e): e is Op<undefined> => isOp(e) && e.elementwise !== undefined && e.differentiable && e.arity === 1)
    .map((op) => [op.name, op, opSpecs.find(([, spec]) => specName(spec) === op.name)?.[1].domains?.[0] ?? 'real'] as const);
  test.each(unaryOps)('%s: partial on numbers equals the tensor rule', (_name, op, domain) => {
    const g = new Generator(3);
    for (const x of [sample(g, domain), sample(g, domain), sample(g, domain)]) {
      const y = op.elementwise!.scalar(x);
      const d = op.elementwise!.partials![0](numberOps, [x], y) as number;
      const t = tensor(x);
      const tangent = op
        .jvp(
          T,
          [t],
          op.primal([t], undefined),
          undefined,
        )([tensor(1)])!
        .item();
      expect(d).toBeCloseTo(tangent, 13);
    }
  });

  test('binary partials on numbers, including pow and maximum', () => {
    const [dx, dy] = ops.pow.elementwise!.partials!.map((p) => p(numberOps, [2, 3], 8));
    expect(dx).toBe(12);
    expect(dy).toBeCloseTo(8 * Math.log(2), 15);
    const [mx, my] = ops.maximum.elementwise!.partials!.map((p) => p(numberOps, [2, 2], 2));
    expect([mx, my]).toEqual([0.5, 0.5]);
  });
});
