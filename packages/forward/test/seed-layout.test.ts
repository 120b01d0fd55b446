/**
 * Issue 23, "Seed layout": several directions reach `jvp` only through a form that names its
 * orientation — `{ directions }` (k × n, a row per direction, as JAX users write) or `{ seeds }`
 * (n × k, a row per input, ForwardDiff's partials) — and a bare array of arrays is refused,
 * because when k = n it reads both ways and the two readings give different answers.
 */
import { DTypeError, tensor, zeros } from '@ad/core';
import { derivative, jacfwd, jvp, unitSeeds, type Dual, type DualTensor, type Scalar } from '../src/index.js';

// f(x, y, z) = xy + z², ∇f = (y, x, 2z) = (2, 1, 6) at (1, 2, 3).
const f = ([x, y, z]: Dual[]): Scalar => x.mul(y).add(z.square());
const p = [1, 2, 3];
// The matrix: as rows of directions, (1, 1, 1) then two zero directions; as seed
// vectors, x moves in all three directions and y, z in none.
const M = [
  [1, 1, 1],
  [0, 0, 0],
  [0, 0, 0],
];

describe('a square seed matrix (k = n) in both named forms', () => {
  test('the issue case: directions give ∇f·(1,1,1) = 9 then 0, 0; seeds give ∂f/∂x = 2 three times', () => {
    expect(jvp(f, p, { directions: M })).toEqual({ value: 11, tangent: [9, 0, 0] });
    expect(jvp(f, p, { seeds: M })).toEqual({ value: 11, tangent: [2, 2, 2] });
  });

  test('each form agrees with one-direction jvp on its own reading: rows, or columns', () => {
    const V = [
      [1, 2, 0],
      [0, 1, 0],
      [3, 0, 1],
    ];
    const byDirection = V.map((d) => jvp(f, p, d).tangent);
    const byColumn = V.map(
      (_, j) =>
        jvp(
          f,
          p,
          V.map((row) => row[j]),
        ).tangent,
    );
    expect(byDirection).toEqual([4, 1, 12]); // ∇f·(1,2,0), ∇f·(0,1,0), ∇f·(3,0,1)
    expect(byColumn).toEqual([20, 5, 6]); // ∇f·(1,0,3), ∇f·(2,1,0), ∇f·(0,0,1)
    expect(jvp(f, p, { directions: V }).tangent).toEqual(byDirection);
    expect(jvp(f, p, { seeds: V }).tangent).toEqual(byColumn);
  });

  test('a vector f: directions give k × m (row j is J·dⱼ), seeds give J·V, m × k', () => {
    // g = (xy, yz): J = [[y, x, 0], [0, z, y]] = [[2, 1, 0], [0, 3, 2]] at (1, 2, 3).
    const g = ([x, y, z]: Dual[]) => [x.mul(y), y.mul(z)];
    const V = [
      [1, 2, 0],
      [0, 1, 0],
      [3, 0, 1],
    ];
    const directions = jvp(g, p, { directions: V });
    expect(directions.value).toEqual([2, 6]);
    expect(directions.tangent).toEqual([
      [4, 6], // J·(1, 2, 0)
      [1, 3], // J·(0, 1, 0)
      [6, 2], // J·(3, 0, 1)
    ]);
    expect(jvp(g, p, { seeds: V }).tangent).toEqual([
      [2, 5, 0], // row 1 of J·V
      [6, 3, 2], // row 2 of J·V
    ]);
  });

  test('a vector f with k ≠ m ≠ n keeps the stated orientation', () => {
    const g = ([x, y]: Dual[]) => [x.mul(y), x.add(y), x.sub(y)]; // m = 3, n = 2; J = [[y, x], [1, 1], [1, −1]]
    const D = [
      [1, 0],
      [0, 1],
      [1, 1],
      [2, -1],
    ]; // k = 4
    const rows = jvp(g, [3, 5], { directions: D }).tangent;
    expect(rows).toEqual([
      [5, 1, 1],
      [3, 1, -1],
      [8, 2, 0],
      [7, 1, 3],
    ]); // k × m
    const seeds = D[0].map((_, i) => D.map((d) => d[i])); // the same directions, n × k
    expect(jvp(g, [3, 5], { seeds }).tangent).toEqual(rows[0].map((_, r) => rows.map((row) => row[r]))); // m × k
  });
});

describe("jacfwd's chunks are the seeds form", () => {
  test('{ seeds: unitSeeds(n, start, k) } gives the Jacobian columns start … start + k − 1, as jacfwd', () => {
    const g = ([x, y, z]: Dual[]) => [x.mul(y), y.add(z).exp(), x.sub(z)];
    const x = [1, 2, 0];
    const J = jacfwd(g)(x);
    expect(jvp(g, x, { seeds: unitSeeds(3, 0, 3) }).tangent).toEqual(J);
    expect(jvp(g, x, { seeds: unitSeeds(3, 1, 2) }).tangent).toEqual(J.map((row) => row.slice(1, 3)));
  });
});

describe('tagged (nested) inputs', () => {
  // At (s, 2s, 3s): ∇f = (2s, s, 6s). Direction (1, 1, 1) gives 9s; input x's seed gives y = 2s.
  const at = (s: Dual) => [s, s.mul(2), s.mul(3)];

  test('primals of an enclosing derivative: d/ds of each form', () => {
    expect(derivative((s) => jvp(f, at(s), { directions: M }).tangent[0])(1)).toBe(9);
    expect(derivative((s) => jvp(f, at(s), { seeds: M }).tangent[0])(1)).toBe(2);
    expect(derivative((s) => jvp(f, at(s), { seeds: M }).tangent[2])(1)).toBe(2);
    expect(derivative((s) => jvp(f, at(s), { directions: M }).tangent[1])(1)).toBe(0);
  });

  test('tangents of an enclosing derivative: d/ds of J·(s·dⱼ)', () => {
    const scaled = (s: Dual) => M.map((row) => row.map((v) => s.mul(v)));
    expect(derivative((s) => jvp(f, p, { directions: scaled(s) }).tangent[0])(1)).toBe(9);
    expect(derivative((s) => jvp(f, p, { seeds: scaled(s) }).tangent[0])(1)).toBe(2);
  });

  test('a vector f at tagged primals: k × m and m × k entries of the enclosing kind', () => {
    const g = ([x, y]: Dual[]) => [x.mul(y), y]; // J = [[y, x], [0, 1]]
    const N = [
      [1, 1],
      [0, 0],
    ];
    // At (s, 2s): directions: row 0 is J·(1, 1) = (3s, 1); seeds: row 0 of J·N = (2s, 2s).
    expect(derivative((s) => jvp(g, [s, s.mul(2)], { directions: N }).tangent[0][0])(1)).toBe(3);
    expect(derivative((s) => jvp(g, [s, s.mul(2)], { seeds: N }).tangent[0][1])(1)).toBe(2);
  });
});

describe('tensor inputs', () => {
  // f(a, b) = Σ aᵢbᵢ: ∂f/∂a = b = (3, 4), ∂f/∂b = a = (1, 2).
  const ft = ([a, b]: DualTensor[]) => a.mul(b).sum();
  const a = tensor([1, 2]);
  const b = tensor([3, 4]);
  const e1 = tensor([1, 0]);
  const z = zeros([2]);

  test('k = n = 2: directions give (b + a)·e₁ = 4 then 0; seeds give b·e₁ = 3 twice', () => {
    const T = [
      [e1, e1],
      [z, z],
    ];
    expect(jvp(ft, [a, b], { directions: T }).tangent.map((t) => t.item())).toEqual([4, 0]);
    expect(jvp(ft, [a, b], { seeds: T }).tangent.map((t) => t.item())).toEqual([3, 3]);
  });

  test('a bare array of tensor arrays is refused too', () => {
    expect(() => jvp(ft, [a, b], [[e1], [z]] as never)).toThrow(DTypeError);
  });
});

describe('a bare array of arrays is refused, square or not', () => {
  const message = /^jvp: tangents is an array of arrays, which reads two ways .*\{ directions: D \} \(k × n.*\{ seeds: V \} \(n × k/;

  test.each([
    ['the issue case, 3 × 3', [1, 2, 3], M],
    [
      '2 × 3 (what the seeds form used to take)',
      [3, 2],
      [
        [1, 0, 1],
        [0, 1, 1],
      ],
    ],
    [
      '3 × 2',
      [3, 2],
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ],
    ['one row', [3], [[1]]],
  ])('%s', (_, primals, tangents) => {
    const call = () => jvp(([x, y]: Dual[]) => x.mul(y ?? x), primals, tangents as never);
    expect(call).toThrow(DTypeError);
    expect(call).toThrow(message);
  });

  test('a wrong-length row names the other form', () => {
    expect(() => jvp(f, p, { directions: [[1, 0]] })).toThrow(
      "jvp: direction 0 has 2 entries but there are 3 inputs; each direction gives one tangent per input (for input i's seed vector, use { seeds })",
    );
    expect(() => jvp(f, [1, 2], { seeds: [[1, 0, 1]] })).toThrow(
      'jvp: got 2 primals but 1 seed vectors; seeds has one row per input (for one row per direction, use { directions })',
    );
  });
});
