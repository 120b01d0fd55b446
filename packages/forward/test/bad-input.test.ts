/**
 * Bad input to @ad/forward's public functions: a typed error naming the function and what was
 * wrong, or a documented result. The outcomes are docs/errors.md's @ad/forward section.
 */
import { tensor, zeros } from '@ad/core';
import { defaultChunk, derivative, dual, dualTensor, hessian, jacfwd, jvp, type Dual, type DualTensor } from '../src/index.js';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const finite = { finite: true as const };
const propagates = { propagates: true as const };
const sq = ([x, y]: Dual[]) => x.mul(y ?? x);

const cases: BadCase[] = [
  { fn: 'dual', input: "value 'a'", call: () => dual(js('a')), expect: E('DTypeError') },
  { fn: 'dual', input: "a tangent holding 'a'", call: () => dual(1, js(['a'])), expect: E('DTypeError') },
  { fn: 'dual', input: 'an empty tangent []', call: () => dual(1, []), expect: E('ValueError', 'Dual') },
  { fn: 'dual', input: 'value NaN', call: () => dual(NaN), expect: propagates },
  { fn: 'dualTensor', input: 'no tangents', call: () => dualTensor(tensor([1]), []), expect: E('ValueError') },
  {
    fn: 'dualTensor',
    input: 'a tangent of shape [1] for a value of shape [2]',
    call: () => dualTensor(tensor([1, 2]), [tensor([1])]),
    expect: E('ValueError'),
  },
  { fn: 'derivative', input: 'f = 3 (not a function)', call: () => derivative(js(3)), expect: E('DTypeError') },
  { fn: 'derivative', input: 'f returns an array', call: () => derivative((x) => js([x, x]))(1), expect: E('DTypeError') },
  { fn: 'derivative', input: 'f returns a string', call: () => derivative(() => js('y'))(1), expect: E('DTypeError') },
  {
    fn: 'derivative',
    input: 'f uses + on a Dual (a JavaScript operator)',
    call: () => derivative((x) => js((x as unknown as number) + 1))(1),
    expect: E('ValueError', 'Dual'),
  },
  { fn: 'derivative', input: 'x = NaN', call: () => derivative((x) => x.mul(x))(NaN), expect: propagates },
  { fn: 'derivative', input: 'x = Infinity', call: () => derivative((x) => x.exp())(Infinity), expect: propagates },
  { fn: 'jvp', input: 'primals 3, tangents [1] (another structure)', call: () => jvp(sq, js(3), [1]), expect: E('ValueError') },
  { fn: 'jvp', input: "primals 'abc'", call: () => jvp(sq, js('abc'), [1]), expect: E('DTypeError') },
  { fn: 'jvp', input: '2 primals, 1 tangent', call: () => jvp(sq, [1, 2], [1]), expect: E('ValueError') },
  { fn: 'jvp', input: 'seed vectors of widths 2 and 1', call: () => jvp(sq, [1, 2], { seeds: [[1, 0], [1]] }), expect: E('ValueError') },
  {
    fn: 'jvp',
    input: 'a bare array of arrays [[1, 0], [0, 1]]',
    call: () =>
      jvp(
        sq,
        [1, 2],
        js([
          [1, 0],
          [0, 1],
        ]),
      ),
    expect: E('DTypeError'),
  },
  {
    fn: 'jvp',
    input: 'a bare array of arrays, not square',
    call: () =>
      jvp(
        sq,
        [1, 2],
        js([
          [1, 0, 1],
          [0, 1, 1],
        ]),
      ),
    expect: E('DTypeError'),
  },
  { fn: 'jvp', input: 'a tangent [1, [0, 1]] mixing both', call: () => jvp(sq, [1, 2], js([1, [0, 1]])), expect: E('DTypeError') },
  { fn: 'jvp', input: 'tangents { directions, seeds }', call: () => jvp(sq, [1, 2], js({ directions: [[1, 0]], seeds: [[1], [0]] })), expect: E('ValueError') },
  { fn: 'jvp', input: 'tangents { direction } (a typo)', call: () => jvp(sq, [1, 2], js({ direction: [[1, 0]] })), expect: E('ValueError') },
  { fn: 'jvp', input: 'tangents null', call: () => jvp(sq, [1, 2], js(null)), expect: E('DTypeError') },
  { fn: 'jvp', input: 'directions: [] (none)', call: () => jvp(sq, [1, 2], { directions: [] }), expect: E('ValueError') },
  { fn: 'jvp', input: 'a direction of 3 entries for 2 inputs', call: () => jvp(sq, [1, 2], { directions: [[1, 0, 1]] }), expect: E('ValueError') },
  { fn: 'jvp', input: 'directions: [1, 0] (not rows)', call: () => jvp(sq, [1, 2], js({ directions: [1, 0] })), expect: E('DTypeError') },
  { fn: 'jvp', input: '3 seed vectors for 2 inputs', call: () => jvp(sq, [1, 2], { seeds: [[1], [0], [1]] }), expect: E('ValueError') },
  { fn: 'jvp', input: 'seed vectors of width 0', call: () => jvp(sq, [1, 2], { seeds: [[], []] }), expect: E('ValueError') },
  { fn: 'jvp', input: 'seeds of no inputs', call: () => jvp(() => 1, [], { seeds: [] }), expect: E('ValueError') },
  { fn: 'jvp', input: "a direction holding 'a'", call: () => jvp(sq, [1, 2], js({ directions: [[1, 'a']] })), expect: E('DTypeError') },
  { fn: 'jvp', input: "a primal 'a'", call: () => jvp(sq, js(['a']), [1]), expect: E('DTypeError') },
  { fn: 'jvp', input: "a tangent 'a'", call: () => jvp(sq, [1], js(['a'])), expect: E('DTypeError') },
  {
    fn: 'jvp',
    input: 'a tangent tensor of the wrong shape',
    call: () => jvp((xs: DualTensor[]) => xs[0], [tensor([1, 2])], [tensor([1, 2, 3])]),
    expect: E('ValueError'),
  },
  {
    fn: 'jvp',
    input: 'f of a tensor returns an array',
    call: () =>
      jvp(
        js<(xs: DualTensor[]) => DualTensor>((xs: DualTensor[]) => [xs[0]]),
        [tensor([1])],
        [tensor([1])],
      ),
    expect: E('DTypeError'),
  },
  { fn: 'jvp', input: 'NaN in a primal', call: () => jvp(sq, [NaN, 1], [1, 0]), expect: propagates },
  { fn: 'jacfwd', input: 'f = {} (not a function)', call: () => jacfwd(js({})), expect: E('DTypeError') },
  { fn: 'jacfwd', input: 'chunk 0', call: () => jacfwd(sq, { chunk: 0 }), expect: E('ValueError') },
  { fn: 'jacfwd', input: 'chunk NaN', call: () => jacfwd(sq, { chunk: NaN }), expect: E('ValueError') },
  { fn: 'jacfwd', input: "x = 'abc'", call: () => jacfwd(sq)(js('abc')), expect: E('DTypeError') },
  { fn: 'jacfwd', input: 'f of an array returns a tensor (one block per input, as jacrev)', call: () => jacfwd(js(() => zeros([2])))([1]), expect: finite },
  { fn: 'jacfwd', input: 'x = [] (no inputs)', call: () => jacfwd(() => 1)([]), expect: finite },
  { fn: 'jacfwd', input: 'NaN in x', call: () => jacfwd(sq)([NaN, 1]), expect: propagates },
  { fn: 'hessian', input: 'chunk 1.5', call: () => hessian(sq, { chunk: 1.5 }), expect: E('ValueError') },
  { fn: 'hessian', input: 'f returns an array', call: () => hessian(js((xs: Dual[]) => [xs[0], xs[0]]))([1]), expect: E('DTypeError') },
  { fn: 'hessian', input: 'f of a tensor returns a vector', call: () => hessian((v: DualTensor) => v.mul(2))(tensor([1, 2])), expect: E('DTypeError') },
  { fn: 'defaultChunk', input: 'n = 0', call: () => defaultChunk(0), expect: finite },
];

catalogue('@ad/forward', cases);
