/** Splitting a data set into a training part and a held-out test part. */
import { ValueError } from '@ad/core';
import { checkDataset, classIndices, describe, resolveGenerator, subset, type Dataset, type SeedOptions } from './dataset.js';

export interface SplitOptions extends SeedOptions {
  /**
   * The size of the test part: a number in (0, 1) is a fraction of the rows (rounded up, as
   * scikit-learn does), an integer ≥ 1 a count. Both parts must end up non-empty.
   */
  test: number;
  /**
   * Keep each class's proportion in both parts (scikit-learn's `stratify=y`): class c with n_c
   * of the n rows gets n_test · n_c / n test rows, rounded by largest remainder (ties to the
   * lower class), so the per-class counts add up to the test size exactly.
   */
  stratify?: boolean;
}

/**
 * Splits `ds` into `{ train, test }` by a seeded shuffle (core's `Generator`): the same seed
 * gives the same split. Every row lands in exactly one part, and both parts come out in shuffled
 * order. Without `stratify`, the test part is the first n_test rows of a random permutation;
 * with it, each class is shuffled and cut on its own (see `SplitOptions.stratify`).
 */
export function trainTestSplit(ds: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const op = 'trainTestSplit';
  checkDataset(op, ds);
  const n = ds.x.shape[0];
  if (typeof options !== 'object' || options === null) {
    throw new ValueError(op, `options { test } is required (a fraction in (0, 1) or a count), got ${describe(options)}`);
  }
  const nTest = testSize(op, options.test, n);
  const g = resolveGenerator(op, options);

  let testRows: number[];
  let trainRows: number[];
  if (options.stratify) {
    const labels = classIndices(op, ds.y, ds.classes);
    const members: number[][] = Array.from({ length: ds.classes }, () => []);
    for (let i = 0; i < n; i++) members[labels[i]].push(i);
    const quota = apportion(
      members.map((m) => m.length),
      nTest,
    );
    testRows = [];
    trainRows = [];
    for (let c = 0; c < ds.classes; c++) {
      const rows = g.shuffle(members[c]);
      for (let i = 0; i < rows.length; i++) (i < quota[c] ? testRows : trainRows).push(rows[i]);
    }
    g.shuffle(testRows);
    g.shuffle(trainRows);
  } else {
    const order = g.permutation(n);
    testRows = order.slice(0, nTest);
    trainRows = order.slice(nTest);
  }
  return { train: subset(ds, trainRows), test: subset(ds, testRows) };
}

/** The number of test rows `test` asks for, checked to leave both parts non-empty. */
function testSize(op: string, test: number, n: number): number {
  if (typeof test !== 'number' || !Number.isFinite(test) || test <= 0 || (test >= 1 && !Number.isInteger(test))) {
    throw new ValueError(op, `test must be a fraction in (0, 1) or a whole count ≥ 1, got ${describe(test)}`);
  }
  // Rounded up, but not past a product that is an integer up to rounding (0.1 · 30 is 3.0000000000000004).
  const nTest = test < 1 ? Math.ceil(test * n * (1 - 1e-12)) : test;
  if (nTest >= n) {
    const asked = test < 1 ? `test = ${test} of ${n} rows is ${nTest}` : `test = ${test}`;
    throw new ValueError(op, `${asked}, which leaves no training rows (the data set has ${n}; the test size must be at most ${n - 1})`);
  }
  return nTest;
}

/**
 * Splits `total` into integer parts proportional to `sizes` by largest remainder: each part gets
 * ⌊total · size / Σ sizes⌋, and the rest go one each to the largest fractional parts.
 */
function apportion(sizes: readonly number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  // Integer arithmetic: part c is (total · size_c) / sum = parts[c] + remainder[c] / sum exactly.
  const parts = sizes.map((s) => Math.floor((total * s) / sum));
  const remainder = sizes.map((s, c) => total * s - parts[c] * sum);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, c) => c).sort((a, b) => remainder[b] - remainder[a] || a - b);
  for (const c of order) {
    if (left === 0) break;
    parts[c]++;
    left--;
  }
  return parts;
}
