/** Creation, views, conversion and printing of tensors. */
import { DTypeError, Generator, ShapeError, Tensor, arange, eye, full, linspace, manualSeed, ones, rand, randn, tensor, uniform, zeros } from '../src/index.js';
import { tensorOps as T } from '../src/engine/index.js';

describe('creation', () => {
  test('tensor from nested arrays, numbers and Float64Array', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).item()).toBe(7);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor(new Float64Array([1, 2])).toArray()).toEqual([1, 2]);
  });

  test('tensor copies its input', () => {
    const data = [1, 2];
    const x = tensor(data);
    data[0] = 9;
    expect(x.toArray()).toEqual([1, 2]);
  });

  test('ragged arrays and non-numbers are refused with the path', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: length 1 at [1], expected 2 like its first sibling');
    expect(() => tensor([[1, 2], 3] as never)).toThrow('tensor: ragged nested array: expected an array of length 2 at [1], got the number 3');
    expect(() => tensor([1, 'a'] as never)).toThrow(DTypeError);
    expect(() => tensor([1, 'a'] as never)).toThrow('tensor: expected a number at [1], got string "a"');
    expect(() => tensor([1, [2]] as never)).toThrow(/expected a number at \[1\], got a nested array/);
  });

  test('fills, ranges and identity', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
    expect(arange(2, 2).shape).toEqual([0]);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(() => zeros([2, -1])).toThrow('zeros: shape must hold non-negative integers, got [2,-1]');
    expect(() => arange(0, 1, 0)).toThrow('arange: step must not be 0');
  });

  test('random draws are reproducible from a seed and have the right moments', () => {
    expect(rand([5], { seed: 3 }).toArray()).toEqual(rand([5], { seed: 3 }).toArray());
    expect(randn([5], { seed: 3 }).toArray()).not.toEqual(randn([5], { seed: 4 }).toArray());
    manualSeed(11);
    const a = randn([4]).toArray();
    manualSeed(11);
    expect(randn([4]).toArray()).toEqual(a);

    const n = 200_000;
    const z = randn([n], { seed: 1 });
    const m = T.mean(z).item();
    const v = T.mean(T.square(T.sub(z, m))).item();
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.01);
    const u = uniform([n], -2, 6, { seed: 2 });
    expect(T.min(u).item()).toBeGreaterThanOrEqual(-2);
    expect(T.max(u).item()).toBeLessThan(6);
    expect(Math.abs(T.mean(u).item() - 2)).toBeLessThan(0.03);
  });

  test('a generator continues its stream and restores from its state', () => {
    const g = new Generator(5);
    const first = rand([3], { generator: g }).toArray();
    const state = g.state();
    const next = randn([3], { generator: g }).toArray();
    expect(rand([3], { generator: new Generator(5) }).toArray()).toEqual(first);
    expect(randn([3], { generator: Generator.fromState(state) }).toArray()).toEqual(next);
    expect(g.permutation(5).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  test('fillUniform draws the stream random() draws, bit for bit, and leaves the generator where it would', () => {
    for (const seed of [0, 1, 42, 2 ** 40 + 3]) {
      const one = new Generator(seed);
      const all = new Generator(seed);
      one.random(); // the fill continues a stream, whatever was drawn before
      all.random();
      for (const n of [0, 1, 2, 7, 1000]) {
        const each = Float64Array.from({ length: n }, () => one.random());
        const filled = new Float64Array(n).fill(-1);
        expect(all.fillUniform(filled)).toBe(filled);
        expect(filled).toEqual(each);
        for (const u of filled) expect(u >= 0 && u < 1 && Number.isInteger(u * 2 ** 53)).toBe(true);
      }
      expect(all.state()).toEqual(one.state());
      expect(all.normal()).toBe(one.normal());
    }
  });
});

describe('views share data', () => {
  test('reshape of contiguous data is a view; of a transposed view a copy', () => {
    const x = arange(6);
    const r = x.reshape([2, 3]);
    expect(r.data).toBe(x.data);
    expect(r.toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(x.reshape([3, -1]).shape).toEqual([3, 2]);
    const t = r.transpose();
    expect(t.data).toBe(x.data);
    expect(t.isContiguous).toBe(false);
    const flat = t.reshape([6]);
    expect(flat.data).not.toBe(x.data);
    expect(flat.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test('permute, slice, broadcastTo, expandDims, squeeze', () => {
    const x = arange(24).reshape([2, 3, 4]);
    const p = x.permute([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.get(3, 1, 2)).toBe(x.get(1, 2, 3));
    expect(p.data).toBe(x.data);

    const s = x.slice(1, [null, null, 2], [1, 4, 2]);
    expect(s.shape).toEqual([2, 2]);
    expect(s.toArray()).toEqual([
      [13, 15],
      [21, 23],
    ]);
    expect(s.data).toBe(x.data);
    expect(x.slice(0, 0, [null, null, -1]).toArray()).toEqual([3, 2, 1, 0]);
    expect(x.slice(0, -1, [-2]).toArray()).toEqual([10, 11]);

    const b = tensor([1, 2, 3]).broadcastTo([2, 3]);
    expect(b.stride).toEqual([0, 1]);
    expect(b.toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);

    expect(tensor([1, 2]).expandDims(0).shape).toEqual([1, 2]);
    expect(tensor([1, 2]).expandDims(-1).shape).toEqual([2, 1]);
    expect(zeros([1, 3, 1]).squeeze().shape).toEqual([3]);
    expect(zeros([1, 3, 1]).squeeze(-1).shape).toEqual([1, 3]);
    expect(() => zeros([1, 3]).squeeze(1)).toThrow('squeeze: cannot squeeze axis 1 of [1,3]: its size is 3, not 1');
  });

  test('sumToShape reverses broadcasting', () => {
    const y = ones([2, 3, 4]);
    expect(y.sumToShape([3, 1]).toArray()).toEqual([[8], [8], [8]]);
    expect(y.sumToShape([]).item()).toBe(24);
    expect(() => y.sumToShape([2, 1])).toThrow(ShapeError);
  });

  test('0-d and empty tensors through views', () => {
    expect(tensor(5).reshape([1, 1]).toArray()).toEqual([[5]]);
    expect(tensor(5).transpose().item()).toBe(5);
    expect(zeros([0, 3]).transpose().shape).toEqual([3, 0]);
    expect(zeros([0, 3]).reshape([3, 0, 5]).shape).toEqual([3, 0, 5]);
  });
});

describe('conversion and printing', () => {
  test('item needs exactly one element', () => {
    expect(tensor([[4]]).item()).toBe(4);
    expect(() => tensor([1, 2]).item()).toThrow('item: only a tensor with one element can be converted to a number, got shape [2] (2 elements)');
  });

  test('toString reads like PyTorch', () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor([0.5, -1.25]))).toBe('tensor([ 0.5000, -1.2500])');
    expect(String(tensor(3))).toBe('tensor(3.)');
    expect(String(tensor([1e-8, 1]))).toBe('tensor([1.0000e-8, 1.0000e+0])');
    expect(String(tensor([NaN, Infinity, 1.5]))).toBe('tensor([   nan,    inf, 1.5000])');
    expect(String(zeros([0, 2]))).toBe('tensor([], shape=[0, 2])');
    expect(String(arange(2000))).toMatch(/^tensor\(\[   0\.,    1\.,    2\., \.\.\., 1997\., 1998\., 1999\.\]\)$/);
  });

  test('get reads any element of a view', () => {
    const x = arange(6).reshape([2, 3]).transpose();
    expect(x.get(2, 1)).toBe(5);
    expect(x.get(-1, -1)).toBe(5);
    expect(() => x.get(3, 0)).toThrow(ShapeError);
  });

  test('Tensor has the op methods', () => {
    const x = tensor([1, 4]);
    expect(x.sqrt().add(1).toArray()).toEqual([2, 3]);
    expect(x instanceof Tensor).toBe(true);
  });
});

describe('seeding', () => {
  test('the first draws of small seeds are not degenerate', () => {
    for (let seed = 0; seed < 50; seed++) {
      const u = rand([4], { seed }).toArray() as number[];
      expect(Math.max(...u)).toBeLessThan(0.99999);
      const z = randn([2], { seed }).toArray() as number[];
      z.forEach((v) => expect(Math.abs(v)).toBeLessThan(5));
    }
  });

  test('nearby seeds give unrelated streams', () => {
    const a = rand([1000], { seed: 1 }).toFloat64Array();
    const b = rand([1000], { seed: 2 }).toFloat64Array();
    let sab = 0;
    for (let i = 0; i < a.length; i++) sab += (a[i] - 0.5) * (b[i] - 0.5);
    expect(Math.abs(sab / a.length) * 12).toBeLessThan(0.1); // correlation of two U(0,1) streams
  });
});
