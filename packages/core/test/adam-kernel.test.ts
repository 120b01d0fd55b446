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
