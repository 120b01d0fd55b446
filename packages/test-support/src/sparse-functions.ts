/**
 * Functions of the patterned families (sparse-patterns.ts), written once with the methods every kind
 * shares so that forward mode, reverse mode and jit all run them, and random sparse functions
 * built from the op table's element-wise ops over a random pattern.
 */
import { Generator } from '@ad/core';
import { BINARY, type BinaryName, UNARY, type UnaryName } from './scalar-ir.js';
import type { SparsityPattern } from '@ad/sparse';

/** A scalar of any kind: the methods the functions below use. */
export interface S {
  add(y: S | number): S;
  sub(y: S | number): S;
  mul(y: S | number): S;
  div(y: S | number): S;
  sin(): S;
  cos(): S;
  tanh(): S;
  exp(): S;
  square(): S;
  sigmoid(): S;
}

/** A tensor of any kind, likewise. */
export interface T {
  readonly shape: readonly number[];
  add(y: T | number): T;
  sub(y: T | number): T;
  mul(y: T | number): T;
  sin(): T;
  cos(): T;
  square(): T;
  exp(): T;
  sum(): T;
  slice(...axes: (number | [number?, number?, number?] | null)[]): T;
  pad(pairs: [number, number][]): T;
  reshape(shape: number[]): T;
}

/** yᵢ = sin(xᵢ₋₁)·xᵢ + xᵢ₊₁² (missing neighbours left out): tridiagonal. */
export const tridiagonal = (xs: readonly S[]): S[] =>
  xs.map((x, i) => {
    let y = i > 0 ? xs[i - 1].sin().mul(x) : x.mul(2);
    if (i + 1 < xs.length) y = y.add(xs[i + 1].square());
    return y;
  });

/** yᵢ = tanh(xᵢ₋₂ + xᵢ₊₂)·xᵢ + cos(xᵢ₋₁)·xᵢ₊₁: pentadiagonal. */
export const pentadiagonal = (xs: readonly S[]): S[] =>
  xs.map((x, i) => {
    const at = (k: number) => (k >= 0 && k < xs.length ? xs[k] : null);
    const outer = [at(i - 2), at(i + 2)].filter((v) => v !== null).reduce((a, b) => a.add(b), x.mul(0.5));
    let y = outer.tanh().mul(x);
    const left = at(i - 1);
    const right = at(i + 1);
    if (left !== null && right !== null) y = y.add(left.cos().mul(right));
    return y;
  });

/** y₀ = Σ xᵢ², yᵢ = x₀·exp(xᵢ / 2) (i > 0): an arrowhead (a dense row and a dense column). */
export const arrowheadMap = (xs: readonly S[]): S[] =>
  xs.map((x, i) => (i === 0 ? xs.map((v) => v.square()).reduce((a, b) => a.add(b)) : xs[0].mul(x.mul(0.5).exp())));

/** yᵢ = xᵢ·sin(xᵢ) for i < n − 1, y_(n−1) = Σ sigmoid(xᵢ): a dense last row only (reverse needs 2 colors, forward n). */
export const denseLastRow = (xs: readonly S[]): S[] =>
  xs.map((x, i) => (i < xs.length - 1 ? x.mul(x.sin()) : xs.map((v) => v.sigmoid()).reduce((a, b) => a.add(b))));

/** The 5-point stencil on a side × side grid (row-major): yᵢ = 4xᵢ − Σ neighbours + xᵢ³·(1 + sin(neighbour sum)). */
export const stencilMap =
  (side: number) =>
  (xs: readonly S[]): S[] =>
    xs.map((x, i) => {
      const r = Math.floor(i / side);
      const c = i % side;
      const around = [
        [r - 1, c],
        [r + 1, c],
        [r, c - 1],
        [r, c + 1],
      ]
        .filter(([a, b]) => a >= 0 && a < side && b >= 0 && b < side)
        .map(([a, b]) => xs[a * side + b]);
      const sum = around.reduce((a, b) => a.add(b));
      return x
        .mul(4)
        .sub(sum)
        .add(x.square().mul(x).mul(sum.sin().add(1)));
    });

/**
 * A bundle-adjustment-like residual: per observation i (camera i mod n, point i mod m, weight
 * i), two residuals that read the camera's 11 parameters, the point's 3 and the weight, and one
 * weight residual 1 − wᵢ². Columns: 11n cameras, 3m points, p weights, as GradBench's ba.
 */
export const bundleAdjustmentMap =
  (n: number, m: number, p: number) =>
  (xs: readonly S[]): S[] => {
    const out: S[] = [];
    for (let i = 0; i < p; i++) {
      const cam = xs.slice(11 * (i % n), 11 * (i % n) + 11);
      const pt = xs.slice(11 * n + 3 * (i % m), 11 * n + 3 * (i % m) + 3);
      const w = xs[11 * n + 3 * m + i];
      const z = pt[2].sub(cam[5]).mul(cam[2].cos()).add(3);
      const u = pt[0].sub(cam[3]).mul(cam[0].cos()).add(pt[1].mul(cam[1].sin())).mul(z.sigmoid());
      const v = pt[1].sub(cam[4]).mul(cam[1].cos()).sub(pt[0].mul(cam[0].sin())).mul(z.sigmoid());
      const d = u.square().add(v.square()).mul(cam[9]).add(u.square().square().mul(cam[10])).add(1);
      out.push(w.mul(u.mul(d).mul(cam[6]).add(cam[7])));
      out.push(w.mul(v.mul(d).mul(cam[6]).add(cam[8])));
    }
    for (let i = 0; i < p; i++) out.push(xs[11 * n + 3 * m + i].square().mul(-1).add(1));
    return out;
  };

/** A method of any kind called by name (the op table's element-wise ops). */
const call = (v: S, name: string, ...args: (S | number)[]): S => (v as unknown as Record<string, (...a: (S | number)[]) => S>)[name](...args);

/** One of the table's unary element-wise ops at v, inside its domain (as the shared scalar programs guard them). */
function unaryOp(name: UnaryName, v: S): S {
  if (name === 'log' || name === 'sqrt') return call(v.square().add(0.5), name);
  if (name === 'log1p') return call(v.square(), name);
  if (name === 'tan') return call(v.tanh(), name);
  return call(v, name);
}

/** One of the table's binary element-wise ops, inside its domain. */
function binaryOp(name: BinaryName, a: S, b: S): S {
  if (name === 'div') return a.div(b.square().add(0.5));
  if (name === 'pow') return call(a.square().add(0.5), 'pow', b);
  return call(a, name, b);
}

/**
 * A random function whose Jacobian pattern is (contained in) `pattern`: row i folds the inputs
 * of its entries, each through a random unary op, with random binary ops — every element-wise
 * op of the shared scalar programs (@ad/test-support's lists, off the op table), chosen by a
 * seeded generator.
 */
export function randomSparseFunction(pattern: SparsityPattern, seed: number): (xs: readonly S[]) => (S | number)[] {
  const g = new Generator(seed);
  const plan = Array.from({ length: pattern.shape[0] }, (_, i) =>
    Array.from(pattern.row(i), (j) => ({ j, unary: UNARY[g.int(UNARY.length)], binary: BINARY[g.int(BINARY.length)], scale: g.uniform(0.5, 1.5) })),
  );
  return (xs) =>
    plan.map((row) => {
      let acc: S | number = 0;
      for (const { j, unary, binary, scale } of row) {
        const term = unaryOp(unary, xs[j].mul(scale));
        acc = typeof acc === 'number' ? term : binaryOp(binary, acc, term);
      }
      return acc;
    });
}

/**
 * A random scalar function whose Hessian pattern is (contained in) the symmetric `pattern`:
 * Σ over its off-diagonal pairs i < j of a random op of (xᵢ, xⱼ), plus Σᵢ of a unary op of xᵢ.
 */
export function randomSparseScalar(pattern: SparsityPattern, seed: number): (xs: readonly S[]) => S {
  const g = new Generator(seed);
  const pairs: { i: number; j: number; unary: UnaryName; scale: number }[] = [];
  for (let i = 0; i < pattern.shape[0]; i++) {
    for (const j of pattern.row(i)) if (i < j) pairs.push({ i, j, unary: UNARY[g.int(UNARY.length)], scale: g.uniform(0.5, 1.5) });
  }
  const diagonal = Array.from({ length: pattern.shape[0] }, () => UNARY[g.int(UNARY.length)]);
  return (xs) => {
    let acc = xs[0].mul(0);
    for (const { i, j, unary, scale } of pairs) acc = acc.add(unaryOp(unary, xs[i].mul(xs[j]).mul(scale)));
    xs.forEach((x, i) => {
      acc = acc.add(unaryOp(diagonal[i], x));
    });
    return acc;
  };
}

/** A tridiagonal tensor map: y = sin(x shifted right)·x + (x shifted left)², zeros at the ends. */
export const tridiagonalTensor = <X extends T>(x: X): X => {
  const n = x.shape[0];
  const left = x.slice([0, n - 1]).pad([[1, 0]]);
  const right = x.slice([1, n]).pad([[0, 1]]);
  return left.sin().mul(x).add(right.square()) as X;
};

/** The arrowhead at a tensor: y₀ = Σ xᵢ², yᵢ = x₀·exp(xᵢ / 2) (i > 0). */
export const arrowheadTensor = <X extends T>(x: X): X => {
  const n = x.shape[0];
  const first = x.slice([0, 1]);
  const rest = x.slice([1, n]).mul(0.5).exp().mul(first);
  return x
    .square()
    .sum()
    .reshape([1])
    .pad([[0, n - 1]])
    .add(rest.pad([[1, 0]])) as X;
};

/** The 5-point stencil on a 2-D tensor, zero outside: y = 4x − Σ neighbours + x³. */
export const stencilTensor = <X extends T>(x: X): X => {
  const [r, c] = x.shape;
  const up = x.slice([1, r], null).pad([
    [0, 1],
    [0, 0],
  ]);
  const down = x.slice([0, r - 1], null).pad([
    [1, 0],
    [0, 0],
  ]);
  const left = x.slice(null, [1, c]).pad([
    [0, 0],
    [0, 1],
  ]);
  const right = x.slice(null, [0, c - 1]).pad([
    [0, 0],
    [1, 0],
  ]);
  return x.mul(4).sub(up.add(down).add(left).add(right)).add(x.square().mul(x)) as X;
};

/** A sum of local terms (tridiagonal Hessian): Σ (xᵢ₊₁ − xᵢ)⁴ + Σ sin(xᵢ)·xᵢ. */
export const localSumTensor = <X extends T>(x: X): X => {
  const n = x.shape[0];
  const d = x.slice([1, n]).sub(x.slice([0, n - 1]));
  return d.square().square().sum().add(x.sin().mul(x).sum()) as X;
};

/** The same sum of local terms over an array of scalars. */
export const localSum = (xs: readonly S[]): S => {
  let acc = xs[0].sin().mul(xs[0]);
  for (let i = 1; i < xs.length; i++)
    acc = acc
      .add(
        xs[i]
          .sub(xs[i - 1])
          .square()
          .square(),
      )
      .add(xs[i].sin().mul(xs[i]));
  return acc;
};

/** x₀·Σ exp(xᵢ/2) + Σ xᵢ²: an arrowhead Hessian. */
export const arrowheadScalar = (xs: readonly S[]): S =>
  xs
    .slice(1)
    .map((x) => xs[0].mul(x.mul(0.5).exp()))
    .reduce(
      (a, b) => a.add(b),
      xs.map((x) => x.square()).reduce((a, b) => a.add(b)),
    );

/** A point with entries in (−1, 1) from a seeded generator. */
export function point(n: number, seed = 1): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => g.uniform(-1, 1));
}

/** The largest |a − b| over two dense matrices of one shape (−1 if the shapes differ). */
export function maxDiff(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  if (a.length !== b.length) return -1;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return -1;
    for (let j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
  }
  return d;
}
