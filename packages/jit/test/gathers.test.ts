/**
 * Two things the emitter does for programs of many gathers and repeated loops (a jvp's k
 * directions through `take`, as the ht eval's residuals): a gather with a constant index read
 * only by loops of its shape is read inside those loops (no intermediate array), and loops whose
 * text repeats share one kernel function. Each is checked against eager mode, and the cases
 * where a gather must stay a `take` statement are checked to stay one.
 */
import { type Tensor, ValueError, randn, tensor } from '@ad/core';
import { type DualTensor, jvp } from '@ad/forward';
import { jit } from '../src/index.js';

const takes = (source: string): number => (source.match(/op_take\.primal\(/g) ?? []).length;
const kernels = (source: string): number => (source.match(/^function k\d+\(/gm) ?? []).length;

describe('a gather with a constant index is read in the loop that uses it', () => {
  const i0 = tensor([
    [5, 0, 3],
    [1, 1, 4],
  ]);
  const i1 = tensor([
    [2, 3, 0],
    [5, 4, 1],
  ]);

  test('x[i0]·x[i1] + 1: no take statement, the loop reads x at the index, eager’s values exactly', () => {
    const f = (x: Tensor) => x.take(i0).mul(x.take(i1)).add(1);
    const g = jit(f);
    const x = randn([2, 3], { seed: 3 });
    expect((g(x) as Tensor).toArray()).toEqual(f(x).toArray());
    expect(takes(g.source)).toBe(0);
    expect(g.source).toMatch(/\[g\d+\[i\]\]/);
    // Another x of the same shape runs the same program.
    const y = randn([2, 3], { seed: 4 });
    expect((g(y) as Tensor).toArray()).toEqual(f(y).toArray());
    expect(g.stats.traces).toBe(1);
  });

  test('from a contiguous view with an offset (a slice of the input), and broadcasting against the loop', () => {
    const f = (x: Tensor) =>
      x
        .slice([2, 8])
        .take(i0)
        .mul(x.slice([0, 3]));
    const g = jit(f);
    const x = randn([8], { seed: 5 });
    expect((g(x) as Tensor).toArray()).toEqual(f(x).toArray());
    expect(takes(g.source)).toBe(0);
    expect(g.source).toMatch(/\[2 \+ g\d+\[i\]\]/);
  });

  test('stays a take statement when it is a result, is read by a non-loop op, reads a strided view, or its index is an input', () => {
    const x = randn([2, 3], { seed: 6 });
    const asResult = jit((a: Tensor) => [a.take(i0), a.take(i0).mul(2)]);
    const [r0, r1] = asResult(x) as Tensor[];
    expect(r0.toArray()).toEqual(x.take(i0).toArray());
    expect(r1.toArray()).toEqual(x.take(i0).mul(2).toArray());
    expect(takes(asResult.source)).toBe(1);

    const summed = jit((a: Tensor) => a.take(i0).sum());
    expect((summed(x) as Tensor).item()).toBe(x.take(i0).sum().item());
    expect(takes(summed.source)).toBe(1);

    const strided = jit((a: Tensor) => a.transpose().take(i0).mul(2));
    expect((strided(x) as Tensor).toArray()).toEqual(x.transpose().take(i0).mul(2).toArray());
    expect(takes(strided.source)).toBe(1);

    const byInput = jit((a: Tensor, at: Tensor) => a.take(at).mul(2));
    expect((byInput(x, i1) as Tensor).toArray()).toEqual(x.take(i1).mul(2).toArray());
    expect(takes(byInput.source)).toBe(1);
  });

  test('an index out of range or not an integer is refused while tracing, with take’s own message', () => {
    const x = randn([2, 3], { seed: 7 });
    for (const [bad, v] of [
      [tensor([0, 6]), '6'],
      [tensor([0.5, 1]), '0.5'],
      [tensor([-1, 2]), '-1'],
    ] as const) {
      const f = (a: Tensor) => a.take(bad).mul(2);
      expect(() => f(x)).toThrow(new RegExp(`^take: index ${v} `));
      const g = jit(f);
      expect(() => g(x)).toThrow(ValueError);
      expect(() => g(x)).toThrow(new RegExp(`^jit: tracing fn at \\(T\\[2,3\\]\\) failed: take: index ${v} `));
    }
  });
});

describe('loops whose text repeats share one kernel', () => {
  test('the same arithmetic on two inputs: one kernel called twice; a loop that occurs once stays inline', () => {
    const f = (a: Tensor, b: Tensor) => [a.sub(1).exp(), b.sub(1).exp(), a.mul(b).sin()];
    const g = jit(f);
    const a = randn([4, 5], { seed: 8 });
    const b = randn([4, 5], { seed: 9 });
    const got = g(a, b) as Tensor[];
    f(a, b).forEach((want, i) => expect(got[i].toArray()).toEqual(want.toArray()));
    expect(kernels(g.source)).toBe(1);
    expect(g.source.match(/\bk0\(/g)).toHaveLength(3); // the declaration and two calls
    expect(g.source).toContain('// fused mul, sin over [4,5]');
    expect(g.source.match(/for \(let i = 0/g)).toHaveLength(2); // the kernel's loop and the inline one
  });

  test('a jvp of k directions through gathers under jit: one kernel for the k loops, eager’s tangents', () => {
    const corners = [tensor([0, 4, 2, 7, 1]), tensor([3, 3, 5, 0, 6]), tensor([1, 2, 7, 5, 4])];
    const weights = [randn([5], { seed: 10 }), randn([5], { seed: 11 }), randn([5], { seed: 12 })];
    // Linear in y, as ht's residuals in the posed vertices: each direction's tangent is a loop
    // of its own (a nonlinear model's tangents would join the primal's loop).
    const model = (y: Tensor | DualTensor) =>
      y.take(corners[0]).mul(weights[0]).add(y.take(corners[1]).mul(weights[1])).add(y.take(corners[2]).mul(weights[2]));
    const columns = (y: Tensor, dots: Tensor[]) => jvp(([v]: DualTensor[]) => model(v), [y], { directions: dots.map((d) => [d]) }).tangent as Tensor[];
    const g = jit(columns);
    const y = randn([8], { seed: 13 });
    const dots = Array.from({ length: 6 }, (_, j) => randn([8], { seed: 20 + j }));
    const got = g(y, dots) as Tensor[];
    const want = columns(y, dots);
    expect(got).toHaveLength(6);
    got.forEach((t, j) => expect(t.toArray()).toEqual(want[j].toArray()));
    expect(takes(g.source)).toBe(0);
    expect(kernels(g.source)).toBe(1);
  });
});
