/**
 * Bad input to vmap — and to the functions it returns — gives a typed error naming vmap and the
 * input, never a result of the wrong shape. The outcomes are docs/errors.md's @ad/vmap section.
 */
import { type Tensor, custom, ones, registerOp, tensor, zeros } from '@ad/core';
import { anyOps } from '@ad/core/engine';
import { catalogue, type BadCase } from '@ad/test-support/bad-input-catalogue';
import { vmap } from '../src/index.js';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const id = (x: Tensor) => x;
const add = (x: Tensor, y: Tensor) => anyOps.add(x, y) as Tensor;
const x3 = zeros([3, 2]);
const x4 = zeros([4, 2]);

const noRule = registerOp(
  custom<undefined>({
    name: 'vmapBadInputNoRule',
    arity: 1,
    primal: ([x]) => x,
    jvp: () => (ds) => ds[0],
    vjp: () => (g) => [g],
  }),
);

const cases: BadCase[] = [
  { fn: 'vmap', input: 'f = 3 (not a function)', call: () => vmap(js<() => number>(3)), expect: E('DTypeError') },
  { fn: 'vmap', input: "options = 'fast'", call: () => vmap(id, js('fast')), expect: E('DTypeError') },
  { fn: 'vmap', input: 'an unknown option (in_axes)', call: () => vmap(id, js({ in_axes: 0 })), expect: E('ValueError') },
  { fn: 'vmap', input: 'inAxes = 1.5', call: () => vmap(id, { inAxes: 1.5 }), expect: E('ValueError') },
  { fn: 'vmap', input: "inAxes = '0'", call: () => vmap(id, { inAxes: js('0') }), expect: E('DTypeError') },
  { fn: 'vmap', input: 'outAxes = [0, NaN]', call: () => vmap(id, { outAxes: [0, NaN] }), expect: E('ValueError') },
  { fn: 'vmap', input: 'batch sizes 3 and 4 across the inputs', call: () => vmap(add)(x3, x4), expect: E('ShapeError') },
  {
    fn: 'vmap',
    input: 'batch sizes 3 and 4 inside one object input',
    call: () => vmap((o: { a: Tensor; b: Tensor }) => o.a)({ a: x3, b: x4 }),
    expect: E('ShapeError'),
  },
  { fn: 'vmap', input: 'inAxes = 2 for an input of rank 2 (out of range)', call: () => vmap(id, { inAxes: 2 })(x3), expect: E('ValueError') },
  { fn: 'vmap', input: 'inAxes = −3 for an input of rank 2', call: () => vmap(id, { inAxes: -3 })(x3), expect: E('ValueError') },
  { fn: 'vmap', input: 'a number mapped over axis 0', call: () => vmap((x: number) => x)(js(3)), expect: E('DTypeError') },
  { fn: 'vmap', input: 'a string argument mapped over axis 0', call: () => vmap(id)(js('abc')), expect: E('DTypeError') },
  { fn: 'vmap', input: 'inAxes with 1 entry for 2 arguments', call: () => vmap(add, { inAxes: [0] })(x3, x3), expect: E('ValueError') },
  {
    fn: 'vmap',
    input: 'inAxes an object at the top (not one entry per argument)',
    call: () => vmap(id, { inAxes: js({ a: 0 }) })(x3),
    expect: E('ValueError'),
  },
  {
    fn: 'vmap',
    input: 'inAxes { w: 0 } for an input { w, b } (structure mismatch)',
    call: () => vmap((o: { w: Tensor; b: Tensor }) => o.w, { inAxes: [{ w: 0 }] })({ w: x3, b: x3 }),
    expect: E('ValueError'),
  },
  {
    fn: 'vmap',
    input: 'inAxes [0, 0] for an input that is a tensor (structure mismatch)',
    call: () => vmap(id, { inAxes: [[0, 0]] })(x3),
    expect: E('ValueError'),
  },
  { fn: 'vmap', input: 'every input null (no batch)', call: () => vmap(id, { inAxes: null })(x3), expect: E('ValueError') },
  { fn: 'vmap', input: 'no arguments (no batch)', call: () => vmap(() => ones([2]))(), expect: E('ValueError') },
  {
    fn: 'vmap',
    input: 'outAxes = 2 for a result of rank 2 with the batch',
    call: () => vmap((x: Tensor) => anyOps.sum(x, 0) as Tensor, { outAxes: 2 })(x3),
    expect: E('ValueError'),
  },
  { fn: 'vmap', input: 'outAxes null for a result that differs across the batch', call: () => vmap(id, { outAxes: null })(x3), expect: E('ValueError') },
  { fn: 'vmap', input: 'outAxes { a: 0 } for a tensor result', call: () => vmap(id, { outAxes: { a: 0 } })(x3), expect: E('ValueError') },
  { fn: 'vmap', input: 'a result that is a string', call: () => vmap((_x: Tensor) => 'done')(x3), expect: E('DTypeError') },
  { fn: 'vmap', input: 'an op with no batching rule (a registered custom op)', call: () => vmap((x: Tensor) => noRule(x))(x3), expect: E('DTypeError') },
  { fn: 'vmap', input: 'an `if` on a batched value', call: () => vmap((x: Tensor) => (js<number>(anyOps.sum(x)) > 0 ? x : x))(x3), expect: E('DTypeError') },
  { fn: 'vmap', input: 'toArray() of a batched value', call: () => vmap((x: Tensor) => tensor(x.toArray() as number[]))(x3), expect: E('DTypeError') },
  {
    fn: 'vmap',
    input: 'a shape error inside f (per-example shapes [2] and [3])',
    call: () => vmap((x: Tensor) => anyOps.add(x, zeros([3])) as Tensor)(x3),
    expect: E('ShapeError', 'add'),
  },
];

catalogue('@ad/vmap', cases);
