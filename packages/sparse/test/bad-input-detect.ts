/**
 * Bad input to sparsity detection (jacobianPattern, hessianPattern): the cases of the detection
 * half of @ad/sparse's bad-input catalogue (bad-input.test.ts runs them with the transforms').
 */
import { type Tensor, custom, registerOp, tensor, zeros } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import type { BadCase } from '@ad/test-support/bad-input-catalogue';
import { SparsityPattern, hessianPattern, jacobianPattern } from '../src/index.js';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const x3 = zeros([3]);

const noRule = registerOp(
  custom<undefined>({
    name: 'detectBadInputNoRule',
    arity: 1,
    primal: ([x]) => x,
    jvp: () => (ds) => ds[0],
    vjp: () => (g) => [g],
  }),
);

/** The detection cases, in the order the catalogue lists them. */
export const detectionCases: BadCase[] = [
  { fn: 'jacobianPattern', input: 'f = 3 (not a function)', call: () => jacobianPattern(js(3), x3), expect: E('DTypeError') },
  { fn: 'jacobianPattern', input: 'x a string', call: () => jacobianPattern((x: Tensor) => x, js('abc')), expect: E('DTypeError') },
  { fn: 'jacobianPattern', input: "x ['a', 1]", call: () => jacobianPattern((x: Tensor) => x, js(['a', 1])), expect: E('DTypeError') },
  {
    fn: 'jacobianPattern',
    input: 'an `if` on a traced tensor (a branch on a value)',
    call: () => jacobianPattern((x: Tensor) => (js<number>(anyOps.sum(x)) > 0 ? x : x.neg()), x3),
    expect: E('SparsityDetectionError'),
  },
  {
    fn: 'jacobianPattern',
    input: 'an `if` on a traced scalar (array input)',
    call: () =>
      jacobianPattern(
        js((xs: number[]) => (xs[0] > 0 ? xs[0] : xs[1])),
        [1, 2],
      ),
    expect: E('SparsityDetectionError'),
  },
  {
    fn: 'jacobianPattern',
    input: 'toArray() of a traced tensor',
    call: () => jacobianPattern((x: Tensor) => tensor(x.toArray() as number[]), x3),
    expect: E('SparsityDetectionError'),
  },
  {
    fn: 'jacobianPattern',
    input: 'item() of a traced tensor',
    call: () => jacobianPattern((x: Tensor) => x.sum().item(), x3),
    expect: E('SparsityDetectionError'),
  },
  { fn: 'jacobianPattern', input: 'f returns a string', call: () => jacobianPattern((_x: Tensor) => 'done', x3), expect: E('DTypeError') },
  { fn: 'jacobianPattern', input: 'f returns null', call: () => jacobianPattern((_x: Tensor) => null, x3), expect: E('DTypeError') },
  {
    fn: 'jacobianPattern',
    input: 'f returns an array holding a tensor',
    call: () => jacobianPattern((x: Tensor) => [x], x3),
    expect: E('DTypeError'),
  },
  {
    fn: 'jacobianPattern',
    input: 'an op with no sparsity rule (a registered custom op)',
    call: () => jacobianPattern((x: Tensor) => noRule(x), x3),
    expect: E('SparsityDetectionError'),
  },
  {
    fn: 'jacobianPattern',
    input: 'a shape error inside f ([3] + [2])',
    call: () => jacobianPattern((x: Tensor) => x.add(zeros([2])), x3),
    expect: E('ShapeError', 'add'),
  },
  {
    fn: 'jacobianPattern',
    input: 'x holding NaN (only its shape is read: the pattern holds at every input)',
    call: () => jacobianPattern((x: Tensor) => x.exp(), tensor([Number.NaN, 1, Infinity])),
    expect: { finite: true },
  },
  {
    fn: 'SparsityPattern.fromCompressedRows',
    input: 'a row with its columns out of order',
    call: () => SparsityPattern.fromCompressedRows([2, 3], Int32Array.of(0, 2, 3), Int32Array.of(2, 0, 1)),
    expect: E('ValueError'),
  },
  {
    fn: 'SparsityPattern.fromCompressedRows',
    input: 'rowPtr of 2 entries for 2 rows',
    call: () => SparsityPattern.fromCompressedRows([2, 3], Int32Array.of(0, 1), Int32Array.of(0)),
    expect: E('ShapeError'),
  },
  {
    fn: 'SparsityPattern.fromCompressedRows',
    input: 'plain arrays instead of Int32Arrays',
    call: () => SparsityPattern.fromCompressedRows([1, 2], js([0, 1]), js([1])),
    expect: E('DTypeError'),
  },
  { fn: 'hessianPattern', input: 'f = null', call: () => hessianPattern(js(null), x3), expect: E('DTypeError') },
  { fn: 'hessianPattern', input: 'f returns a vector (shape [3])', call: () => hessianPattern((x: Tensor) => x.square(), x3), expect: E('ShapeError') },
  {
    fn: 'hessianPattern',
    input: 'f returns an array of scalars',
    call: () =>
      hessianPattern(
        js((xs: number[]) => xs),
        [1, 2],
      ),
    expect: E('ShapeError'),
  },
  {
    fn: 'hessianPattern',
    input: 'an `if` on a traced value',
    call: () => hessianPattern((x: Tensor) => (js<number>(x.sum()) > 0 ? x.sum() : x.square().sum()), x3),
    expect: E('SparsityDetectionError'),
  },
];
