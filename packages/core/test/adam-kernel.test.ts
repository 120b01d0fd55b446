/**
 * The Adam update kernel on every path against the scalar formula, bit for bit: the
 * WebAssembly loop runs the same IEEE operations two lanes at a time, so it must agree
 * exactly, for odd and even lengths, Adam's and AdamW's weight decay, and AMSGrad.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { setKernels, type KernelPath } from '@ad/core';
import { adamUpdate, type AdamUpdate } from '@ad/core/engine';

afterAll(() => setKernels('auto'));

/** PyTorch's update, one value at a time, written out independently of the kernel. */
function reference(theta: number[], grad: number[], m: number[], v: number[], vMax: number[] | undefined, s: AdamUpdate): void {
  for (let j = 0; j < theta.length; j++) {
    theta[j] = theta[j] * s.decay;
    const g = grad[j] + s.l2 * theta[j];
    m[j] = s.b1 * m[j] + (1 - s.b1) * g;
    v[j] = s.b2 * v[j] + (1 - s.b2) * g * g;
    if (vMax !== undefined) vMax[j] = Math.max(vMax[j], v[j]);
    const vHat = vMax === undefined ? v[j] : vMax[j];
    theta[j] = theta[j] - (s.stepSize * m[j]) / (Math.sqrt(vHat) / s.sqrtC2 + s.eps);
  }
}

const t = 3;
const plain: AdamUpdate = { b1: 0.9, b2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** t), sqrtC2: Math.sqrt(1 - 0.999 ** t), eps: 1e-8, decay: 1, l2: 0 };
const variants: [string, AdamUpdate, boolean][] = [
  ['Adam', plain, false],
  ['Adam with weight decay (l2)', { ...plain, l2: 0.01 }, false],
  ['AdamW (decoupled decay)', { ...plain, decay: 1 - 1e-3 * 0.01 }, false],
  ['AMSGrad', plain, true],
];
const paths: KernelPath[] = ['js', 'wasm'];

describe.each(paths)('adamUpdate on the %s path', (path) => {
  beforeAll(() => setKernels(path));

  test.each(variants)('%s matches the formula bit for bit', (_, s, amsgrad) => {
    const rng = xoroshiro128plus(11);
    const draw = () => 2 * uniformFloat64(rng) - 1;
    for (const n of [0, 1, 2, 3, 7, 1024, 1025, 5001]) {
      const theta = Array.from({ length: n }, draw);
      const grad = Array.from({ length: n }, draw);
      const m = Array.from({ length: n }, () => 0.1 * draw());
      const v = Array.from({ length: n }, () => 0.01 * Math.abs(draw()));
      const vMax = amsgrad ? v.map((x, j) => (j % 2 === 0 ? 2 * x : 0)) : undefined;
      const got = [theta, grad, m, v].map((x) => Float64Array.from(x));
      const gotMax = vMax === undefined ? undefined : Float64Array.from(vMax);
      // Two steps, so the moments written by the first are read by the second.
      for (let step = 0; step < 2; step++) {
        adamUpdate(got[0], got[1], got[2], got[3], gotMax, s);
        reference(theta, grad, m, v, vMax, s);
      }
      expect(Array.from(got[0])).toEqual(theta);
      expect(Array.from(got[2])).toEqual(m);
      expect(Array.from(got[3])).toEqual(v);
      if (vMax !== undefined) expect(Array.from(gotMax as Float64Array)).toEqual(vMax);
      expect(Array.from(got[1])).toEqual(grad);
    }
  });
});

/**
 * A gradient given as a 2-D view (Linear's W̄ is the transpose of xᵀȳ): the kernels read it in
 * θ's row-major order, the transpose of a contiguous matrix through adamTransposed's 2×2 tiles,
 * any other view gathered. Odd rows and columns reach the tiles' edges.
 */
describe.each(paths)('adamUpdate of a strided gradient on the %s path', (path) => {
  beforeAll(() => setKernels(path));

  test.each(variants)('%s: a view gives the bits of its row-major copy', (_, s, amsgrad) => {
    const rng = xoroshiro128plus(12);
    const draw = () => 2 * uniformFloat64(rng) - 1;
    for (const [rows, cols] of [
      [1, 1],
      [2, 2],
      [3, 5],
      [64, 70],
      [129, 33],
      [10, 13],
    ]) {
      const n = rows * cols;
      // Stored [cols, rows] (the transpose), and a second layout: every other column of a wider array.
      const stored = Float64Array.from({ length: n }, draw);
      const wide = Float64Array.from({ length: 2 * n + 3 }, draw);
      const views = [
        { data: stored, offset: 0, rows, cols, rs: 1, cs: rows },
        { data: wide, offset: 3, rows, cols, rs: 2 * cols, cs: 2 },
      ];
      for (const view of views) {
        const rowMajor = new Float64Array(n);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) rowMajor[i * cols + j] = view.data[view.offset + i * view.rs + j * view.cs];
        const start = [draw, () => 0.1 * draw(), () => 0.01 * Math.abs(draw())].map((f) => Float64Array.from({ length: n }, f));
        const a = start.map((x) => x.slice());
        const b = start.map((x) => x.slice());
        const maxA = amsgrad ? start[2].map((x) => 2 * x) : undefined;
        const maxB = maxA?.slice();
        for (let step = 0; step < 2; step++) {
          adamUpdate(a[0], view, a[1], a[2], maxA, s);
          adamUpdate(b[0], rowMajor, b[1], b[2], maxB, s);
        }
        a.forEach((x, k) => expect(Array.from(x)).toEqual(Array.from(b[k])));
        if (maxA !== undefined) expect(Array.from(maxA)).toEqual(Array.from(maxB!));
      }
    }
  });
});
