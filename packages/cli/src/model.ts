/**
 * The networks `ad train` builds: an MLP, or a small CNN for 28×28 images, described by a
 * small spec that is stored in the checkpoint, so `ad eval`, `ad summary` and `--resume`
 * rebuild exactly the same layers (and so the same PyTorch-style state-dict keys) before
 * loading the weights.
 */
import { Generator } from '@ad/core';
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, Tanh, Unflatten, relu, type LayerFunction, type Module } from '@ad/nn';
import type { Activation, ModelKind } from './choices.js';
import { UsageError } from './errors.js';

export type { Activation, ModelKind };

/** The CNN's image side and kernel: 28×28 digits, 5×5 convolutions, 2×2 max pools. */
const SIDE = 28;
const KERNEL = 5;

export interface ModelSpec {
  /** 'mlp' when absent (checkpoints written before the CNN). */
  kind?: ModelKind;
  /** The CNN's channels after each conv + pool block (hidden is its head's hidden sizes). */
  channels?: number[];
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
  /** Dropout probability after each hidden activation (0 for none). */
  dropout: number;
  /** Seeds the initial weights. */
  seed: number;
}

export interface BuiltModel {
  readonly model: Sequential;
  /** The generators of the dropout layers, in order: their state is saved so a resumed run draws the same masks. */
  readonly dropoutGenerators: readonly Generator[];
}

/**
 * Linear → activation (→ Dropout) for each hidden size, then a Linear to the outputs. Each
 * Linear gets its own seed, so one layer's size does not change another's initial weights.
 * `restored` gives the dropout generators back (from a checkpoint) instead of fresh seeded ones.
 */
export function buildModel(spec: ModelSpec, restored?: readonly Generator[]): BuiltModel {
  const layers: (Module | LayerFunction)[] = [];
  const dropoutGenerators: Generator[] = [];
  let width = spec.inputs;
  if (spec.kind === 'cnn') width = convBlocks(spec, layers);
  spec.hidden.forEach((h, i) => {
    layers.push(new Linear(width, h, { seed: spec.seed * 1000 + i + 1 }));
    layers.push(spec.activation === 'relu' ? relu : new Tanh());
    if (spec.dropout > 0) {
      const generator = restored?.[dropoutGenerators.length] ?? new Generator(spec.seed * 1000 + 500 + i);
      dropoutGenerators.push(generator);
      layers.push(new Dropout(spec.dropout, { generator }));
    }
    width = h;
  });
  layers.push(new Linear(width, spec.outputs, { seed: spec.seed * 1000 + spec.hidden.length + 1 }));
  return { model: new Sequential(layers), dropoutGenerators };
}

/**
 * The CNN's feature extractor: [N, 784] → [N, 1, 28, 28], then per block a 5×5 convolution
 * (no padding), a 2×2 max pool and ReLU, then Flatten. Returns the flattened width.
 */
function convBlocks(spec: ModelSpec, layers: (Module | LayerFunction)[]): number {
  if (spec.inputs !== SIDE * SIDE) throw new UsageError(`--model cnn takes ${SIDE}×${SIDE} images (mnist), got ${spec.inputs} features per row`);
  layers.push(new Unflatten(1, [1, SIDE, SIDE]));
  let side = SIDE;
  let channels = 1;
  (spec.channels ?? []).forEach((c, i) => {
    side = Math.floor((side - KERNEL + 1) / 2);
    if (side < 1) throw new UsageError(`--model cnn: ${spec.channels!.length} conv + pool blocks do not fit a ${SIDE}×${SIDE} image`);
    // Pool before ReLU: the same numbers as ReLU then pool (max commutes with the monotone ReLU),
    // with the ReLU on a quarter of the values.
    layers.push(new Conv2d(channels, c, KERNEL, { seed: spec.seed * 1000 + 100 + i }), new MaxPool2d(2), new ReLU());
    channels = c;
  });
  layers.push(new Flatten());
  return channels * side * side;
}

/** `784-256-10 relu, dropout 0.2`, or `cnn 1×28×28 → conv5 8 → pool → conv5 16 → pool → 10`. */
export function describeModel(spec: ModelSpec): string {
  if (spec.kind === 'cnn') {
    const blocks = (spec.channels ?? []).map((c) => `conv${KERNEL}×${KERNEL} ${c}, pool 2`).join(' → ');
    const head = [...spec.hidden, spec.outputs].join('-');
    return `cnn ${SIDE}×${SIDE} → ${blocks} → ${head}${spec.dropout > 0 ? `, dropout ${spec.dropout}` : ''}`;
  }
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs].join('-');
  return `${sizes} ${spec.hidden.length > 0 ? spec.activation : 'linear'}${spec.dropout > 0 ? `, dropout ${spec.dropout}` : ''}`;
}
