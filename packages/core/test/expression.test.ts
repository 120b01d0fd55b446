/**
 * The grammar of element-wise expressions (kernels/expression.ts): every built-in expression
 * parses and prints back exactly as written (so the generated kernels are what they were) and
 * computes bit for bit what its text computes; bad definitions are refused where the op is
 * defined, naming the op and the part; nothing in an input name, an expression or a partial
 * ever runs as code; and depth is limited, so a 10⁵-deep expression is refused by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AdError, DTypeError, ValueError, custom, elementwise, registerOp, tensor } from '@ad/core';
import { MAX_DEPTH, ReduceKernel, Special, isOp, ops, parseElementwise } from '@ad/core/engine';
import { dual } from '@ad/forward';
import { grad, type Var } from '@ad/reverse';

const OPS = join(__dirname, '..', 'src', 'ops');

/** Every `elementwise({ name, inputs, expr })` written in core's op modules, as written. */
const written = readdirSync(OPS)
  .filter((f) => f.endsWith('.ts'))
  .flatMap((f) =>
    [...readFileSync(join(OPS, f), 'utf8').matchAll(/name: '(\w+)',\s*inputs: \[([^\]]*)\],\s*expr: '([^']*)'/g)].map(([, name, inputs, expr]) => ({
      name,
      inputs: inputs.split(',').map((s) => s.trim().replace(/'/g, '')),
      expr,
    })),
  );

const elementwiseOps = Object.values(ops).filter((op) => isOp(op) && op.elementwise !== undefined);

test('the scan finds every element-wise op of the table', () => {
  const names = new Set(written.map((w) => w.name));
  for (const op of elementwiseOps) if (op.name !== 'where') expect(names).toContain(op.name);
  expect(written.length).toBeGreaterThanOrEqual(elementwiseOps.length - 1);
});

describe.each(written.map((w) => [w.name, w] as const))('built-in %s', (_name, w) => {
  test('parses, and prints back exactly as written (the generated kernels do not change)', () => {
    expect(parseElementwise('test', w.name, w.inputs, w.expr).source).toBe(w.expr);
  });

  test('the printed source computes bit for bit what the written text computes', () => {
    const { source } = parseElementwise('test', w.name, w.inputs, w.expr);
    const fromText = new Function('Math', 'Special', ...w.inputs, `return ${w.expr};`) as (...a: unknown[]) => number;
    const fromTree = new Function('Math', 'Special', ...w.inputs, `return ${source};`) as (...a: unknown[]) => number;
    const values = [0, -0, 0.5, -0.5, 1, -1, 2.5, -2.5, 1e-300, 7, -6, 1e300, Infinity, -Infinity, NaN];
    const tuples = w.inputs.reduce<number[][]>((acc) => acc.flatMap((t) => values.map((v) => [...t, v])), [[]]);
    for (const t of tuples) expect(Object.is(fromTree(Math, Special, ...t), fromText(Math, Special, ...t))).toBe(true);
  });
});

test('printing is normalized: whitespace, == and != become one canonical form, parentheses kept where written', () => {
  const p = (expr: string, inputs = ['x', 'y']) => parseElementwise('elementwise', 'f', inputs, expr).source;
  expect(p('  x*y+Math.PI-(x)')).toBe('x * y + Math.PI - (x)');
  expect(p('x==y?1:0')).toBe('x === y ? 1 : 0');
  expect(p('x!=y ? 1 : 0')).toBe('x !== y ? 1 : 0');
  expect(p('- -x')).toBe('- -x');
  expect(p('-(-x)')).toBe('-(-x)');
  expect(p('2 ** 3 ** x')).toBe('2 ** 3 ** x');
  expect(p('(-x) ** 2')).toBe('(-x) ** 2');
  expect(p('1.50e2 + .5')).toBe('150 + 0.5');
  expect(p('!(x > 0) || y < 1 && x >= y ? Math.hypot(x, y, 1) : NaN')).toBe('!(x > 0) || y < 1 && x >= y ? Math.hypot(x, y, 1) : NaN');
});

test('the same expression written two ways gives the same kernels', () => {
  const a = elementwise({ name: 'sqPlus', inputs: ['x'], expr: 'x*x+1' });
  const b = elementwise({ name: 'sqPlus', inputs: ['x'], expr: 'x * x + 1' });
  expect(a.elementwise.expr).toBe(b.elementwise.expr);
  expect(a.elementwise.scalar(3)).toBe(10);
  expect(a.primal([tensor([1, 2])], undefined).toArray()).toEqual([2, 5]);
});

/** The message of what `f` throws, checked to be an AdError of class `type`. */
function refusal(f: () => unknown, type: typeof AdError): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('bad definitions are refused by elementwise(), naming the op and the part', () => {
  const def = (inputs: unknown, expr: unknown) => () => elementwise({ name: 'exp2', inputs: inputs as string[], expr: expr as string });

  test.each([
    [['x'], 'Math.pow(y, 2)', "elementwise: exp2: expr: unknown name 'y' at column 10; inputs are x"],
    [['x'], '2 ** y', "elementwise: exp2: expr: unknown name 'y' at column 6; inputs are x"],
    [['x'], 'Math.exp(x', "elementwise: exp2: expr: expected ',' or ')' in the arguments of Math.exp, found the end at column 11"],
    [['x'], 'Math.exp(x, 1)', 'elementwise: exp2: expr: Math.exp takes 1 argument, got 2 at column 6'],
    [['x'], 'Math.random()', 'elementwise: exp2: expr: unknown function Math.random at column 6; Math offers abs,'],
    [['x'], 'Math.constructor', 'elementwise: exp2: expr: unknown name Math.constructor at column 6'],
    [['x'], 'Special.constructor(x)', 'elementwise: exp2: expr: unknown function Special.constructor at column 9; Special offers exp, erf, erfc, normalCdf'],
    [['x'], 'Math.exp', 'elementwise: exp2: expr: Math.exp is a function: call it at column 6'],
    [['x'], 'x > 0', 'elementwise: exp2: expr: the expression gives a boolean, but an element must be a number at column 1; write `c ? 1 : 0`'],
    [['x'], 'x ? 1 : 0', 'elementwise: exp2: expr: the condition of ?: must be a boolean (a comparison, such as x > 0), got a number at column 1'],
    [['x'], 'x > 0 ? x > 1 : 0', 'elementwise: exp2: expr: the two branches of ?: must have one type, got a boolean and a number at column 9'],
    [['x'], 'x && 1', 'elementwise: exp2: expr: the left operand of && must be a boolean'],
    [['x'], '-x ** 2', 'elementwise: exp2: expr: -x ** y is ambiguous at column 1; write (-x) ** y or -(x ** y)'],
    [['x'], 'x.constructor', 'elementwise: exp2: expr: x is an input (a number): it has no members and cannot be called at column 2'],
    [['x'], 'x = 1', 'elementwise: exp2: expr: unexpected character "=" (assignment is not an expression of the grammar) at column 3'],
    [['x'], 'x; 1', 'elementwise: exp2: expr: unexpected character ";" at column 2'],
    [['x'], '`x`', 'elementwise: exp2: expr: unexpected character "`" at column 1'],
    [['x'], 'x 1', "elementwise: exp2: expr: unexpected '1' after a complete expression at column 3"],
    [['x'], '1x', 'elementwise: exp2: expr: malformed number "1x" at column 1'],
    [['x'], '', "elementwise: exp2: expr: expected a number, an input, a function or '(', found the end at column 1"],
    [['x'], 'x\u2028+ 1', 'elementwise: exp2: expr: unexpected character'],
  ])('inputs %j, expr %j', (inputs, expr, message) => {
    expect(refusal(def(inputs, expr), ValueError)).toContain(message);
  });

  test.each([
    [[], 'elementwise: exp2: inputs must be an array of 1 to 3 names'],
    [['a', 'b', 'c', 'd'], 'elementwise: exp2: inputs must be an array of 1 to 3 names, such as'],
    ['x', 'elementwise: exp2: inputs must be an array of 1 to 3 names'],
    [[1], 'elementwise: exp2: inputs: name 0 must be a string, got number'],
  ])('inputs %j are refused as a DTypeError', (inputs, message) => {
    expect(refusal(def(inputs, '1'), DTypeError)).toContain(message);
  });

  test.each([
    [['x y'], 'is not a name'],
    [['1x'], 'is not a name'],
    [['x', 'x'], '"x" appears twice'],
    [['Math'], '"Math" is reserved'],
    [['return'], '"return" is reserved'],
    [['out'], '"out" is reserved'],
    [['undefined'], '"undefined" is reserved'],
    [['x', 'xData'], '"xData" is the name of a local the kernels make for input x'],
  ])('input names %j are refused', (inputs, message) => {
    expect(refusal(def(inputs, '1'), ValueError)).toMatch(new RegExp(`^elementwise: exp2: inputs: .*${message.replace(/[()]/g, '\\$&')}`));
  });

  test('an expression that is not a string is a DTypeError', () => {
    expect(refusal(def(['x'], 42), DTypeError)).toBe('elementwise: exp2: expr must be a string (an expression over x), got number');
  });
});

describe('depth is limited: deep expressions are refused by name, not by a stack overflow', () => {
  const deep: [string, string][] = [
    ['10⁵ nested parentheses', `${'('.repeat(1e5)}x${')'.repeat(1e5)}`],
    ['10⁵ unary minuses', `${'- '.repeat(1e5)}x`],
    ['a chain of 10⁵ additions', Array(1e5).fill('x').join(' + ')],
    ['10⁵ nested calls', `${'Math.exp('.repeat(1e5)}x${')'.repeat(1e5)}`],
    ['10⁵ nested conditionals', `${'x > 0 ? 1 : '.repeat(1e5)}x`],
    ['10⁵ powers', Array(1e5).fill('x').join(' ** ')],
  ];
  test.each(deep)('%s', (_what, expr) => {
    expect(refusal(() => elementwise({ name: 'deep', inputs: ['x'], expr }), ValueError)).toMatch(
      new RegExp(`^elementwise: deep: expr: (nested deeper|more) than ${MAX_DEPTH} levels`),
    );
  });

  test(`depth ${MAX_DEPTH - 2} is accepted and computes`, () => {
    const n = MAX_DEPTH - 2;
    const op = elementwise({ name: 'shallow', inputs: ['x'], expr: `${'('.repeat(n)}x + 1${')'.repeat(n)}` });
    expect(op.elementwise.scalar(1)).toBe(2);
  });
});

describe('code in strings never runs: the probe globalThis.PWNED = 1', () => {
  const g = globalThis as { PWNED?: unknown };
  beforeEach(() => {
    delete g.PWNED;
  });
  afterEach(() => {
    expect(g.PWNED).toBeUndefined();
  });
  const probes = ['globalThis.PWNED = 1', 'x, globalThis.PWNED = 1', '(globalThis.PWNED = 1, x)', 'x /* */ + (globalThis.PWNED = 1)'];

  test.each(probes)('in the expression: %s', (expr) => {
    expect(() => elementwise({ name: 'probe', inputs: ['x'], expr })).toThrow(ValueError);
  });

  test.each(probes)('in an input name: %s', (name) => {
    expect(() => elementwise({ name: 'probe', inputs: [name], expr: 'x' })).toThrow(ValueError);
  });

  test('in an op name', () => {
    expect(() => elementwise({ name: 'p(globalThis.PWNED = 1)', inputs: ['x'], expr: 'x' })).toThrow(ValueError);
  });

  test('in a partial that returns text instead of computing with the algebra', () => {
    const op = elementwise({ name: 'probeReturn', inputs: ['x'], expr: 'x * x', partials: [(() => 'globalThis.PWNED = 1') as never] });
    expect(refusal(() => registerOp(op), ValueError)).toMatch(/^registerOp: probeReturn: partials: .*not one of the algebra's/);
  });

  test('in a partial that passes text to an op of the algebra', () => {
    const op = elementwise({ name: 'probePass', inputs: ['x'], expr: 'x * x', partials: [(o, [x]) => o.mul(x, 'globalThis.PWNED = 1' as never)] });
    expect(refusal(() => registerOp(op), ValueError)).toMatch(/^registerOp: probePass: partials: /);
  });

  test("in an elementwise field made by hand for custom's op", () => {
    const info = { inputs: ['x'], expr: 'globalThis.PWNED = 1', scalar: (x: number) => x, partials: null };
    const spec = {
      name: 'probeCustom',
      arity: 1,
      elementwise: info,
      primal: (xs: readonly unknown[]) => xs[0],
      jvp: () => () => null,
      vjp: () => () => [null],
    };
    expect(refusal(() => custom(spec as never), DTypeError)).toMatch(/^custom: probeCustom: elementwise must be/);
  });

  test('in an elementwise field swapped into an op after it was made', () => {
    const op = elementwise({ name: 'probeSwap', inputs: ['x'], expr: 'x', partials: [() => 1] });
    Object.assign(op, { elementwise: { ...op.elementwise, expr: 'globalThis.PWNED = 1' } });
    expect(refusal(() => registerOp(op), DTypeError)).toMatch(/^registerOp: probeSwap: elementwise must be the field elementwise\(\) made/);
  });

  test('the expression of an op cannot be edited after it was made', () => {
    const op = elementwise({ name: 'probeFrozen', inputs: ['x'], expr: 'x', partials: [() => 1] });
    expect(() => {
      (op.elementwise as { expr: string }).expr = 'globalThis.PWNED = 1';
    }).toThrow(TypeError);
    expect(op.elementwise.expr).toBe('x');
  });
});

test('a registered op defined through the grammar works in every mode', () => {
  const call = <V>(v: V): V => (v as unknown as Record<string, () => V>).cubeViaGrammar();
  const cube = registerOp(elementwise({ name: 'cubeViaGrammar', inputs: ['x'], expr: 'x*x*x', partials: [(o, [x]) => o.mul(3, o.mul(x, x))] }));
  expect(cube(tensor([2])).toArray()).toEqual([8]);
  const d = call(dual(2, [1]));
  expect(d.value).toBe(8);
  expect(d.tangent[0]).toBe(12);
  expect(grad(([x]: Var[]) => call(x))([2])).toEqual([12]);
});

describe("reductions' accumulators go through the same grammar", () => {
  test('the built-in accumulators print back as written, and a reduction computes with the printed one', () => {
    expect(parseElementwise('test', 'sum', ['a', 'x'], 'a + x').source).toBe('a + x');
    expect(parseElementwise('test', 'max', ['a', 'x'], 'Math.max(a, x)').source).toBe('Math.max(a, x)');
    const k = new ReduceKernel('sumOfSquares', 0, 'a+x*x');
    expect(k.acc).toBe('a + x * x');
    const out = new Float64Array(1);
    k.run(out, [3], { data: new Float64Array([1, 2, 3]), offset: 0, stride: [1] }, [0]);
    expect(out[0]).toBe(14);
  });

  test('an accumulator carrying code, or a start value that is not a number, is refused', () => {
    const g = globalThis as { PWNED?: unknown };
    expect(() => new ReduceKernel('probe', 0, 'a + (globalThis.PWNED = 1)')).toThrow(ValueError);
    expect(() => new ReduceKernel('probe', js<number>('0; globalThis.PWNED = 1'), 'a + x')).toThrow(DTypeError);
    expect(g.PWNED).toBeUndefined();
  });
});

function js<T>(v: unknown): T {
  return v as T;
}
