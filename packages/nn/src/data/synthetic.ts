/**
 * Small 2-D classification problems that a linear model cannot solve and a small MLP can: the
 * classic pictures of a decision boundary bending. Each is generated from core's seeded
 * `Generator`, so the same seed gives bit-identical points.
 *
 * Rows are class-major (all of class 0, then class 1, …), as MNIST and Iris are; shuffle with
 * `trainTestSplit` or a shuffling `DataLoader`. Noise is drawn row by row in that order.
 */
import { ValueError, fromData, type Generator } from '@ad/core';
import { describe, makeDataset, resolveGenerator, type Dataset, type SeedOptions } from './dataset.js';

const FEATURE_NAMES = ['x1', 'x2'] as const;

export interface XorOptions extends SeedOptions {
  /** Number of points, spread evenly over the four corners (default 200). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.2). */
  noise?: number;
}

/**
 * XOR: n points around the corners (±1, ±1), each coordinate plus N(0, noise²); a point's class
 * is the XOR of its corner's signs — 0 for (−1, −1) and (1, 1), 1 for (−1, 1) and (1, −1) — so
 * no line separates the classes. Labels come from the corner, so large noise mislabels points
 * that cross an axis, as in `moons`. x [n, 2], y [n], 2 classes.
 */
export function xor(options?: XorOptions): Dataset {
  const n = count('xor', 'n', options?.n ?? 200);
  const noise = noiseLevel('xor', options?.noise ?? 0.2);
  const g = resolveGenerator('xor', options);
  const corners = [
    [-1, -1, 0],
    [1, 1, 0],
    [-1, 1, 1],
    [1, -1, 1],
  ] as const;
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  let row = 0;
  for (let c = 0; c < 4; c++) {
    const [cx, cy, label] = corners[c];
    for (let i = 0; i < share(n, 4, c); i++, row++) {
      x[2 * row] = cx + noise * g.normal();
      x[2 * row + 1] = cy + noise * g.normal();
      y[row] = label;
    }
  }
  return dataset('xor', x, y, 2);
}

export interface MoonsOptions extends SeedOptions {
  /** Number of points: ⌊n/2⌋ on the outer moon, the rest on the inner one (default 200). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  noise?: number;
}

/**
 * Two interleaving half circles, scikit-learn's `make_moons` formula: class 0 on the outer moon
 * (cos t, sin t), class 1 on the inner moon (1 − cos t, 1 − sin t − 0.5), with t evenly spaced in
 * [0, π] (both ends included) on each, then N(0, noise²) added to each coordinate. Unlike
 * scikit-learn the rows are not shuffled. x [n, 2], y [n], 2 classes.
 */
export function moons(options?: MoonsOptions): Dataset {
  const n = count('moons', 'n', options?.n ?? 200);
  const noise = noiseLevel('moons', options?.noise ?? 0.1);
  const g = resolveGenerator('moons', options);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let i = 0; i < nOut; i++) {
    const t = spaced(0, Math.PI, nOut, i);
    x[2 * i] = Math.cos(t);
    x[2 * i + 1] = Math.sin(t);
  }
  for (let i = 0; i < nIn; i++) {
    const t = spaced(0, Math.PI, nIn, i);
    const row = nOut + i;
    x[2 * row] = 1 - Math.cos(t);
    x[2 * row + 1] = 1 - Math.sin(t) - 0.5;
    y[row] = 1;
  }
  addNoise(x, noise, g);
  return dataset('moons', x, y, 2);
}

export interface SpiralsOptions extends SeedOptions {
  /** Number of points in all, spread evenly over the classes (default 300). */
  n?: number;
  /** Number of spiral arms, one class each (default 3). */
  classes?: number;
  /** Standard deviation of the Gaussian noise added to each point's angle θ, in radians (default 0.2). */
  noise?: number;
}

/**
 * k interleaved spirals, the CS231n formula: arm k has m points with radius r = i/(m − 1),
 * i = 0 … m−1 (evenly spaced in [0, 1], from the centre out), angle θ = 4k + 4r + N(0, noise²),
 * and lies at (r sin θ, r cos θ). Each arm turns through 4 radians; the noise is on the angle, so
 * it grows with the radius. x [n, 2], y [n], `classes` classes.
 */
export function spirals(options?: SpiralsOptions): Dataset {
  const n = count('spirals', 'n', options?.n ?? 300);
  const k = options?.classes ?? 3;
  if (!Number.isInteger(k) || k < 2) throw new ValueError('spirals', `classes must be an integer ≥ 2, got ${describe(k)}`);
  // Every class needs a point: more classes than points would only be empty arms (and 10⁹ of them a long loop).
  if (k > n) throw new ValueError('spirals', `classes must be at most n (${n} points), got ${describe(k)}`);
  const noise = noiseLevel('spirals', options?.noise ?? 0.2);
  const g = resolveGenerator('spirals', options);
  const x = new Float64Array(2 * n);
  const y = new Float64Array(n);
  let row = 0;
  for (let c = 0; c < k; c++) {
    const m = share(n, k, c);
    for (let i = 0; i < m; i++, row++) {
      const r = spaced(0, 1, m, i);
      const theta = 4 * c + 4 * r + noise * g.normal();
      x[2 * row] = r * Math.sin(theta);
      x[2 * row + 1] = r * Math.cos(theta);
      y[row] = c;
    }
  }
  return dataset('spirals', x, y, k);
}

/** The i-th of m evenly spaced values from a to b, both ends included (NumPy's linspace; [a] when m = 1). */
function spaced(a: number, b: number, m: number, i: number): number {
  return m === 1 ? a : i === m - 1 ? b : a + ((b - a) * i) / (m - 1);
}

/** How many of n items part `part` of `parts` gets when they are dealt out evenly (the first parts get the remainder). */
function share(n: number, parts: number, part: number): number {
  return Math.floor(n / parts) + (part < n % parts ? 1 : 0);
}

function addNoise(x: Float64Array, noise: number, g: Generator): void {
  for (let i = 0; i < x.length; i++) x[i] += noise * g.normal();
}

/** Samples a generated data set may hold: 10⁷ points (80 MB per feature), far beyond any toy set. */
const MAX_POINTS = 10_000_000;

function count(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ValueError(op, `${name} must be a positive integer, got ${describe(v)}`);
  if (v > MAX_POINTS) throw new ValueError(op, `${name} must be at most ${MAX_POINTS.toLocaleString('en')}, got ${describe(v)}`);
  return v;
}

function noiseLevel(op: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(op, `noise must be a finite number ≥ 0, got ${describe(v)}`);
  return v;
}

function dataset(name: string, x: Float64Array, y: Float64Array, classes: number): Dataset {
  return makeDataset({ name, x: fromData(x, [y.length, 2]), y: fromData(y, [y.length]), classes, featureNames: FEATURE_NAMES });
}
