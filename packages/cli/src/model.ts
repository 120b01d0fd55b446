/**
 * The networks `ad train` builds: an MLP described by a small spec that is stored in the
 * checkpoint, so `ad eval` and `--resume` rebuild exactly the same layers (and so the same
 * PyTorch-style state-dict keys) before loading the weights.
 */
import { Generator } from '@ad/core';
import { Dropout, Linear, Sequential, Tanh, relu, type LayerFunction, type Module } from '@ad/nn';
import type { Activation } from './choices.js';

export type { Activation };

export interface ModelSpec {
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

/** `784-256-10 relu, dropout 0.2`. */
export function describeModel(spec: ModelSpec): string {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs].join('-');
  return `${sizes} ${spec.hidden.length > 0 ? spec.activation : 'linear'}${spec.dropout > 0 ? `, dropout ${spec.dropout}` : ''}`;
}
