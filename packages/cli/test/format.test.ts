/** `count` writes the thousands separators itself, as toLocaleString('en-US') does. */
import { count } from '../src/format.js';

test('count: the separators of en-US, for integers of every length, negative ones and non-integers rounded', () => {
  const values = [0, 7, -7, 12.4, 12.6, -999.5, 2 ** 53 - 1, -(2 ** 53 - 1), 1e21];
  for (let digits = 1; digits <= 16; digits++) values.push(10 ** (digits - 1), 10 ** digits - 1, -(10 ** digits - 1), Math.floor(10 ** digits / 7));
  for (const n of values) expect(count(n)).toBe(Math.round(n).toLocaleString('en-US'));
  expect(count(203530)).toBe('203,530');
});
