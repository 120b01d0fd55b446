/** NaN-safe forward mode (ForwardDiff's NANSAFE_MODE): a zero tangent times an infinite partial is 0. */
import { DTypeError, nanSafeMode, setNanSafeMode, tensor, withNanSafeMode } from '@ad/core';
import { jacfwd, jvp, type Dual, type DualTensor } from '../src/index.js';

const quotient = ([x, y]: Dual[]) => x.div(y); // ∂/∂x = 1/y, ∂/∂y = −x/y²

test('off (IEEE, the default): x/y at y = 0 gives NaN in every column, as PyTorch forward AD does', () => {
  expect(nanSafeMode()).toBe(false);
  const J = jacfwd(quotient)([1, 0]);
  expect(J[0].every(Number.isNaN)).toBe(true);
});

test('on: each column keeps only the partial its seed moves, ±∞ as reverse mode has them', () => {
  expect(withNanSafeMode(() => jacfwd(quotient)([1, 0]))).toEqual([[Infinity, -Infinity]]);
  // Width 1 (the methods' fast path) and width 2 (the interpreter) agree.
  expect(withNanSafeMode(() => jacfwd(quotient, { chunk: 1 })([1, 0]))).toEqual([[Infinity, -Infinity]]);
  expect(withNanSafeMode(() => jvp(quotient, [1, 0], [1, 0]).tangent)).toBe(Infinity);
  expect(nanSafeMode()).toBe(false);
});

test('on, for tensors: a zero tangent entry gives a zero tangent entry', () => {
  const f = (t: DualTensor) => t.sqrt(); // √ at 0: ∂ = ∞
  const J = withNanSafeMode(() => jacfwd(f)(tensor([0, 4])).toArray() as number[][]);
  expect(J).toEqual([
    [Infinity, 0],
    [0, 0.25],
  ]);
  const plain = jacfwd(f)(tensor([0, 4])).toArray() as number[][];
  expect(Number.isNaN(plain[0][1])).toBe(true); // 0·∞ off the diagonal
});

test('the switch is typed and restores itself', () => {
  expect(() => setNanSafeMode('yes' as never)).toThrow(DTypeError);
  setNanSafeMode(true);
  expect(nanSafeMode()).toBe(true);
  setNanSafeMode(false);
  expect(() => withNanSafeMode(3 as never)).toThrow('withNanSafeMode: expected a function to run, got number');
});
