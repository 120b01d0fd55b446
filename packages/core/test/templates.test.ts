/**
 * The code templates render two ways (kernels/template.ts): as TypeScript into the generated
 * files, and as JavaScript for `new Function` when an op is registered after the build. The two
 * must compute the same thing: every built-in element-wise op, registered again under another
 * name (so its kernels and its Dual and Var methods are compiled at run time), gives bit for bit
 * what the generated code gives. Where eval is forbidden a registered op's scalar method falls
 * back to the general path, and a kernel that cannot be compiled says why.
 */
import { AdError, elementwise, registerOp, tensor, type Op, type Tensor } from '@ad/core';
import { cast, compileFunction, hasFastPath, ops, render, tsOnly, typed, type Entry } from '@ad/core/engine';
import { Dual, dual } from '@ad/forward';
import { Var, grad } from '@ad/reverse';

test('a template keeps its TypeScript-only parts in the TypeScript rendering and drops them in the JavaScript one', () => {
  const template = `function f(${typed('x', 'number')}, ${typed('s', 'readonly number[]')})${tsOnly(': number')} {
  const r = new Array${tsOnly('<number>')}(s.length);
  return x * ${cast('s[0]', 'number')} + r.length;
}`;
  expect(render(template, 'ts')).toBe(`function f(x: number, s: readonly number[]): number {
  const r = new Array<number>(s.length);
  return x * (s[0] as number) + r.length;
}`);
  expect(render(template, 'js')).toBe(`function f(x, s) {
  const r = new Array(s.length);
  return x * s[0] + r.length;
}`);
});

test('compileFunction gives the function of a template with its scope', () => {
  const f = compileFunction<(x: number) => number>({ scope: ['k'], body: `return function (${typed('x', 'number')}) { return k * x; };` }, { k: 3 });
  expect(f?.(2)).toBe(6);
});

type Call = (this: unknown, ...operands: unknown[]) => unknown;
const method = (x: unknown, name: string): Call => (x as Record<string, Call>)[name];

/** Every built-in op that Dual and Var have a fast method for (one with a derivative), and its copy registered under another name. */
const builtins = Object.values<Entry>(ops)
  .filter(hasFastPath)
  .filter((op) => op.elementwise?.partials !== null)
  .map((op) => {
    const ew = op.elementwise!;
    const copy: Op<undefined> = elementwise({ name: `${op.name}RunTime`, inputs: ew.inputs, expr: ew.expr, partials: ew.partials ?? undefined });
    registerOp(copy);
    return [op.name, copy.name, ew.inputs.length, ew.scalar, copy.elementwise!.scalar] as const;
  });

const xs = [0.3, 0.7, 1.5, -0.4, 2.5];
const ys = [0.6, 2, -1.25];

test('the table has fast methods to compare', () => {
  expect(builtins.length).toBeGreaterThan(30);
});

describe.each(builtins)('%s compiled at run time (as %s) computes what the generated code computes', (name, copy, arity, generatedScalar, compiledScalar) => {
  const pairs = arity === 1 ? xs.map((x) => [x]) : xs.flatMap((x) => ys.map((y) => [x, y]));

  test('the tensor kernels and the primal on numbers', () => {
    const operands = Array.from({ length: arity }, (_, i) => tensor(pairs.map((p) => p[i])));
    const run = (n: string) => (method(operands[0], n).call(operands[0], ...operands.slice(1)) as Tensor).toArray();
    expect(run(copy)).toEqual(run(name));
    for (const p of pairs) expect(compiledScalar(...p)).toEqual(generatedScalar(...p));
  });

  test('Dual and Var have a compiled fast method of the copy, named after it (not the general path)', () => {
    expect(method(Dual.prototype, copy).name).toBe(copy);
    expect(method(Var.prototype, copy).name).toBe(copy);
  });

  test("Dual's fast method, width 1 and width 2, with a dual or a number as operand", () => {
    const show = (d: unknown) => (d instanceof Dual ? [d.value, ...d.partials] : d);
    for (const p of pairs) {
      for (const seeds of [
        [[1], [0.5]],
        [
          [1, 0],
          [0, 1],
        ],
      ]) {
        const [x, y] = p.map((v, i) => dual(v, seeds[i]));
        const args = arity === 1 ? [] : [y];
        expect(show(method(x, copy).call(x, ...args))).toEqual(show(method(x, name).call(x, ...args)));
        if (arity === 2) expect(show(method(x, copy).call(x, p[1]))).toEqual(show(method(x, name).call(x, p[1])));
      }
    }
  });

  test("Var's fast method: the gradient, with a node or a number as operand", () => {
    for (const p of pairs) {
      const nodes = (n: string) => grad(([a, ...b]: Var[]) => method(a, n).call(a, ...b) as Var)(p);
      expect(nodes(copy)).toEqual(nodes(name));
      const number = (n: string) => grad(([a]: Var[]) => method(a, n).call(a, ...p.slice(1)) as Var)([p[0]]);
      expect(number(copy)).toEqual(number(name));
    }
  });
});

describe('where eval is forbidden', () => {
  const realFunction = globalThis.Function;
  const forbidEval = () => {
    // What `new Function` does under a strict Content-Security-Policy or Node's --disallow-code-generation-from-strings.
    globalThis.Function = class {
      constructor() {
        throw new EvalError('Code generation from strings disallowed for this context');
      }
    } as unknown as FunctionConstructor;
  };
  afterEach(() => {
    globalThis.Function = realFunction;
  });

  test("a registered op's scalar methods fall back to the general path", () => {
    // The op's kernels are compiled when it is made; only its methods meet the forbidden eval.
    const cube = elementwise({ name: 'cubeWithoutEval', inputs: ['x'], expr: 'x * x * x', partials: [(o, [x]) => o.mul(o.square(x), 3)] });
    forbidEval();
    registerOp(cube);
    globalThis.Function = realFunction;
    const d = method(dual(2, [1]), 'cubeWithoutEval').call(dual(2, [1])) as Dual;
    expect([d.value, ...d.partials]).toEqual([8, 12]);
    expect(grad(([v]: Var[]) => method(v, 'cubeWithoutEval').call(v) as Var)([2])).toEqual([12]);
    // The general path's closure, not a compiled method named after the op.
    expect(method(Dual.prototype, 'cubeWithoutEval').name).not.toBe('cubeWithoutEval');
  });

  test('an element-wise op whose kernels no generated file holds cannot be made, and the error says why', () => {
    forbidEval();
    expect(() => elementwise({ name: 'squareWithoutEval', inputs: ['x'], expr: 'x * x' })).toThrow(AdError);
    expect(() => elementwise({ name: 'squareWithoutEval', inputs: ['x'], expr: 'x * x' })).toThrow(/forbids eval.*squareWithoutEval/);
  });

  test('a built-in expression under its own name takes the generated kernels, with no eval', () => {
    forbidEval();
    const sinAgain = elementwise({ name: 'sin', inputs: ['x'], expr: 'Math.sin(x)' });
    expect(sinAgain.elementwise.scalar(0.5)).toBe(Math.sin(0.5));
  });
});
