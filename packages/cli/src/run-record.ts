/**
 * What `ad train` stores in a checkpoint's meta beside the weights and the optimizer state: the
 * full configuration (to rebuild the same model and the same data split), the per-epoch
 * history (for the learning curves) and the random generators' states (so a resumed run draws
 * the same batches, dropout masks and shifts as an uninterrupted one would).
 */
import { Generator } from '@ad/core';
import type { Checkpoint } from '@ad/nn';
import { existsSync, statSync } from 'node:fs';
import { load } from '@ad/nn/node';
import { ACTIVATIONS, DATASETS, LOSSES, MODELS, OPTIMIZERS, SCHEDULES, type DatasetName, type LossName, type OptimizerName, type Schedule } from './choices.js';
import { CommandError, UsageError } from './errors.js';
import type { ModelSpec } from './model.js';

export const RECORD_KIND = 'ad train';

export interface TrainConfig {
  data: DatasetName;
  seed: number;
  limit: number | null;
  test: number;
  model: ModelSpec;
  loss: LossName;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  batch: number;
  /** Total epochs of the run (a resumed run continues up to it). */
  epochs: number;
  shift: number;
  schedule: Schedule;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** A generator's state (plain numbers, JSON-safe). */
export type StoredState = number[];

export interface GeneratorStates {
  loader: StoredState;
  dropout: StoredState[];
  shift: StoredState;
}

export function storeState(g: Generator): StoredState {
  return g.state();
}

export function restoreState(s: StoredState): Generator {
  return Generator.fromState(s);
}

export interface RunRecord {
  kind: typeof RECORD_KIND;
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  history: EpochRecord[];
  generators: GeneratorStates;
}

/** Loads a checkpoint written by `ad train`; a missing, corrupt or foreign file is refused in one line. */
/** The checkpoint `ad train` writes for a data set unless told otherwise: named after it, so runs on different data never overwrite each other. */
export function defaultCheckpoint(data: DatasetName): string {
  return `${data}.safetensors`;
}

/**
 * The checkpoint `ad eval` and `ad summary` read when none is named: the newest of the files
 * `ad train` writes by default in this folder, so `ad train` then `ad eval` just works.
 */
export function latestCheckpoint(): string {
  const found = DATASETS.map(defaultCheckpoint)
    .filter((f) => existsSync(f) && statSync(f).isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (found.length === 0) {
    throw new UsageError(
      `no checkpoint named and none of ${DATASETS.map(defaultCheckpoint).join(', ')} is in this folder; pass --checkpoint <file> (ad train writes one)`,
    );
  }
  return found[0];
}

export function loadRun(path: string): { checkpoint: Checkpoint; run: RunRecord } {
  const checkpoint = load(path);
  const run = checkpoint.meta as Partial<RunRecord>;
  if (run.kind !== RECORD_KIND || !isConfig(run.config) || !Array.isArray(run.history) || typeof run.epoch !== 'number' || !isGenerators(run.generators)) {
    throw new CommandError(`${path} is an @ad/nn checkpoint but not one written by ad train (its meta has no training record), so its model cannot be rebuilt`);
  }
  return { checkpoint, run: run as RunRecord };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNums = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isState = (v: unknown): v is StoredState => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');

function isConfig(c: unknown): c is TrainConfig {
  if (typeof c !== 'object' || c === null) return false;
  const t = c as Record<string, unknown>;
  const m = t.model as Record<string, unknown> | undefined;
  return (
    (DATASETS as readonly unknown[]).includes(t.data) &&
    (LOSSES as readonly unknown[]).includes(t.loss) &&
    (OPTIMIZERS as readonly unknown[]).includes(t.optimizer) &&
    (SCHEDULES as readonly unknown[]).includes(t.schedule) &&
    [t.seed, t.test, t.lr, t.momentum, t.weightDecay, t.batch, t.epochs, t.shift].every(isNum) &&
    (t.limit === null || isNum(t.limit)) &&
    typeof m === 'object' &&
    m !== null &&
    [m.inputs, m.outputs, m.dropout, m.seed].every(isNum) &&
    isNums(m.hidden) &&
    (m.kind === undefined || (MODELS as readonly unknown[]).includes(m.kind)) &&
    (m.channels === undefined || isNums(m.channels)) &&
    (ACTIVATIONS as readonly unknown[]).includes(m.activation)
  );
}

function isGenerators(g: unknown): g is GeneratorStates {
  if (typeof g !== 'object' || g === null) return false;
  const s = g as Record<string, unknown>;
  return isState(s.loader) && isState(s.shift) && Array.isArray(s.dropout) && s.dropout.every(isState);
}
