/**
 * The data sets `ad train` and `ad eval` know, and the one seeded split both use: the same
 * (data, seed, limit, test) always gives the same train and test rows, so `ad eval` can score
 * a checkpoint on exactly the rows its training held out.
 */
import { Standardizer, iris, moons, spirals, trainTestSplit, xor, type Dataset } from '@ad/nn';
import { mnist } from '@ad/nn/node';
import type { DatasetName } from './choices.js';
import { UsageError } from './errors.js';

export type { DatasetName };

/** How to make the split: everything `ad eval` needs to find the held-out rows again. */
export interface DataSpec {
  data: DatasetName;
  /** Seeds the synthetic generators and the split. */
  seed: number;
  /** Use only this many rows (before splitting); undefined for the data set's default size. */
  limit?: number;
  /** Test part: a fraction in (0, 1) or a count ≥ 1. */
  test: number;
}

export interface PreparedData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly features: number;
  readonly classes: number;
  readonly classNames: readonly string[];
}

/** Rows generated for the synthetic sets when no --limit is given. */
const SYNTHETIC_ROWS: Readonly<Record<'xor' | 'moons' | 'spirals', number>> = { xor: 400, moons: 600, spirals: 600 };

/** The default test part: MNIST's 2,000 of 10,000 (the 8,000 / 2,000 split), a quarter elsewhere. */
export function defaultTest(data: DatasetName, limit: number | undefined): number {
  return data === 'mnist' && limit === undefined ? 2000 : 0.25;
}

function source(spec: DataSpec): Dataset {
  const { data, seed, limit } = spec;
  switch (data) {
    case 'mnist':
      return mnist(limit === undefined ? undefined : { limit: Math.min(limit, 10_000) });
    case 'iris': {
      const all = iris();
      if (limit !== undefined && limit < all.x.shape[0]) throw new UsageError(`--limit ${limit}: iris has only 150 rows and is used whole`);
      return all;
    }
    case 'xor':
      return xor({ n: limit ?? SYNTHETIC_ROWS.xor, noise: 0.2, seed });
    case 'moons':
      return moons({ n: limit ?? SYNTHETIC_ROWS.moons, noise: 0.1, seed });
    case 'spirals':
      return spirals({ n: limit ?? SYNTHETIC_ROWS.spirals, classes: 3, noise: 0.2, seed });
  }
}

/**
 * Loads (or generates) the data set and splits it, stratified by class, with `seed`. Iris is
 * standardised with statistics of its training part (its features are in cm, of different
 * spreads); the others are already on a unit scale (MNIST pixels in [0, 1], points near [−1, 2]²).
 */
export function prepareData(spec: DataSpec): PreparedData {
  const ds = source(spec);
  const { train, test } = trainTestSplit(ds, { test: spec.test, seed: spec.seed, stratify: true });
  let out = { train, test };
  if (spec.data === 'iris') {
    const scaler = Standardizer.fit(train.x);
    out = { train: { ...train, x: scaler.transform(train.x) }, test: { ...test, x: scaler.transform(test.x) } };
  }
  const classNames = ds.classNames ?? Array.from({ length: ds.classes }, (_, i) => String(i));
  return { ...out, features: ds.x.shape[1], classes: ds.classes, classNames };
}
