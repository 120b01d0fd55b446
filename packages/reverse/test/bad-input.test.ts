/**
 * Bad input to @ad/reverse's public functions: a typed error naming the function and what was
 * wrong, or a documented result. The outcomes are docs/errors.md's @ad/reverse section.
 */
import { ones, tensor } from '@ad/core';
import { backward, grad, hessian, hvp, jacrev, noGrad, toDot, valueAndGrad, variable, vjp, zeroGrad, type TensorVar, type Var } from '../src/index.js';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const finite = { finite: true as const };
const propagates = { propagates: true as const };
const f2 = ([x, y]: Var[]) => x.mul(y);

const cases: BadCase[] = [
  { fn: 'variable', input: "'a'", call: () => variable(js('a')), expect: E('DTypeError') },
  { fn: 'variable', input: 'a plain array [1, 2]', call: () => variable(js([1, 2])), expect: E('DTypeError') },
  { fn: 'variable', input: 'NaN', call: () => variable(NaN), expect: propagates },
  { fn: 'Var', input: '+ on a Var (a JavaScript operator)', call: () => js<number>(variable(1)) + 1, expect: E('ValueError') },
  { fn: 'TensorVar', input: '* on a TensorVar (a JavaScript operator)', call: () => js<number>(variable(tensor([1]))) * 2, expect: E('ValueError') },
  {
    fn: 'backward',
    input: 'a non-scalar output without a seed',
    call: () =>
      variable(tensor([1, 2]))
        .mul(2)
        .backward(),
    expect: E('AdError'),
  },
  {
    fn: 'backward',
    input: 'twice through a released graph',
    call: () => {
      const y = variable(2).mul(3);
      y.backward();
      return y.backward();
    },
    expect: E('ReleasedGraphError'),
  },
  {
    fn: 'backward',
    input: 'a value computed under noGrad',
    call: () => {
      const w = variable(3);
      return noGrad(() => w.mul(w)).backward();
    },
    expect: E('AdError'),
  },
  {
    fn: 'backward',
    input: 'a seed of the wrong shape',
    call: () =>
      variable(tensor([1, 2]))
        .mul(2)
        .backward(ones([3])),
    expect: E('AdError'),
  },
  { fn: 'grad', input: 'f = 3 (not a function)', call: () => grad(js(3)), expect: E('DTypeError') },
  { fn: 'grad', input: "x = 'abc'", call: () => grad(f2)(js('abc')), expect: E('DTypeError') },
  { fn: 'grad', input: "x = [1, 'a']", call: () => grad(f2)(js([1, 'a'])), expect: E('DTypeError') },
  {
    fn: 'grad',
    input: 'a plain array to a function of a tensor',
    call: () => grad((x: TensorVar) => x.square().sum())(js([1, 2])),
    expect: E('DTypeError'),
  },
  { fn: 'grad', input: 'f returns an array', call: () => grad(js(([x, y]: Var[]) => [x, y]))([1, 2]), expect: E('DTypeError') },
  {
    fn: 'grad',
    input: 'f of a tensor returns a vector',
    call: () => grad(js<(v: TensorVar) => TensorVar>((v: TensorVar) => v.mul(2)))(tensor([1, 2])),
    expect: E('DTypeError'),
  },
  { fn: 'grad', input: 'f returns a string', call: () => grad(js(() => 'y'))([1]), expect: E('DTypeError') },
  { fn: 'grad', input: 'x = [] (no inputs)', call: () => grad(() => 1)([]), expect: finite },
  { fn: 'grad', input: 'NaN in x', call: () => grad(f2)([NaN, 2]), expect: propagates },
  { fn: 'valueAndGrad', input: 'f = null', call: () => valueAndGrad(js(null)), expect: E('DTypeError') },
  { fn: 'vjp', input: '2 cotangents for 3 outputs', call: () => vjp(([x, y]: Var[]) => [x, y, x.mul(y)], [1, 2]).vjp([1, 2]), expect: E('ValueError') },
  { fn: 'vjp', input: "primals 'abc'", call: () => vjp(f2, js('abc')), expect: E('DTypeError') },
  { fn: 'jacrev', input: 'f = undefined', call: () => jacrev(js(undefined)), expect: E('DTypeError') },
  { fn: 'hvp', input: 'v of length 1 for 2 inputs', call: () => hvp(f2)([1, 2], [1]), expect: E('ValueError') },
  {
    fn: 'hvp',
    input: 'v of the wrong shape for a tensor',
    call: () => hvp((v: TensorVar) => v.square().sum())(tensor([1, 2]), tensor([1])),
    expect: E('ValueError'),
  },
  { fn: 'hessian', input: 'f = 1', call: () => hessian(js(1)), expect: E('DTypeError') },
  { fn: 'hessian', input: "mode 'sideways'", call: () => hessian(f2, { mode: js('sideways') }), expect: E('ValueError') },
  { fn: 'backward', input: 'root null', call: () => backward(js(null)), expect: E('DTypeError') },
  { fn: 'toDot', input: 'root null', call: () => toDot(js(null)), expect: E('DTypeError') },
  {
    fn: 'toDot',
    input: `rankdir '"]; evil' (written into the DOT source)`,
    call: () => toDot(variable(1).mul(2), { rankdir: js('"]; evil') }),
    expect: E('ValueError'),
  },
  { fn: 'toDot', input: 'digits 0', call: () => toDot(variable(1).mul(2), { digits: 0 }), expect: E('ValueError') },
  { fn: 'zeroGrad', input: 'null', call: () => zeroGrad(js(null)), expect: E('DTypeError') },
  { fn: 'noGrad', input: "'x' (not a function)", call: () => noGrad(js('x')), expect: E('DTypeError') },
];

catalogue('@ad/reverse', cases);
