/**
 * The seeds' example. f(x, y) = (x + y)(x − y) = x² − y² at (3, 2): ∂f/∂x = 2x = 6, ∂f/∂y = −2y = −4.
 * Seeding ẋ = 1, ẏ = 0 gives ∂f/∂x; ẋ = 0, ẏ = 1 gives ∂f/∂y; both seeds 1 give the derivative
 * along (1, 1), which is the sum of the two partials: 6 + (−4) = 2.
 */
import { type Dual, dual, jvp, newTag, type Scalar } from '../src/index.js';

const f = ([x, y]: Dual[]): Scalar => x.add(y).mul(x.sub(y));

describe('seeds', () => {
  test('one direction per pass', () => {
    expect(jvp(f, [3, 2], [1, 0])).toEqual({ value: 5, tangent: 6 });
    expect(jvp(f, [3, 2], [0, 1])).toEqual({ value: 5, tangent: -4 });
    expect(jvp(f, [3, 2], [1, 1])).toEqual({ value: 5, tangent: 2 });
  });

  test('a seed matrix gives all three in ONE pass', () => {
    // seeds[i] is input i's seed vector: columns e₁, e₂ and (1, 1).
    const { value, tangent } = jvp(f, [3, 2], {
      seeds: [
        [1, 0, 1],
        [0, 1, 1],
      ],
    });
    expect(value).toBe(5);
    expect(tangent).toEqual([6, -4, 2]);
  });

  test('duals by hand carry the seed vector', () => {
    const tag = newTag();
    const x = dual(3, [1, 0, 1], tag);
    const y = dual(2, [0, 1, 1], tag);
    const out = f([x, y]) as Dual;
    expect(out.value).toBe(5);
    expect(Array.from(out.tangent)).toEqual([6, -4, 2]);
  });

  test('the same three as directions, one row each', () => {
    const { value, tangent } = jvp(f, [3, 2], {
      directions: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    });
    expect(value).toBe(5);
    expect(tangent).toEqual([6, -4, 2]);
  });

  test('vector outputs: tangent per output, seed matrix gives J·V', () => {
    const g = ([x, y]: Dual[]) => [x.mul(y), x.sin(), y.exp()];
    const { value, tangent } = jvp(g, [1, 2], {
      seeds: [
        [1, 0],
        [0, 1],
      ],
    });
    expect(value).toEqual([2, Math.sin(1), Math.exp(2)]);
    expect(tangent).toEqual([
      [2, 1],
      [Math.cos(1), 0],
      [0, Math.exp(2)],
    ]);
  });

  test('a Dual refuses JavaScript operators', () => {
    const x = dual(1);
    expect(() => (x as unknown as number) + 1).toThrow(/use its methods/);
  });
});

describe('comparisons and sign on duals give duals of the mask, with zero tangents', () => {
  test('gt lt eq ne sign', () => {
    const x = dual(3, [1, 2]);
    const read = (d: Dual) => [d.value, ...d.partials];
    expect(read(x.gt(2))).toEqual([1, 0, 0]);
    expect(read(x.lt(5))).toEqual([1, 0, 0]);
    expect(read(x.eq(3))).toEqual([1, 0, 0]);
    expect(read(x.ne(3))).toEqual([0, 0, 0]);
    expect(read(dual(-3).sign())).toEqual([-1, 0]);
    // So a mask goes on in the algebra: d/dx [x > 0]·x² = 2x.
    expect(read(x.gt(0).mul(x.square()))).toEqual([9, 6, 12]);
  });
});
