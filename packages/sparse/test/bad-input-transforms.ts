/**
 * Bad input to the sparse transforms and colorings (sparseJacobian, sparseHessian, their
 * prepared forms, the colorings): the cases of the transforms' half of @ad/sparse's bad-input
 * catalogue (bad-input.test.ts runs them). Each gives a typed error naming the function the user
 * called, never a result of the wrong shape.
 */
import { tensor } from '@ad/core';
import { SparsityPattern, columnColoring, prepareJacobian, sparseHessian, sparseJacobian, starColoring } from '@ad/sparse';
import type { BadCase } from '@ad/test-support/bad-input-catalogue';
import { banded } from '@ad/test-support/sparse-patterns';
import { type S, localSum, tridiagonal } from '@ad/test-support/sparse-functions';

const js = <T>(v: unknown) => v as T;
const E = (error: string, name?: string) => ({ error, name });
const f = tridiagonal as never;
const tri4 = banded(4, 1);
const x4 = [0.1, 0.2, 0.3, 0.4];
const diagonal4 = banded(4, 0);
const dense4 = SparsityPattern.fromDense(Array.from({ length: 4 }, () => [1, 1, 1, 1]));

/** The transforms' cases, in the order the catalogue lists them. */
export const transformCases: BadCase[] = [
  { fn: 'sparseJacobian', input: 'f = 3 (not a function)', call: () => sparseJacobian(js(3), x4, { pattern: tri4 }), expect: E('DTypeError') },
  { fn: 'sparseJacobian', input: "options = 'fast'", call: () => sparseJacobian(f, x4, js('fast')), expect: E('DTypeError') },
  { fn: 'sparseJacobian', input: 'an unknown option (chunk)', call: () => sparseJacobian(f, x4, js({ pattern: tri4, chunk: 2 })), expect: E('ValueError') },
  { fn: 'sparseJacobian', input: "mode = 'sideways'", call: () => sparseJacobian(f, x4, { pattern: tri4, mode: js('sideways') }), expect: E('ValueError') },
  {
    fn: 'sparseJacobian',
    input: 'pattern a dense array, not a SparsityPattern',
    call: () => sparseJacobian(f, x4, { pattern: js([[1]]) }),
    expect: E('DTypeError'),
  },
  { fn: 'sparseJacobian', input: 'x a string', call: () => sparseJacobian(f, js<number[]>('abc'), { pattern: tri4 }), expect: E('DTypeError') },
  { fn: 'sparseJacobian', input: "x ['a', 1]", call: () => sparseJacobian(f, js<number[]>(['a', 1]), { pattern: tri4 }), expect: E('DTypeError') },
  {
    fn: 'sparseJacobian',
    input: 'a 4 × 5 pattern for x of 4 elements (columns ≠ inputs)',
    call: () => sparseJacobian(f, x4, { pattern: banded(5, 1) }),
    expect: E('ShapeError'),
  },
  {
    fn: 'sparseJacobian',
    input: 'a 3 × 4 pattern for f of 4 outputs (rows ≠ outputs)',
    call: () => sparseJacobian(f, x4, { pattern: SparsityPattern.fromCoordinates([3, 4], [0, 1, 2], [0, 1, 2]) }),
    expect: E('ShapeError'),
  },
  {
    fn: 'sparseJacobian',
    input: 'the same at a tensor, reverse mode',
    call: () => sparseJacobian((x: S) => x, tensor(x4), { pattern: SparsityPattern.fromCoordinates([3, 4], [0], [0]), mode: 'reverse' }),
    expect: E('ShapeError'),
  },
  { fn: 'sparseJacobian', input: 'NaN in x', call: () => sparseJacobian(f, [0.1, NaN, 0.3, 0.4], { pattern: tri4 }), expect: E('ValueError') },
  {
    fn: 'sparseJacobian',
    input: 'Infinity in a tensor x',
    call: () => sparseJacobian(f, tensor([0.1, Infinity, 0.3, 0.4]), { pattern: tri4 }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: 'a coloring by hand that puts columns of one row in one color',
    call: () => sparseJacobian(f, x4, { pattern: tri4, mode: 'forward', coloring: { colors: [0, 1, 0, 0] } }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: "a coloring by hand with mode 'auto' (columns or rows?)",
    call: () => sparseJacobian(f, x4, { pattern: tri4, coloring: { colors: [0, 1, 2, 0] } }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: "compile: 'jit' (a string, not the function)",
    call: () => sparseJacobian(f, x4, { pattern: tri4, compile: js('jit') }),
    expect: E('DTypeError'),
  },
  {
    fn: 'sparseJacobian',
    input: "mode 'bidirectional' with a coloring by hand",
    call: () => sparseJacobian(f, x4, { pattern: tri4, mode: 'bidirectional', coloring: { colors: [0, 1, 2, 0] } }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: "coloring order 'random'",
    call: () => sparseJacobian(f, x4, { pattern: tri4, coloring: { order: js('random') } }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: 'a pattern that misses a nonzero (the diagonal of a tridiagonal map), check: true',
    call: () => sparseJacobian(f, x4, { pattern: diagonal4, check: true }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseJacobian',
    input: 'a dense pattern (works: n seeds, as slow as jacfwd)',
    call: () => Array.from(sparseJacobian(f, x4, { pattern: dense4 }).values),
    expect: { finite: true },
  },
  {
    fn: 'PreparedJacobian.jacobian',
    input: 'x of 5 elements, prepared for 4',
    call: () => prepareJacobian(f, x4, { pattern: tri4 }).jacobian([1, 2, 3, 4, 5]),
    expect: E('ShapeError'),
  },
  {
    fn: 'PreparedJacobian.jacobian',
    input: 'a tensor x, prepared for an array',
    call: () => prepareJacobian(f, x4, { pattern: tri4 }).jacobian(js(tensor(x4))),
    expect: E('ShapeError'),
  },
  {
    fn: 'PreparedJacobian.jacobian',
    input: 'NaN in x',
    call: () => prepareJacobian(f, x4, { pattern: tri4 }).jacobian([NaN, 0, 0, 0]),
    expect: E('ValueError'),
  },
  { fn: 'sparseHessian', input: 'f = null', call: () => sparseHessian(js(null), x4, { pattern: tri4 }), expect: E('DTypeError') },
  {
    fn: 'sparseHessian',
    input: 'a 4 × 5 pattern (a Hessian is n × n)',
    call: () => sparseHessian(localSum as never, x4, { pattern: banded(5, 1) }),
    expect: E('ShapeError'),
  },
  {
    fn: 'sparseHessian',
    input: 'a vector f (4 outputs)',
    call: () => sparseHessian(f, x4, { pattern: tri4 }),
    expect: E('DTypeError'),
  },
  {
    fn: 'sparseHessian',
    input: 'an option of sparseJacobian (mode)',
    call: () => sparseHessian(localSum as never, x4, js({ pattern: tri4, mode: 'forward' })),
    expect: E('ValueError'),
  },
  { fn: 'sparseHessian', input: 'NaN in x', call: () => sparseHessian(localSum as never, [0, 0, NaN, 0], { pattern: tri4 }), expect: E('ValueError') },
  {
    fn: 'sparseHessian',
    input: 'a coloring by hand that is not a star coloring (0, 1, 0, 1 on a path)',
    call: () => sparseHessian(localSum as never, x4, { pattern: tri4, coloring: { colors: [0, 1, 0, 1] } }),
    expect: E('ValueError'),
  },
  {
    fn: 'sparseHessian',
    input: 'a pattern that misses a nonzero (the diagonal only), check: true',
    call: () => sparseHessian(localSum as never, x4, { pattern: diagonal4, check: true }),
    expect: E('ValueError'),
  },
  { fn: 'columnColoring', input: 'a dense array, not a SparsityPattern', call: () => columnColoring(js([[1, 0]])), expect: E('DTypeError') },
  { fn: 'columnColoring', input: "order 'random'", call: () => columnColoring(tri4, { order: js('random') }), expect: E('ValueError') },
  { fn: 'starColoring', input: 'a 3 × 4 pattern', call: () => starColoring(SparsityPattern.fromCoordinates([3, 4], [0], [1])), expect: E('ShapeError') },
];
