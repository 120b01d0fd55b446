/** Test helpers: seeded random tensors and views, naive references, closeness checks. */
import { type Generator, Tensor, tensor, type NestedArray } from '@ad/core';

export type Domain = 'real' | 'positive' | 'unit' | 'nonzero' | 'mask' | 'aboveOne' | 'offKinks6' | 'lowBound' | 'highBound';

/** Values from a domain: away from the kinks and poles the ops have there. */
export function sample(g: Generator, domain: Domain): number {
  switch (domain) {
    case 'real':
      return g.uniform(-2, 2);
    case 'positive':
      return g.uniform(0.2, 2.5);
    case 'unit':
      return g.uniform(-0.9, 0.9);
    case 'aboveOne':
      return g.uniform(1.2, 3);
    case 'offKinks6': {
      // relu6's kinks are at 0 and 6: values on each piece, none near a kink.
      const piece = Math.floor(g.random() * 3);
      return piece === 0 ? g.uniform(-1.5, -0.3) : piece === 1 ? g.uniform(0.3, 5.7) : g.uniform(6.3, 7.5);
    }
    case 'lowBound':
      return g.uniform(-1.5, -0.5);
    case 'highBound':
      return g.uniform(0.5, 1.5);
    case 'nonzero': {
      const v = g.uniform(0.3, 2);
      return g.random() < 0.5 ? -v : v;
    }
    case 'mask':
      return g.random() < 0.5 ? 0 : 1;
  }
}

export function randomTensor(g: Generator, shape: readonly number[], domain: Domain = 'real'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = sample(g, domain);
  return Tensor.fromData(data, shape);
}

/**
 * The same values as `x`, laid out as a non-contiguous view: stored transposed and read back
 * through a permutation, or stored with gaps and read with a step.
 */
export function asStridedView(x: Tensor, kind: 'transposed' | 'stepped'): Tensor {
  if (x.ndim === 0) return x;
  if (kind === 'transposed') {
    const perm = x.shape.map((_, i) => x.ndim - 1 - i);
    const stored = Tensor.fromData(
      x.transpose(perm).toFloat64Array(),
      perm.map((p) => x.shape[p]),
    );
    return stored.transpose(perm);
  }
  const wide = [...x.shape.slice(0, -1), x.shape[x.ndim - 1] * 2];
  const data = new Float64Array(wide.reduce((a, b) => a * b, 1)).fill(NaN);
  const flat = x.toFloat64Array();
  for (let i = 0; i < flat.length; i++) data[i * 2] = flat[i];
  const stored = Tensor.fromData(data, wide);
  const ranges: ([number | null, number | null, number] | null)[] = x.shape.map(() => null);
  ranges[x.ndim - 1] = [null, null, 2];
  return stored.slice(...ranges);
}

/** A random shape of rank ≤ maxRank with dimensions in [0, maxDim] (0 less often). */
export function randomShape(g: Generator, maxRank = 3, maxDim = 4, allowEmpty = true): number[] {
  const rank = g.int(maxRank + 1);
  return Array.from({ length: rank }, () => (allowEmpty && g.random() < 0.08 ? 0 : 1 + g.int(maxDim)));
}

/** A shape that broadcasts against `shape`: leading axes dropped and some axes set to 1. */
export function broadcastPartner(g: Generator, shape: readonly number[]): number[] {
  const drop = g.int(shape.length + 1);
  return shape.slice(drop).map((d) => (g.random() < 0.35 ? 1 : d));
}

/** Element-wise reference: broadcasts by index arithmetic, one element at a time. */
export function naiveBroadcast(f: (...v: number[]) => number, xs: readonly Tensor[]): { shape: number[]; values: number[] } {
  const rank = Math.max(0, ...xs.map((x) => x.ndim));
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const x of xs) {
      const j = i - (rank - x.ndim);
      if (j >= 0 && x.shape[j] !== 1) d = x.shape[j];
    }
    shape.push(d);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    const index: number[] = [];
    let rest = flat;
    for (let i = rank - 1; i >= 0; i--) {
      index[i] = rest % shape[i];
      rest = Math.floor(rest / shape[i]);
    }
    values.push(
      f(
        ...xs.map((x) => {
          const own = index.slice(rank - x.ndim).map((k, j) => (x.shape[j] === 1 ? 0 : k));
          return x.get(...own);
        }),
      ),
    );
  }
  return { shape, values };
}

/** Flattens nested arrays (or a number) into a list. */
export function flat(v: NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** Asserts shape and values agree within a relative tolerance, NaN matching NaN. */
export function expectClose(got: Tensor, want: { shape: readonly number[]; values: readonly number[] } | Tensor, rtol = 1e-12, atol = 1e-12): void {
  const w = want instanceof Tensor ? { shape: want.shape, values: Array.from(want.toFloat64Array()) } : want;
  expect([...got.shape]).toEqual([...w.shape]);
  const a = got.toFloat64Array();
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = w.values[i];
    if (Number.isNaN(y) || !Number.isFinite(y)) {
      expect(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)) || x === y).toBe(true);
      continue;
    }
    if (Math.abs(x - y) > atol + rtol * Math.abs(y)) {
      throw new Error(`element ${i}: got ${x}, want ${y} (shape [${got.shape.join(',')}])`);
    }
  }
}

export { tensor };
