/**
 * Duals made by hand share one level: the course's seed example works as written, widths are
 * checked, and transforms called on or inside by-hand duals stay free of perturbation confusion.
 */
import { type Tensor, sign, tensor } from '@ad/core';
import { BY_HAND_TAG, Dual, ForwardModeError, derivative, dual, dualTensor, jacfwd, jvp, type DualTensor } from '../src/index.js';

describe('by-hand duals share one level', () => {
  test('the seed example: x = 3 seeded e₁, y = 2 seeded e₂, f = (x + y)(x − y) carries [6, −4]', () => {
    const x = dual(3, [1, 0]); // x = 3, seed e1
    const y = dual(2, [0, 1]); // y = 2, seed e2
    const f = x.add(y).mul(x.sub(y));
    expect(f.value).toBe(5);
    expect(Array.from(f.tangent)).toEqual([6, -4]);
  });

  test('seeds (1, 1) give the directional derivative, the sum of the partials: 2', () => {
    const f = dual(3, [1])
      .add(dual(2, [1]))
      .mul(dual(3, [1]).sub(dual(2, [1])));
    expect(Array.from(f.tangent)).toEqual([2]);
  });

  test('the course’s hand seeds: ḣ = 1, θ̇ = 0 gives ∂J/∂h; both 1 give the sum', () => {
    const J = (h: Dual, t: Dual) => h.mul(t.cos()).add(h.square());
    const dh = J(dual(2, [1]), dual(0.5, [0])).tangent[0];
    const dt = J(dual(2, [0]), dual(0.5, [1])).tangent[0];
    expect(dh).toBeCloseTo(Math.cos(0.5) + 4, 14);
    expect(dt).toBeCloseTo(-2 * Math.sin(0.5), 14);
    expect(J(dual(2, [1]), dual(0.5, [1])).tangent[0]).toBeCloseTo(dh + dt, 14);
  });

  test('by-hand dual tensors join the same level as by-hand duals', () => {
    const t = dualTensor(tensor([1, 2]), [tensor([1, 0])]);
    const s = dual(3, [2]);
    const out = t.mul(s) as DualTensor;
    expect(out.tag).toBe(BY_HAND_TAG);
    // d(t·s) = ṫ·s + t·ṡ = [1, 0]·3 + [1, 2]·2
    expect((out.tangents[0] as Tensor).toArray()).toEqual([5, 4]);
  });

  test('mixing widths is a typed error that says both widths', () => {
    const a = dual(1, [1, 0]);
    const b = dual(2, [1, 0, 0]);
    expect(() => a.mul(b)).toThrow(ForwardModeError);
    expect(() => a.mul(b)).toThrow(/different widths \(2 and 3\)/);
  });

  test('an explicit tag still makes a derivative of its own', () => {
    const x = dual(3, [1], 10 ** 9);
    expect(x.tag).toBe(10 ** 9);
    expect(() => dual(3, [1], 0)).toThrow(/dual: tag must be a positive integer/);
  });
});

describe('transforms with by-hand duals: no perturbation confusion', () => {
  test('a transform inside code holding by-hand duals treats them as constants of its derivative', () => {
    const x = dual(3, [1, 0]);
    // d/dt (x·t) = x: the result is the by-hand dual x itself, its seeds intact.
    // Typed number (the input is), a Dual at run time (f closed over one): narrow, no cast.
    const d: unknown = derivative((t) => x.mul(t))(2);
    if (!(d instanceof Dual)) throw new Error(`expected a Dual, got ${String(d)}`);
    expect(d.value).toBe(3);
    expect(Array.from(d.tangent)).toEqual([1, 0]);
  });

  test('d/dx [x · d/dy (x + y)] = 1 with x by hand', () => {
    const x = dual(5, [1]);
    const inner = derivative((y) => x.add(y))(1); // 1, not a perturbation of x
    expect(Array.from(x.mul(inner).tangent)).toEqual([1]);
  });

  test('transforms take by-hand duals as inputs: the result carries their seeds', () => {
    // d/dx x³ = 3x² at a dual x = 2 seeded [1]: value 12, tangent d/dx 3x² = 12.
    const d = derivative((x) => x.mul(x).mul(x))(dual(2, [1]));
    expect(d.value).toBe(12);
    expect(Array.from(d.tangent)).toEqual([12]);
    const J = jacfwd(([a, b]) => [a.mul(b)])([dual(2, [1, 0]), dual(3, [0, 1])]);
    expect(J[0][0].value).toBe(3);
    expect(Array.from(J[0][0].tangent)).toEqual([0, 1]);
    const { tangent } = jvp(([a]) => a.sin(), [dual(0, [1])], [1]);
    expect(tangent.value).toBe(1);
  });
});

describe('types: several directions', () => {
  test('a scalar f with seed vectors has tangent: number[]', () => {
    const { tangent } = jvp(([x, y]) => x.mul(y), [3, 2], {
      seeds: [
        [1, 0],
        [0, 1],
      ],
    });
    const first: number = tangent[0];
    expect(first).toBe(2);
    expect(tangent).toEqual([2, 3]);
  });
  test('a vector f with seed vectors has tangent: number[][], m × k', () => {
    const { tangent } = jvp(([x, y]) => [x.mul(y), x], [3, 2], {
      seeds: [
        [1, 0],
        [0, 1],
      ],
    });
    const row: number[] = tangent[0];
    expect(row).toEqual([2, 3]);
  });
  test('a vector f with directions has tangent: number[][], k × m', () => {
    const { tangent } = jvp(([x, y]) => [x.mul(y), x], [3, 2], {
      directions: [
        [1, 0],
        [0, 1],
      ],
    });
    const row: number[] = tangent[0];
    expect(row).toEqual([2, 1]);
  });
  test('a bare array of arrays does not type-check', () => {
    const square = [
      [1, 0],
      [0, 1],
    ];
    // @ts-expect-error: rows could be inputs or directions; jvp takes { seeds } or { directions }
    expect(() => jvp(([x, y]) => x.mul(y), [3, 2], square)).toThrow(/^jvp: tangents is an array of arrays/);
  });
});

describe('sign', () => {
  test('sign(NaN) = 0 and sign(−0) = 0, as PyTorch', () => {
    expect(sign(tensor([NaN, -0, -2, 3])).toArray()).toEqual([0, 0, -1, 1]);
    const s = dual(NaN).sign();
    expect([s.value, ...s.partials]).toEqual([0, 0]);
  });
});
