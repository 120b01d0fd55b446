/**
 * Fused loops that compute exp over at least 256 elements (emit.ts): their exps go through the
 * exp kernel a block at a time, a sum of all of an exp's elements is the kernel's running sum,
 * and a loop may write into an array of the program that nothing reads after it. Each program
 * must give eager mode's bits — the kernel is Special.exp's arithmetic and the running sum adds
 * in the sum op's order — on both kernel paths; the source shows which form was emitted.
 */
import { setKernels, tensor, type KernelPath, type Tensor } from '@ad/core';
import { grad, type TensorVar } from '@ad/reverse';
import { jit } from '../src/index.js';

afterAll(() => setKernels('auto'));

/** n values spread over [−10, 10) in a fixed order (two blocks and a part: 2048 + 2048 + 904). */
const N = 5000;
const xs = Array.from({ length: N }, (_, i) => ((i * 7919) % N) / (N / 20) - 10);

function lse<T extends Tensor | TensorVar>(x: T): T {
  const max = x.max();
  const a = 'detach' in max ? (max as TensorVar).detach() : max;
  return a.add(x.sub(a).exp().sum().log()) as T;
}

/** Equal bit for bit, NaN matching NaN, over nested arrays. */
function expectSameBits(got: unknown, want: unknown): void {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const a = flat(got);
  const b = flat(want);
  expect(a.length).toBe(b.length);
  expect(a.filter((v, i) => !Object.is(v, b[i])).length).toBe(0);
}

const paths: KernelPath[] = ['js', 'wasm'];

describe.each(paths)('exp loops on the %s path', (path) => {
  beforeAll(() => setKernels(path));

  test('lse: x − max copied into the kernel with its shift, the sum fused (no sum op, no exp array)', () => {
    const x = tensor(xs);
    const f = jit((t: Tensor) => lse(t));
    expectSameBits(f(x).item(), lse(x).item());
    const s = f.source;
    expect(s).toMatch(/\.set\(v0_d\.subarray\(b, xe0\), xs0\.at\)/);
    expect(s).toMatch(/xa0_0 = xs0\.run\(xs0\.at, xe0 - b, xa0_0, v1_s\); \/\/ exp/);
    expect(s).not.toContain('op_sum');
    expect(s).not.toMatch(/v3_d = /);
  });

  test('grad of lse: softmax, the scaling pass written into the exp array (no second array)', () => {
    const x = tensor(xs);
    const g = jit(grad((t: TensorVar) => lse(t)));
    expectSameBits(g(x).toArray(), grad((t: TensorVar) => lse(t))(x).toArray());
    const s = g.source;
    expect(s.match(/fresh\(5000\)/g)).toHaveLength(1);
    expect(s).toMatch(/const v\d+_d = v3_d;/);
    // 1/Σ broadcast over n is read once before a flat loop (no odometer over a stride-0 view).
    expect(s).toMatch(/const (v\d+)_s = v\d+_d\[0\];\n\s*for \(let i = 0; i < 5000; i\+\+\) \{\n\s*const v\d+ = v3_d\[i\] \* \1_s; \/\/ mul/);
  });

  test('a general argument (x·x − 1) goes through the loop into the scratch; two exps of one loop get a block each', () => {
    const x = tensor(xs.map((v) => v / 4));
    const body = (t: Tensor) => {
      const u = t.mul(t).sub(1);
      return [u.exp(), u.mul(0.5).exp()];
    };
    const f = jit(body);
    const [a, b] = f(x) as Tensor[];
    expectSameBits(a.toArray(), x.mul(x).sub(1).exp().toArray());
    expectSameBits(b.toArray(), x.mul(x).sub(1).mul(0.5).exp().toArray());
    expect(f.source).toContain('expScratch(2)');
    expect(f.source).toMatch(/xh0\[j\] = v\d+; \/\/ exp's argument/);
    expect(f.source).toMatch(/xh0\[j \+ 2048\] = v\d+; \/\/ exp's argument/);
  });

  test('an exp another member of its loop reads stays in the loop (Special.exp), as does a short one', () => {
    const x = tensor(xs.map((v) => v / 4));
    const f = jit((t: Tensor) => t.exp().mul(t.exp()).add(1));
    expectSameBits(f(x).toArray(), x.exp().mul(x.exp()).add(1).toArray());
    expect(f.source).toContain('Special.exp(');
    expect(f.source).not.toContain('expScratch');
    const short = tensor(xs.slice(0, 255));
    const h = jit((t: Tensor) => t.exp().sum());
    expectSameBits(h(short).item(), short.exp().sum().item());
    expect(h.source).not.toContain('expScratch');
  });

  test('a sum over one axis is not fused; an exp of a transposed view keeps its strided loop', () => {
    const x = tensor(xs).reshape([50, 100]);
    const f = jit((t: Tensor) => t.exp().sum(1));
    expectSameBits(f(x).toArray(), x.exp().sum(1).toArray());
    expect(f.source).toContain('op_sum');
    const g = jit((t: Tensor) => t.transpose([1, 0]).exp());
    expectSameBits(g(x).toArray(), x.transpose([1, 0]).exp().toArray());
  });

  test('no array is reused that is read later or returned', () => {
    const x = tensor(xs.map((v) => v / 4));
    // e is read by u's loop and again by v's, after it: u must not write into e.
    const body = (t: Tensor) => {
      const e = t.exp();
      const u = e.mul(e.sum());
      const v = e.add(u.max());
      return [u, v];
    };
    const f = jit(body);
    const got = f(x) as Tensor[];
    const want = body(x);
    expectSameBits(
      got.map((t) => t.toArray()),
      want.map((t) => t.toArray()),
    );
    // e read through a view (reshape) after u's loop: u must not write into e either.
    const viewed = (t: Tensor) => {
      const e = t.exp();
      const r = e.reshape([50, 100]);
      const u = e.mul(e.sum());
      return [u, r.sum(0)];
    };
    const j = jit(viewed);
    expectSameBits(
      (j(x) as Tensor[]).map((t) => t.toArray()),
      viewed(x).map((t) => t.toArray()),
    );
    // e returned as well as read: its array must stay e's.
    const both = (t: Tensor) => {
      const e = t.exp();
      return [e, e.mul(2)];
    };
    const h = jit(both);
    const [e, twice] = h(x) as Tensor[];
    expectSameBits(e.toArray(), x.exp().toArray());
    expectSameBits(twice.toArray(), x.exp().mul(2).toArray());
  });

  test('edges inside a large input: +∞ (lse = NaN through ∞ − ∞, as eagerly), −∞ and values past the range', () => {
    const x = tensor(xs.map((v, i) => (i === 10 ? -Infinity : i === 20 ? -800 : v)));
    const f = jit((t: Tensor) => lse(t));
    expectSameBits(f(x).item(), lse(x).item());
    const e = jit((t: Tensor) => t.mul(80).exp());
    expectSameBits(e(x).toArray(), x.mul(80).exp().toArray());
    const inf = tensor(xs.map((v, i) => (i === 4000 ? Infinity : v)));
    expectSameBits(f(inf).item(), lse(inf).item());
  });
});
