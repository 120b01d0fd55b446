/**
 * variable()'s options are checked: `requiresGrad: 'no'` is truthy, so it used to record the
 * graph silently, the opposite of what the caller wrote.
 */
import { DTypeError, tensor } from '@ad/core';
import { variable } from '../src/index.js';

const js = <T>(v: unknown) => v as T;

test.each([
  ["'no'", 'no', 'requiresGrad must be true or false, got string "no"'],
  ['1', 1, 'requiresGrad must be true or false, got number 1'],
  ['null', null, 'requiresGrad must be true or false, got object null'],
])('requiresGrad %s is refused by name', (_what, value, message) => {
  expect(() => variable(2, { requiresGrad: js<boolean>(value) })).toThrow(new DTypeError('variable', message));
  expect(() => variable(tensor([1, 2]), { requiresGrad: js<boolean>(value) })).toThrow(DTypeError);
});

test.each([
  ['null', null, 'options must be an object ({ requiresGrad?: boolean }), got null'],
  ['a string', 'no', 'options must be an object ({ requiresGrad?: boolean }), got string'],
  ['an array', [false], 'options must be an object ({ requiresGrad?: boolean }), got an array'],
])('options %s are refused by name', (_what, options, message) => {
  expect(() => variable(2, js<{ requiresGrad?: boolean }>(options))).toThrow(new DTypeError('variable', message));
});

test('requiresGrad false and true (and absent) still mean what they say', () => {
  const frozen = variable(2, { requiresGrad: false });
  const live = variable(2, { requiresGrad: true });
  const plain = variable(2);
  frozen.mul(live).mul(plain).backward();
  expect(frozen.grad == null).toBe(true); // no gradient recorded (null or undefined)
  expect(live.grad).toBe(4);
  expect(plain.grad).toBe(4);
});
