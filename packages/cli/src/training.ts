/**
 * The training loop and the scores, PyTorch-style: zeroGrad, forward, loss, backward, step for
 * each mini-batch — compiled by @ad/nn's compileStep where it compiles (the same numbers, bit for
 * bit) — and evaluation in eval mode (dropout off) under noGrad, in slices so a large test set
 * never holds one huge activation.
 */
import { AdError, type Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import {
  bceWithLogits,
  compileStep,
  crossEntropy,
  oneHot,
  primalOf,
  type Batch,
  type CompiledStep,
  type DataLoader,
  type Dataset,
  type Module,
  type Optimizer,
  type TensorLike,
} from '@ad/nn';
import type { LossName } from './choices.js';

export type { LossName };

/**
 * The loss of logits [b, outputs] against class indices y [b]: cross-entropy (softmax over the
 * classes), or binary cross-entropy on the logits — against y itself for one output (two
 * classes), against one-hot targets for several (one-vs-rest).
 */
export function lossOf(loss: LossName, logits: TensorLike, y: Tensor, classes: number): TensorLike {
  if (loss === 'ce') return crossEntropy(logits, y);
  const outputs = (primalOf(logits) as Tensor).shape[1];
  return bceWithLogits(logits, outputs === 1 ? y.reshape([-1, 1]) : oneHot(y, classes));
}

/** The class each row of logits [b, outputs] predicts: the arg-max, or the sign for one output. */
export function predict(logits: Tensor): Int32Array {
  const [b, k] = logits.shape;
  const z = logits.toFloat64Array();
  const out = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    if (k === 1) {
      out[i] = z[i] > 0 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (z[i * k + j] > z[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

export interface Scores {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

/** Mean loss, accuracy and predictions on a data set, in eval mode, recording nothing. */
export function score(model: Module, ds: Dataset, loss: LossName, slice = 1000): Scores {
  const wasTraining = model.training;
  model.eval();
  try {
    const n = ds.x.shape[0];
    const predictions = new Int32Array(n);
    let total = 0;
    noGrad(() => {
      for (let start = 0; start < n; start += slice) {
        const end = Math.min(n, start + slice);
        const x = ds.x.slice([start, end]);
        const y = ds.y.slice([start, end]);
        const logits = model.forward(x);
        total += (primalOf(lossOf(loss, logits, y, ds.classes)) as Tensor).item() * (end - start);
        predictions.set(predict(primalOf(logits) as Tensor), start);
      }
    });
    const labels = ds.y.toFloat64Array();
    let correct = 0;
    for (let i = 0; i < n; i++) if (predictions[i] === labels[i]) correct++;
    return { loss: total / n, accuracy: correct / n, predictions };
  } finally {
    model.train(wasTraining);
  }
}

/** counts[t][p]: rows of true class t predicted as p. */
export function confusionMatrix(labels: Tensor, predictions: Int32Array, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const y = labels.toFloat64Array();
  for (let i = 0; i < y.length; i++) counts[y[i]][predictions[i]]++;
  return counts;
}

export interface EpochHooks {
  /** Called after each optimizer step (a learning-rate scheduler's step). */
  afterStep?: () => void;
  /** Each batch's inputs as trained (augmentation); by default its x. Reading only the batch's indices spares the loader's copy of its rows. */
  inputs?: (batch: Batch) => Tensor;
  /** Told each batch's loss after its step (the progress bar), with the 1-based count of batches done. */
  afterBatch?: (done: number, batchLoss: number) => void;
}

/** Each training's compiled step, by its optimizer: null where the model does not compile (its first step was refused); whether a step has run. */
const compiledSteps = new WeakMap<Optimizer, { step: CompiledStep | null; ran: boolean }>();

/**
 * One epoch over the loader. Returns the mean training loss over the epoch's rows (with
 * dropout active and augmented inputs, as trained). The steps run compiled (`compileStep`: the
 * eager loop's numbers with no array allocated per step) unless the model's first compiled step
 * was refused (a loss built from one-hot targets, which tracing cannot read): then eagerly.
 */
export function trainEpoch(model: Module, optimizer: Optimizer, loader: DataLoader, loss: LossName, classes: number, hooks: EpochHooks = {}): number {
  model.train();
  let compiled = compiledSteps.get(optimizer);
  if (compiled === undefined) {
    compiled = { step: compileStep(model, (logits, y) => lossOf(loss, logits, y, classes), optimizer), ran: false };
    compiledSteps.set(optimizer, compiled);
  }
  let total = 0;
  let rows = 0;
  let index = 0;
  for (const batch of loader) {
    const x = hooks.inputs === undefined ? batch.x : hooks.inputs(batch);
    let value: number | undefined;
    if (compiled.step !== null) {
      try {
        value = compiled.step(x, batch.y);
        compiled.ran = true;
      } catch (e) {
        // A refusal comes before any update; a model whose first step was refused trains eagerly from here on.
        if (!(e instanceof AdError) || compiled.ran) throw e;
        compiled.step = null;
      }
    }
    if (value === undefined) {
      optimizer.zeroGrad();
      const l = lossOf(loss, model.forward(x), batch.y, classes);
      (l as { backward(): unknown }).backward();
      optimizer.step();
      value = (primalOf(l) as Tensor).item();
    }
    hooks.afterStep?.();
    total += value * x.shape[0];
    rows += x.shape[0];
    hooks.afterBatch?.(++index, value);
  }
  return total / rows;
}
