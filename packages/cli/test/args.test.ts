/** The flag parsers: what they accept, and the one line they say about what they refuse. */
import { parseAssignments, parseNumber, parseNumberList, parseSizes } from '../src/args.js';
import { UsageError } from '../src/errors.js';

test('numbers are decimal, finite and inside their rule', () => {
  expect(parseNumber('--lr', '1e-3', { min: 0, exclusiveMin: true })).toBe(0.001);
  expect(parseNumber('--x', ' -2.5 ')).toBe(-2.5);
  expect(parseNumber('--x', '.5')).toBe(0.5);
  for (const bad of ['', 'abc', '0x10', 'Infinity', 'NaN', '1,5', '1e400']) {
    expect(() => parseNumber('--x', bad)).toThrow(UsageError);
  }
  expect(() => parseNumber('--epochs', '0', { integer: true, min: 0, exclusiveMin: true })).toThrow('--epochs must be a positive integer, got "0"');
  expect(() => parseNumber('--p', '1.5', { min: 0, max: 1 })).toThrow('--p must be a number in [0, 1], got "1.5"');
});

test('lists and sizes', () => {
  expect(parseNumberList('--hidden', '128, 64', { integer: true, min: 1 })).toEqual([128, 64]);
  expect(parseSizes('--n', '1..64', 4096)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  expect(parseSizes('--n', '3..20', 4096)).toEqual([3, 6, 12, 20]);
  expect(parseSizes('--n', '5', 4096)).toEqual([5]);
  expect(parseSizes('--n', '16,1,4,4', 4096)).toEqual([1, 4, 16]);
  expect(() => parseSizes('--n', '0..4', 4096)).toThrow('--n must be an integer in [1, 4096], got "0"');
  expect(() => parseSizes('--n', '1..5000', 4096)).toThrow(UsageError);
});

test('points keep the order they are written in', () => {
  expect(parseAssignments('--at', 'y=2, x=-3.5')).toEqual([
    ['y', 2],
    ['x', -3.5],
  ]);
  expect(() => parseAssignments('--at', 'x=1,x=2')).toThrow('--at gives x twice');
  expect(() => parseAssignments('--at', '3=x')).toThrow('--at must look like x=3,y=2, got "3=x"');
});
