/** Mini-batches for a training loop, as PyTorch's `DataLoader` hands them out. */
import { ValueError, getDefaultGenerator, type Generator, type Tensor } from '@ad/core';
import { checkPair, describe, resolveGenerator, takeRows, type Dataset } from './dataset.js';

/**
 * One mini-batch: rows `indices` of the loader's x and y, gathered into new contiguous tensors
 * when first read (a loop that assembles its own inputs from `indices` copies nothing).
 */
export interface Batch {
  /** [b, …] rows of x. */
  readonly x: Tensor;
  /** [b, …] the matching rows of y. */
  readonly y: Tensor;
  /** Which rows of the data set the batch holds, in batch order. */
  readonly indices: Int32Array;
}

/** Options of `DataLoader`: batch size, shuffling (reseeded each epoch), drop-last, seed or generator. */
export interface DataLoaderOptions {
  /** Rows per batch (the last batch of an epoch may be smaller unless `dropLast`). */
  batchSize: number;
  /** Visit the rows in a fresh random order every epoch (default false: in order). */
  shuffle?: boolean;
  /** Skip the last batch of an epoch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Seeds the loader's own generator, so the sequence of epoch orders is reproducible. */
  seed?: number;
  /** Draw the epoch orders from this generator instead (it is advanced). */
  generator?: Generator;
}

/**
 * Iterates over a data set in mini-batches: `for (const { x, y } of loader) { … }` is one epoch.
 *
 * Each iteration (each `for … of`) is an epoch. With `shuffle`, an epoch starts by drawing a
 * permutation of the rows from the loader's generator — its own from `seed`, the `generator`
 * given, or else core's default generator — so each epoch has a new order, and two loaders built
 * with the same seed produce the same sequence of orders. Every row appears exactly once per
 * epoch (except those of a short last batch when `dropLast`).
 *
 * x and y may have any rank; they need the same number of rows (y may be class indices [n] or
 * targets [n, k]).
 */
export class DataLoader implements Iterable<Batch> {
  /** Batches per epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with `dropLast`. */
  readonly length: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly x: Tensor;
  private readonly y: Tensor;
  private readonly generator: Generator | undefined;

  constructor(ds: Dataset | { readonly x: Tensor; readonly y: Tensor }, options: DataLoaderOptions) {
    const op = 'DataLoader';
    if (typeof ds !== 'object' || ds === null) throw new ValueError(op, `expected a Dataset or { x, y }, got ${describe(ds)}`);
    checkPair(op, ds.x, ds.y);
    if (typeof options !== 'object' || options === null) throw new ValueError(op, `options { batchSize } is required, got ${describe(options)}`);
    const { batchSize, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(op, `batchSize must be a positive integer, got ${describe(batchSize)}`);
    this.x = ds.x;
    this.y = ds.y;
    this.batchSize = batchSize;
    this.shuffle = Boolean(shuffle);
    this.dropLast = Boolean(dropLast);
    // A seed gives the loader its own generator, made once, so it advances epoch after epoch.
    // Without seed or generator, each epoch draws from whatever core's default generator is
    // then (so `manualSeed` after construction still takes effect, as in PyTorch).
    const generator = resolveGenerator(op, options);
    this.generator = options.seed !== undefined || options.generator !== undefined ? generator : undefined;
    const n = ds.x.shape[0];
    this.length = this.dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  }

  /** Number of rows in the data set. */
  get size(): number {
    return this.x.shape[0];
  }

  /** One epoch: draws this epoch's order when its first batch is asked for (if shuffling), then yields `length` batches. */
  *[Symbol.iterator](): Iterator<Batch> {
    const n = this.x.shape[0];
    const order = new Int32Array(n);
    if (this.shuffle) order.set((this.generator ?? getDefaultGenerator()).permutation(n));
    else for (let i = 0; i < n; i++) order[i] = i;
    const b = this.batchSize;
    for (let k = 0; k < this.length; k++) {
      yield new GatheredBatch(this.x, this.y, order.slice(k * b, Math.min(n, (k + 1) * b)));
    }
  }
}

/** A batch whose x and y are gathered on first read, once each. */
class GatheredBatch implements Batch {
  private xRows: Tensor | undefined;
  private yRows: Tensor | undefined;

  constructor(
    private readonly sourceX: Tensor,
    private readonly sourceY: Tensor,
    readonly indices: Int32Array,
  ) {}

  get x(): Tensor {
    this.xRows ??= takeRows(this.sourceX, this.indices);
    return this.xRows;
  }

  get y(): Tensor {
    this.yRows ??= takeRows(this.sourceY, this.indices);
    return this.yRows;
  }
}
