/**
 * Detected patterns of known families, each compared with the nonzeros of the dense Jacobian
 * (jacfwd) or Hessian (hessian) at a random point: equal where the structure is exact, a
 * superset where detection over-approximates (and the test says where).
 */
import { Generator, type Tensor, concat, im2col, pad, tensor, where } from '@ad/core';
import { type Dual, jacfwd, jvp } from '@ad/forward';
import { jit } from '@ad/jit';
import { vmap } from '@ad/vmap';
import { type Var, hessian } from '@ad/reverse';
import { SparsityPattern, hessianPattern, jacobianPattern } from '@ad/sparse';
import { banded } from '@ad/test-support/sparse-patterns';

const g = new Generator(26);

function randomVector(n: number): number[] {
  return Array.from({ length: n }, () => g.uniform(-1.5, 1.5));
}

function randomTensor(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(randomVector(n)).reshape(shape);
}

/** The pattern of a dense m × n matrix's nonzeros. */
function nonzeros(rows: readonly (readonly number[])[]): SparsityPattern {
  return SparsityPattern.fromDense(rows as number[][]);
}

/** A Jacobian or Hessian computed at a tensor, flattened to m × n rows. */
function asRows(j: Tensor, n: number): number[][] {
  const flat = Array.from(j.toFloat64Array());
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += n) rows.push(flat.slice(i, i + n));
  return rows;
}

function denseJacobian(f: (x: Tensor) => Tensor, x: Tensor): number[][] {
  return asRows((jacfwd(f as never) as unknown as (x: Tensor) => Tensor)(x), x.size);
}

function expectEqual(got: SparsityPattern, want: SparsityPattern): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.toDense()).toEqual(want.toDense());
}

/** got ⊇ want: every nonzero is in the pattern. */
function expectContains(got: SparsityPattern, want: SparsityPattern): void {
  expect(got.shape).toEqual(want.shape);
  const missed: string[] = [];
  for (let i = 0; i < want.shape[0]; i++) for (const j of want.row(i)) if (!got.has(i, j)) missed.push(`(${i}, ${j})`);
  expect(missed).toEqual([]);
}

/** y = x[i−1] − 2x[i] + x[i+1] (zero outside), written with shifted copies of x. */
function tridiagonal(x: Tensor): Tensor {
  const n = x.shape[0];
  const left = pad(x.slice([0, n - 1]), [[1, 0]]);
  const right = pad(x.slice([1, n]), [[0, 1]]);
  return left.sub(x.mul(2)).add(right).mul(x.sin());
}

describe('jacobianPattern on known families', () => {
  test('tridiagonal map at tensors (slices and pads): exactly the three diagonals', () => {
    const x = randomTensor([9]);
    const p = jacobianPattern(tridiagonal, x);
    expectEqual(p, banded(9, 1));
    expectEqual(p, nonzeros(denseJacobian(tridiagonal, x)));
  });

  test('tridiagonal map at an array of numbers (scalar code): the same pattern', () => {
    const stencil = (x: Dual[], i: number): Dual => {
      let y = x[i].mul(-2);
      if (i > 0) y = y.add(x[i - 1]);
      if (i < x.length - 1) y = y.add(x[i + 1].square());
      return y;
    };
    const g2 = (x: Dual[]) => x.map((_, i) => stencil(x, i));
    const x = randomVector(8);
    const p = jacobianPattern(g2 as never, x);
    expectEqual(p, banded(8, 1));
    expectEqual(p, nonzeros(jacfwd(g2)(x)));
  });

  test('pentadiagonal map: the five diagonals', () => {
    const f = (x: Tensor): Tensor => {
      const n = x.shape[0];
      const shift = (k: number) => (k > 0 ? pad(x.slice([k, n]), [[0, k]]) : pad(x.slice([0, n + k]), [[-k, 0]]));
      // Sums with the shifted copies only: a product with a pad's zero would have a zero partial that
      // detection (which reads no values) still counts.
      return shift(-2).add(shift(2)).sin().add(shift(-1).tanh()).add(shift(1).exp()).sub(x.square());
    };
    const x = randomTensor([10]);
    const p = jacobianPattern(f, x);
    expectEqual(p, banded(10, 2));
    expectEqual(p, nonzeros(denseJacobian(f, x)));
  });

  test('arrowhead: a full first row and column and the diagonal', () => {
    const f = (x: Tensor): Tensor => {
      const head = x.slice([0, 1]);
      const tail = x.slice([1, x.shape[0]]);
      return concat([tail.mul(head).add(tail.sin()), x.sum().reshape([1])]);
    };
    const x = randomTensor([6]);
    const p = jacobianPattern(f, x);
    const rows = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5];
    const cols = [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0, 1, 2, 3, 4, 5];
    expectEqual(p, SparsityPattern.fromCoordinates([6, 6], rows, cols));
    expectEqual(p, nonzeros(denseJacobian(f, x)));
  });

  test('2-D 5-point stencil on a grid: five entries per interior point', () => {
    const [h, w] = [5, 6];
    const f = (u: Tensor): Tensor => {
      const c = u.slice([1, h - 1], [1, w - 1]);
      const around = u
        .slice([0, h - 2], [1, w - 1])
        .add(u.slice([2, h], [1, w - 1]))
        .add(u.slice([1, h - 1], [0, w - 2]))
        .add(u.slice([1, h - 1], [2, w]));
      return c.mul(4).sub(around).add(c.pow(3));
    };
    const u = randomTensor([h, w]);
    const p = jacobianPattern(f, u);
    expect(p.shape).toEqual([(h - 2) * (w - 2), h * w]);
    for (let i = 0; i < p.shape[0]; i++) expect(p.row(i).length).toBe(5);
    expectEqual(p, nonzeros(denseJacobian(f, u)));
  });

  test('a dense function gives the full pattern', () => {
    const f = (x: Tensor): Tensor => x.softmax().mul(x.norm());
    const x = randomTensor([5]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
    expect(jacobianPattern(f, x).nnz).toBe(25);
  });

  test('an unused input gives an empty column; a scalar output one row', () => {
    const f = (x: Var[]) => [x[0].mul(x[1]), x[1].square(), x[3].exp()];
    const p = jacobianPattern(f as never, [1, 2, 3, 4]);
    expect(p.toDense().map((r) => r[2])).toEqual([false, false, false]);
    expectEqual(p, SparsityPattern.fromCoordinates([3, 4], [0, 0, 1, 2], [0, 1, 1, 3]));
    const s = jacobianPattern(((x: Tensor) => x.slice([0, 2]).prod()) as never, tensor([1, 2, 3]));
    expectEqual(s, SparsityPattern.fromCoordinates([1, 3], [0, 0], [0, 1]));
  });

  test('comparisons, sign and argmax carry no dependence; where counts both branches (an over-approximation)', () => {
    const f = (x: Tensor): Tensor => {
      const n = x.shape[0];
      const a = x.slice([0, n - 1]);
      const b = x.slice([1, n]);
      return a
        .gt(b)
        .add(a.sign())
        .add(x.argmax())
        .add(where(a.gt(0), a, b.square()));
    };
    const x = randomTensor([5]);
    const p = jacobianPattern(f, x);
    // where(c, a, b²) depends on a and b, whichever branch a given x takes.
    expectEqual(p, SparsityPattern.fromCoordinates([4, 5], [0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 1, 2, 2, 3, 3, 4]));
    expectContains(p, nonzeros(denseJacobian(f, x)));
  });

  test('a constant matrix’s zeros are read: a tridiagonal operator stored dense keeps its pattern, both sides of the product', () => {
    const n = 7;
    const L = tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? -2 : Math.abs(i - j) === 1 ? 1 : 0))));
    const left = (x: Tensor): Tensor =>
      L.matmul(x.reshape([n, 1]))
        .reshape([n])
        .add(x.exp());
    const right = (x: Tensor): Tensor => x.reshape([1, n]).matmul(L).reshape([n]).mul(x);
    const x = randomTensor([n]);
    for (const f of [left, right]) {
      expectEqual(jacobianPattern(f, x), banded(n, 1));
      expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
    }
  });

  test('a product with a constant 0 cuts the dependence (a 0/1 mask, a scalar 0); a pad’s zeros inside a traced tensor still count', () => {
    const f = (x: Tensor): Tensor => {
      const n = x.shape[0];
      return x
        .slice([0, n - 1])
        .mul(x.slice([1, n]))
        .mul(tensor([1, 1, 0, 1]))
        .add(x.slice([1, n]).sin());
    };
    const x = randomTensor([5]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
    expectEqual(jacobianPattern(f, x), SparsityPattern.fromCoordinates([4, 5], [0, 0, 1, 1, 2, 3, 3], [0, 1, 1, 2, 3, 3, 4]));
    // The pad's zeros are elements of a traced tensor (no dependence, but not a constant).
    const padded = (v: Tensor): Tensor => pad(v.slice([0, 4]), [[1, 0]]).mul(v);
    expectContains(jacobianPattern(padded, x), nonzeros(denseJacobian(padded, x)));
    expect(jacobianPattern(padded, x).has(0, 0)).toBe(true);
    const g = (xs: Dual[]) => [xs[0].mul(0).add(xs[1]), xs[1].mul(xs[0])];
    const xs = randomVector(2);
    expectEqual(jacobianPattern(g as never, xs), nonzeros(jacfwd(g)(xs)));
  });

  test('where with a constant condition picks its branch; with a traced one it counts both', () => {
    const mask = tensor([1, 0, 1, 0]);
    const f = (x: Tensor): Tensor => where(mask, x.slice([0, 4]), x.slice([1, 5]).exp());
    const x = randomTensor([5]);
    expectEqual(jacobianPattern(f, x), SparsityPattern.fromCoordinates([4, 5], [0, 1, 2, 3], [0, 2, 2, 4]));
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
  });

  test('matmul: each output element from its row and its column; batched and broadcast', () => {
    const f = (x: Tensor): Tensor =>
      x
        .reshape([2, 2, 3])
        .matmul(x.reshape([2, 3, 2]).slice(0))
        .reshape([-1]);
    const x = randomTensor([12]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
  });

  test('reductions, softmax, permute, broadcast and sumToShape move and merge sets as their math says', () => {
    const f = (x: Tensor): Tensor => {
      const m = x.reshape([3, 4]);
      const rows = m.logsumexp(1, true).add(m.softmax(0)).mul(m.mean(0).exp());
      return rows.transpose().slice([0, 3]).sumToShape([3, 1]).broadcastTo([3, 2]).reshape([-1]);
    };
    const x = randomTensor([12]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
  });

  test('max counts its whole reduced row (an over-approximation: its derivative picks the maximum only)', () => {
    const f = (x: Tensor): Tensor =>
      x
        .reshape([3, 4])
        .max(1)
        .mul(x.slice([0, 3]));
    const x = randomTensor([12]);
    const p = jacobianPattern(f, x);
    expect(Array.from(p.row(1))).toEqual([1, 4, 5, 6, 7]);
    expectContains(p, nonzeros(denseJacobian(f, x)));
  });

  test('take, indexSelect, scatterAdd and indexAdd with constant indices move sets to and from their places', () => {
    const f = (x: Tensor): Tensor => {
      const m = x.reshape([4, 3]);
      const picked = m.indexSelect(0, [3, 1, 1]).take(
        tensor([
          [0, 4],
          [8, 2],
        ]),
      );
      const spread = picked
        .reshape([-1])
        .indexAdd(0, [2, 0, 2, 1], 5)
        .scatterAdd(tensor([1, 1, 0, 4, 2]), [6]);
      // Added, not multiplied: positions that receive nothing hold a constant zero, whose
      // product with x would have a zero partial that detection still counts.
      return spread.add(x.slice([0, 6]).sin());
    };
    const x = randomTensor([12]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
  });

  test('an index computed from x counts every element it could pick', () => {
    const f = (x: Tensor): Tensor => x.take(x.argmax().reshape([1])).mul(x.slice([0, 1]));
    const x = randomTensor([4]);
    const p = jacobianPattern(f, x);
    expectEqual(p, SparsityPattern.fromCoordinates([1, 4], [0, 0, 0, 0], [0, 1, 2, 3]));
    expectContains(p, nonzeros(denseJacobian(f, x)));
  });

  test('im2col and col2im (conv2d) move windows', () => {
    const f = (x: Tensor): Tensor =>
      im2col(x.reshape([1, 1, 4, 4]), { kernelSize: 2, padding: 1 })
        .sin()
        .reshape([-1]);
    const x = randomTensor([16]);
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
  });
});

describe('hessianPattern', () => {
  test('a sum of local terms: banded', () => {
    // Rosenbrock's chain: each term couples x[i] and x[i+1].
    const f = (x: Tensor): Tensor => {
      const n = x.shape[0];
      const a = x.slice([0, n - 1]);
      const b = x.slice([1, n]);
      return b.sub(a.square()).square().mul(100).add(a.sub(1).square()).sum();
    };
    const x = randomTensor([8]);
    const p = hessianPattern(f, x);
    expectEqual(p, banded(8, 1));
    expectEqual(p, nonzeros(asRows((hessian(f as never) as unknown as (x: Tensor) => Tensor)(x), 8)));
  });

  test('bilinear terms Σ a_k x_i x_j over an edge list: the edges, both ways', () => {
    const I = [0, 2, 5, 1];
    const J = [3, 2, 1, 4];
    const f = (x: Tensor): Tensor =>
      x
        .take(tensor(I))
        .mul(x.take(tensor(J)))
        .mul(tensor([1, 2, 3, 4]))
        .sum();
    const x = randomTensor([6]);
    const p = hessianPattern(f, x);
    expectEqual(p, SparsityPattern.fromCoordinates([6, 6], [...I, ...J], [...J, ...I]));
    expectEqual(p, nonzeros(asRows((hessian(f as never) as unknown as (x: Tensor) => Tensor)(x), 6)));
  });

  test('xᵀAx with a constant sparse A through matmul: A + Aᵀ and the diagonal (the constant’s zeros are read)', () => {
    const A = tensor([
      [1, 0, 0, 2],
      [0, 3, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 4, 5],
    ]);
    const f = (x: Tensor): Tensor => x.matmul(A).mul(x).sum();
    const x = randomTensor([4]);
    const p = hessianPattern(f, x);
    expectEqual(p, nonzeros(asRows((hessian(f as never) as unknown as (x: Tensor) => Tensor)(x), 4)));
    expectEqual(p, SparsityPattern.fromCoordinates([4, 4], [0, 0, 3, 1, 3, 2, 3], [0, 3, 0, 1, 2, 3, 3]));
  });

  test('a linear part brings no entries', () => {
    const f = (x: Var[]) =>
      x[0]
        .mul(x[1])
        .add(x[2].mul(3))
        .add(x[3].exp())
        .add(x[1].mul(x[0].add(x[2])).mul(0.5))
        .sub(x[4]);
    const x = randomVector(5);
    const p = hessianPattern(f as never, x);
    expectEqual(p, SparsityPattern.fromCoordinates([5, 5], [0, 1, 1, 2, 3], [1, 0, 2, 1, 3]));
    expectEqual(p, nonzeros(hessian(f)(x)));
  });

  test('through relu, max and where: contains every nonzero', () => {
    const f = (x: Tensor): Tensor => {
      const n = x.shape[0];
      const a = x.slice([0, n - 1]);
      const b = x.slice([1, n]);
      return a
        .mul(b)
        .relu()
        .add(where(a.gt(b), a.square(), b.exp()))
        .sum()
        .add(x.max().square());
    };
    const x = randomTensor([6]);
    expectContains(hessianPattern(f, x), nonzeros(asRows((hessian(f as never) as unknown as (x: Tensor) => Tensor)(x), 6)));
  });

  test('the pattern of a vector input and of a scalar array agree, and the Hessian pattern is symmetric', () => {
    const f = (x: Var[]) => x[0].mul(x[2]).sin().add(x[1].square());
    const p = hessianPattern(f as never, [0.1, 0.2, 0.3]);
    expectEqual(p, p.transpose());
    expectEqual(p, SparsityPattern.fromCoordinates([3, 3], [0, 0, 1, 2, 2], [0, 2, 1, 0, 2]));
  });
});

describe('inside other transforms', () => {
  test('vmap inside f: each example’s outputs depend on its own inputs only (block diagonal), Jacobian and Hessian', () => {
    const f = (x: Tensor): Tensor => (vmap((v: Tensor) => v.softmax().mul(v.slice([0, 1])))(x.reshape([3, 3])) as Tensor).reshape([-1]);
    const x = randomTensor([9]);
    const blocks = (k: number, b: number) =>
      SparsityPattern.fromDense(Array.from({ length: k * b }, (_, i) => Array.from({ length: k * b }, (_, j) => Math.floor(i / b) === Math.floor(j / b))));
    expectEqual(jacobianPattern(f, x), blocks(3, 3));
    expectEqual(jacobianPattern(f, x), nonzeros(denseJacobian(f, x)));
    const g = (x: Tensor): Tensor =>
      (
        vmap((v: Tensor) =>
          v
            .square()
            .sum()
            .mul(v.slice([0, 1]).sum()),
        )(x.reshape([3, 2])) as Tensor
      ).sum();
    expectEqual(hessianPattern(g, randomTensor([6])), blocks(3, 2));
  });

  test('under jit and at a dual, only the shape of x is read: the same pattern', () => {
    const f = (x: Tensor): Tensor => x.slice([1, 5]).mul(x.slice([0, 4]));
    const x = randomTensor([5]);
    const want = jacobianPattern(f, x);
    let seen: SparsityPattern | undefined;
    jit((v: Tensor) => {
      seen = jacobianPattern(f, v);
      return v.sum();
    })(x);
    expectEqual(seen as SparsityPattern, want);
    const atDual = jvp(
      ([v]) => {
        seen = jacobianPattern(f, v);
        return v.sum();
      },
      [x],
      [x],
    );
    expect(atDual.value).toBeDefined();
    expectEqual(seen as SparsityPattern, want);
  });
});

test('SparsityPattern.fromCompressedRows takes detection’s CSR as it is, and equals fromCoordinates', () => {
  const p = SparsityPattern.fromCompressedRows([3, 4], Int32Array.of(0, 2, 2, 4), Int32Array.of(1, 3, 0, 2));
  expectEqual(p, SparsityPattern.fromCoordinates([3, 4], [0, 0, 2, 2], [3, 1, 2, 0]));
  expect(Array.from(p.row(2))).toEqual([0, 2]);
});
