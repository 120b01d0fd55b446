/**
 * Bad input to @ad/jit's public functions — and to the functions jit returns — gives a typed
 * error naming the function, or a documented result. The outcomes are docs/errors.md's @ad/jit
 * section.
 */
import { tensor, type Tensor } from '@ad/core';
import { grad, type Var } from '@ad/reverse';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';
import { adjointProgram, jit, scan } from '../src/index.js';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const finite = { finite: true as const };
const propagates = { propagates: true as const };
const sq = (x: Tensor) => x.mul(x).sum();
const f2 = ([x, y]: Var[]) => x.mul(y);
const xs3 = tensor([1, 2, 3]);
/** scan as plain JavaScript calls it: bad input is what these cases pass. */
const anyScan = scan as unknown as (f: unknown, init: unknown, xs: unknown, options?: unknown) => unknown;

const cases: BadCase[] = [
  { fn: 'jit', input: 'fn = 3 (not a function)', call: () => jit(js(3)), expect: E('DTypeError') },
  { fn: 'jit', input: 'fn = null', call: () => jit(js(null)), expect: E('DTypeError') },
  { fn: 'jit', input: "options = 'fast'", call: () => jit(sq, js('fast')), expect: E('DTypeError') },
  { fn: 'jit', input: 'an unknown option (chek)', call: () => jit(sq, js({ chek: true })), expect: E('ValueError') },
  { fn: 'jit', input: "check = 'yes'", call: () => jit(sq, js({ check: 'yes' })), expect: E('DTypeError') },
  { fn: 'jit', input: 'check.rtol = -1', call: () => jit(sq, { check: { rtol: -1 } }), expect: E('ValueError') },
  { fn: 'jit', input: 'check.atol = NaN', call: () => jit(sq, { check: { atol: NaN } }), expect: E('ValueError') },
  { fn: 'jit', input: 'cacheSize = 0', call: () => jit(sq, { cacheSize: 0 }), expect: E('ValueError') },
  { fn: 'jit', input: 'cacheSize = 2.5', call: () => jit(sq, { cacheSize: 2.5 }), expect: E('ValueError') },
  { fn: 'jit', input: 'cacheSize = Infinity', call: () => jit(sq, { cacheSize: Infinity }), expect: E('ValueError') },
  { fn: 'jit', input: "cacheSize = '8'", call: () => jit(sq, { cacheSize: js('8') }), expect: E('ValueError') },
  { fn: 'jit', input: 'a string argument to the compiled function', call: () => jit(sq)(js('abc')), expect: E('DTypeError') },
  { fn: 'jit', input: 'a circular argument', call: () => jit((o: { a: unknown }) => o)(js(circular())), expect: E('DTypeError') },
  { fn: 'jit', input: 'a NaN input (the program runs on it)', call: () => jit(sq)(tensor([NaN, 1])), expect: propagates },
  { fn: 'jit', input: 'if on a traced value', call: () => jit((x: Tensor) => (js<number>(x.sum()) > 0 ? x : x.neg()))(tensor([1])), expect: E('TracingError') },
  { fn: 'jit', input: 'jit(grad(f)) with x = [1, "a"]', call: () => jit(grad(f2))(js([1, 'a'])), expect: E('DTypeError') },
  { fn: 'jit', input: 'a finite input after a NaN one (a new trace is not needed)', call: () => jit(sq)(tensor([1, 2])), expect: finite },
  { fn: 'adjointProgram', input: 'fn = {} (not a function)', call: () => adjointProgram(js({}), [1]), expect: E('DTypeError') },
  { fn: 'adjointProgram', input: "x = 'abc'", call: () => adjointProgram(f2 as never, js('abc')), expect: E('DTypeError') },
  { fn: 'adjointProgram', input: "x = [1, 'a']", call: () => adjointProgram(f2 as never, js([1, 'a'])), expect: E('DTypeError') },
  {
    fn: 'adjointProgram',
    input: 'f calls scan',
    call: () =>
      adjointProgram(
        js((xs: number[]) => scan((c: number) => [c, 0], xs[0], null, { length: 2 })[0]),
        [1],
      ),
    expect: E('ValueError'),
  },
  { fn: 'scan', input: 'f = 3 (not a function)', call: () => anyScan(js(3), 0, xs3), expect: E('DTypeError') },
  {
    fn: 'scan',
    input: 'f returns a number, not [carry, y]',
    call: () =>
      anyScan(
        js((c: number) => c),
        0,
        xs3,
      ),
    expect: E('DTypeError'),
  },
  {
    fn: 'scan',
    input: 'f returns [carry] (one element)',
    call: () =>
      anyScan(
        js((c: number) => [c]),
        0,
        xs3,
      ),
    expect: E('DTypeError'),
  },
  {
    fn: 'scan',
    input: 'the carry gains a key',
    call: () =>
      anyScan(
        js((c: { a: number }) => [{ a: c.a, b: 1 }, 0]),
        { a: 0 },
        xs3,
      ),
    expect: E('ValueError'),
  },
  {
    fn: 'scan',
    input: 'the carry changes shape ([2] → [1,2])',
    call: () =>
      anyScan(
        js((c: Tensor) => [c.reshape([1, 2]), 0]),
        tensor([1, 2]),
        xs3,
      ),
    expect: E('ShapeError'),
  },
  {
    fn: 'scan',
    input: 'a scalar carry becomes a tensor',
    call: () =>
      anyScan(
        js((c: number, x: Tensor) => [x.mul(c), 0]),
        1,
        xs3,
      ),
    expect: E('ShapeError'),
  },
  {
    fn: 'scan',
    input: 'y changes structure between steps',
    call: () =>
      anyScan(
        js((c: number, x: Tensor) => [c + 1, c === 0 ? x : [x]]),
        0,
        xs3,
      ),
    expect: E('ValueError'),
  },
  { fn: 'scan', input: 'xs leaves of leading lengths 2 and 3', call: () => anyScan((c: number) => [c, 0], 0, [tensor([1, 2]), xs3]), expect: E('ShapeError') },
  { fn: 'scan', input: 'length 4 with xs of length 3', call: () => anyScan((c: number) => [c, 0], 0, xs3, { length: 4 }), expect: E('ValueError') },
  { fn: 'scan', input: 'xs null and no length', call: () => anyScan((c: number) => [c, 0], 0, null), expect: E('ValueError') },
  { fn: 'scan', input: 'xs = [1, 2] (scalars: no axis to scan)', call: () => anyScan((c: number) => [c, 0], 0, [1, 2]), expect: E('ShapeError') },
  { fn: 'scan', input: 'length = 0', call: () => anyScan((c: number) => [c, 0], 0, null, { length: 0 }), expect: E('ValueError') },
  { fn: 'scan', input: 'length = 2.5', call: () => anyScan((c: number) => [c, 0], 0, null, { length: 2.5 }), expect: E('ValueError') },
  { fn: 'scan', input: 'an unknown option (lenght)', call: () => anyScan((c: number) => [c, 0], 0, xs3, js({ lenght: 3 })), expect: E('ValueError') },
  { fn: 'scan', input: "reverse = 'yes'", call: () => anyScan((c: number) => [c, 0], 0, xs3, js({ reverse: 'yes' })), expect: E('DTypeError') },
  { fn: 'scan', input: "init = 'a'", call: () => anyScan((c: number) => [c, 0], js('a'), xs3), expect: E('DTypeError') },
  { fn: 'scan', input: 'a NaN in xs', call: () => anyScan((c: Tensor, x: Tensor) => [c.add(x), c], tensor(0), tensor([1, NaN, 2])), expect: propagates },
  {
    fn: 'scan',
    input: 'under jit, the carry changes shape',
    call: () =>
      jit((v: Tensor) =>
        anyScan(
          js((c: Tensor) => [c.reshape([1, 2]), 0]),
          v,
          null,
          { length: 2 },
        ),
      )(tensor([1, 2])),
    expect: E('ShapeError', 'jit'),
  },
];

function circular(): { a: unknown } {
  const o: { a: unknown } = { a: null };
  o.a = o;
  return o;
}

catalogue('@ad/jit', cases);
