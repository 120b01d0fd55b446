/** Embedding, as torch.nn.Embedding: a table of vectors looked up by integer index. */
import { Generator, Tensor, ValueError, randn, type RandomOptions } from '@ad/core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { F, checkInput, checkOptions, numbersBehind, primalOf, type Out, type TensorLike } from './types.js';

/** Embedding's options: the padding index and the seed of the initial table. */
export interface EmbeddingOptions extends RandomOptions {
  /** An index whose vector stays zero and receives no gradient (a padding token). */
  paddingIdx?: number;
}

/**
 * weight [numEmbeddings, embeddingDim] ~ N(0, 1) (PyTorch's initialisation; the padding row
 * zero). forward(indices [...]) gives [..., embeddingDim]: row indices[k] for each k, a take
 * from the table, so the gradient is added back to the rows that were read.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions('Embedding', options);
    for (const [name, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError('Embedding', `${name} must be a positive integer, got ${v}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let padding = options.paddingIdx ?? null;
    if (padding !== null) {
      if (!Number.isInteger(padding) || padding < -numEmbeddings || padding >= numEmbeddings) {
        throw new ValueError('Embedding', `paddingIdx must be an index in [${-numEmbeddings}, ${numEmbeddings}), got ${padding}`);
      }
      if (padding < 0) padding += numEmbeddings;
    }
    this.paddingIdx = padding;
    const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
    const w = randn([numEmbeddings, embeddingDim], { generator });
    if (padding !== null) w.data.fill(0, padding * embeddingDim, (padding + 1) * embeddingDim);
    this.weight = new Parameter(w);
  }

  /** indices [...] (integers as numbers) → [..., embeddingDim]. */
  forward<X extends TensorLike>(indices: X): Out<X> {
    checkInput('Embedding', indices, 'indices');
    const idx = primalOf(indices);
    if (!(idx instanceof Tensor)) return this.lookupBatched(indices);
    const values = idx.toFloat64Array();
    const d = this.embeddingDim;
    const flat = new Float64Array(values.length * d);
    const keep = this.paddingIdx === null ? null : new Float64Array(values.length * d);
    values.forEach((v, k) => {
      if (!Number.isInteger(v) || v < 0 || v >= this.numEmbeddings) {
        throw new ValueError('Embedding', `index ${v} (at position ${k}) is out of range for ${this.numEmbeddings} embeddings`);
      }
      for (let j = 0; j < d; j++) flat[k * d + j] = v * d + j;
      if (keep !== null && v !== this.paddingIdx) keep.fill(1, k * d, (k + 1) * d);
    });
    const shape = [...idx.shape, d];
    const rows = F.take(this.weight, Tensor.fromData(flat, shape));
    // The padding row reads as zero and, multiplied by a zero mask, gets no gradient (PyTorch's rule).
    return (keep === null ? rows : F.mul(rows, Tensor.fromData(keep, shape))) as Out<X>;
  }

  /**
   * The same lookup for indices whose numbers are a batch (under vmap, one set of indices per
   * example): checked through the batch, then gathered with indexSelect, whose batching rule
   * gives each example its own rows.
   */
  private lookupBatched<X extends TensorLike>(indices: X): Out<X> {
    const all = numbersBehind(indices);
    (all instanceof Tensor ? all.toFloat64Array() : Float64Array.of(all)).forEach((v, k) => {
      if (!Number.isInteger(v) || v < 0 || v >= this.numEmbeddings) {
        throw new ValueError('Embedding', `index ${v} (at position ${k}) is out of range for ${this.numEmbeddings} embeddings`);
      }
    });
    const shape = [...F.shape(indices), 1];
    const column = F.reshape(indices, shape);
    const rows = F.reshape(F.indexSelect(this.weight, 0, F.reshape(indices, [-1]) as never), [...F.shape(indices), this.embeddingDim]);
    return (this.paddingIdx === null ? rows : F.mul(rows, F.ne(column, this.paddingIdx))) as Out<X>;
  }
}
