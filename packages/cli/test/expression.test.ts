/** Expressions from the command line run on numbers, duals and graph nodes alike. */
import { dual, newTag, Dual } from '@ad/forward';
import { variable, type Var } from '@ad/reverse';
import { isScalarMethod, table } from '@ad/core/engine';
import { FUNCTION_NAMES, evaluate, parseProgram, type Applied } from '../src/expression.js';

const at = <T>(names: string[], values: T[]) => new Map(names.map((n, i) => [n, values[i]]));

test.each([
  ['(x+y)*(x-y)', 5],
  ['x^2 - y^2', 5],
  ['2x + 3y', 12],
  ['sin(x)^2 + cos(x)^2', 1],
  ['exp(log(x)) * sqrt(square(y))', 6],
  ['max(x, y) - min(x, y) + abs(-x)', 4],
  ['-x + +y', -1],
  ['tanh(0) + sigmoid(0) + relu(-x) + log1p(0) + expm1(0)', 0.5],
  ['pi * e / (pi * e) + pow(y, 3)', 9],
  // Functions added to the op table are expression functions with no edit here.
  ['asinh(sinh(y)) + atan2(0, x) + erf(0) + clamp(x, 0, 1) + round(2.5) + gelu(0)', 5],
])('%s at x = 3, y = 2 is %d', (source, expected) => {
  const [y] = evaluate(parseProgram(source), at(['x', 'y'], [3, 2]));
  expect(y).toBeCloseTo(expected as number, 12);
});

test('every scalar function of the op table is an expression function', () => {
  for (const entry of Object.values(table)) {
    if (!isScalarMethod(entry)) continue;
    expect(FUNCTION_NAMES).toContain(entry.name);
  }
});

test('forward mode: duals sharing one tag carry the seed through every op', () => {
  const tag = newTag();
  const p = parseProgram('(x+y)*(x-y)');
  const [y] = evaluate(p, at(['x', 'y'], [dual(3, [1, 0], tag), dual(2, [0, 1], tag)]));
  expect(y).toBeInstanceOf(Dual);
  expect((y as Dual).value).toBe(5);
  expect(Array.from((y as Dual).tangent)).toEqual([6, -4]);
});

test('reverse mode: the ops are recorded, in order, and backward gives the gradient', () => {
  const x = variable(3);
  const y = variable(2);
  const applied: Applied<Var>[] = [];
  const [f] = evaluate(parseProgram('(x+y)*(x-y)'), at(['x', 'y'], [x, y]), (a) => applied.push(a));
  expect(applied.map((a) => a.expr.op)).toEqual(['add', 'sub', 'mul']);
  (f as Var).backward();
  expect([x.grad, y.grad]).toEqual([6, -4]);
});

test('several outputs, as [f1, f2] or f1; f2', () => {
  for (const source of ['[x*y, sin(x)]', 'x*y; sin(x)']) {
    const p = parseProgram(source);
    expect(p.outputs).toHaveLength(2);
    expect(p.variables).toEqual(['x', 'y']);
    expect(evaluate(p, at(['x', 'y'], [0, 4]))).toEqual([0, 0]);
  }
});

test.each([
  ['', '--fn is empty; give an expression such as "(x+y)*(x-y)"'],
  ['(x+', 'cannot parse --fn "(x+": Unexpected end of expression (char 4)'],
  ['lgamma(x)', /^--fn: unknown function lgamma\(\); known functions: abs, acos, .*\berf\b/],
  ['log(x, 2)', '--fn: log takes 1 argument, got 2 in "log(x, 2)"'],
  ['x > 1', '--fn: operator > (larger) is not supported; use + - * / ^ and functions such as sin, exp, log'],
  ['x = 1', '--fn: "x = 1" is not supported (assignment); write arithmetic (+ - * / ^) and functions such as sin, exp, log'],
  ['"a" + x', '--fn: "\\"a\\"" is not a number'],
])('%p is refused: %s', (source, message) => {
  expect(() => parseProgram(source)).toThrow(message);
});

test('names are looked up in the language’s own tables, never on the object prototype', () => {
  expect(() => parseProgram('constructor(x)')).toThrow(/unknown function constructor\(\)/);
  expect(() => evaluate(parseProgram('x*toString'), at(['x'], [2]))).toThrow(/no value for toString/);
  // A variable may be called __proto__: it is a name like any other.
  const [y] = evaluate(parseProgram('x*__proto__'), at(['x', '__proto__'], [2, 3]));
  expect(y).toBe(6);
});
