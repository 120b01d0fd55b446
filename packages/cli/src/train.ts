/**
 * `ad train`: trains an MLP on one of the data sets with the usual loop, showing a progress bar
 * per epoch and a line of scores after it, saving the checkpoint (atomically) and drawing the
 * learning curves. `--resume` continues a checkpoint: same model, data split, optimizer state
 * and random streams, up to `--epochs` in all.
 */
import { Generator } from '@ad/core';
import { AdamW, Adam, CosineAnnealingLR, DataLoader, SGD, type LRScheduler, type Module, type Optimizer } from '@ad/nn';
import { save } from '@ad/nn/node';
import { shiftedBatches } from './augment.js';
import { defaultTest, prepareData, type DatasetName } from './datasets.js';
import { UsageError } from './errors.js';
import { checkOutputPath, writeFileAtomic } from './files.js';
import { count, duration, num, percent } from './format.js';
import type { Streams } from './streams.js';
import { buildModel, describeModel, type Activation, type ModelKind } from './model.js';
import { learningCurvesSpec, renderSvg } from './plot.js';
import { CNN_PRESET, DEFAULT_MOMENTUM, PRESETS, type OptimizerName, type Schedule } from './presets.js';
import { epochBar } from './progress.js';
import { RECORD_KIND, defaultCheckpoint, loadRun, restoreState, storeState, type EpochRecord, type RunRecord, type TrainConfig } from './run-record.js';
import { score, trainEpoch, type LossName } from './training.js';

/** The flags as given; anything left out comes from the data set's preset (or the resumed run). */
export interface TrainFlags {
  data?: DatasetName;
  model?: ModelKind;
  channels?: number[];
  hidden?: number[];
  activation?: Activation;
  dropout?: number;
  loss?: LossName;
  optimizer?: OptimizerName;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  epochs?: number;
  batch?: number;
  seed?: number;
  limit?: number;
  test?: number;
  shift?: number;
  schedule?: Schedule;
  out?: string;
  /** A file, or false for --no-plot. */
  plot?: string | false;
  resume?: string;
}

/** A checkpoint is rewritten after an epoch only when this long has passed since the last one (and always at the end). */
const SAVE_INTERVAL_MS = 20_000;

export async function train(flags: TrainFlags, io: Streams): Promise<void> {
  const resumed = flags.resume === undefined ? null : loadRun(flags.resume);
  const config = resumed === null ? freshConfig(flags) : resumedConfig(flags, resumed.run, flags.resume!);
  // Named after the data set, so training on another one never overwrites this one's checkpoint.
  const out = flags.out ?? flags.resume ?? defaultCheckpoint(config.data);
  const plot = flags.plot === false ? null : (flags.plot ?? 'curves.svg');
  checkOutputPath('--out', out);
  if (plot !== null) checkOutputPath('--plot', plot);

  const data = prepareData({ data: config.data, seed: config.seed, limit: config.limit ?? undefined, test: config.test });
  const outputs = config.loss === 'bce' && data.classes === 2 ? 1 : data.classes;
  if (resumed === null) config.model = { ...config.model, inputs: data.features, outputs };
  const generators = resumed?.run.generators;
  const { model, dropoutGenerators } = buildModel(config.model, generators?.dropout.map(restoreState));
  const optimizer = makeOptimizer(config, model);
  if (resumed !== null) {
    if (resumed.checkpoint.optimizer === null) throw new UsageError(`${flags.resume} holds no optimizer state, so it cannot be resumed`);
    model.loadStateDict(resumed.checkpoint.model);
    optimizer.loadStateDict(resumed.checkpoint.optimizer);
  }
  const loaderGenerator = generators === undefined ? new Generator(config.seed * 1000 + 900) : restoreState(generators.loader);
  const shiftGenerator = generators === undefined ? new Generator(config.seed * 1000 + 901) : restoreState(generators.shift);
  const loader = new DataLoader(data.train, { batchSize: config.batch, shuffle: true, generator: loaderGenerator });
  const shifted = config.shift > 0 ? shiftedBatches(data.train.x, config.shift, shiftGenerator) : null;

  const history: EpochRecord[] = resumed === null ? [] : [...resumed.run.history];
  const first = (resumed?.run.epoch ?? 0) + 1;
  const print = (line: string) => io.stdout.write(`${line}\n`);
  print(header(config, data.train.x.shape[0], data.test.x.shape[0], model.parameterCount(), first));

  const totalSteps = config.epochs * loader.length;
  const scheduler = makeScheduler(config, optimizer, totalSteps, (first - 1) * loader.length);
  const runStart = performance.now();
  let lastSave = performance.now();
  let last: EpochRecord | undefined = history[history.length - 1];
  for (let epoch = first; epoch <= config.epochs; epoch++) {
    const start = performance.now();
    const bar = epochBar(io.stderr, epoch, config.epochs, loader.length);
    let trainLoss: number;
    try {
      trainLoss = trainEpoch(model, optimizer, loader, config.loss, data.classes, {
        afterStep: () => scheduler?.step(),
        inputs: shifted === null ? undefined : (batch) => shifted(batch.indices),
        afterBatch: (done, l) => bar.tick(done, l),
      });
    } finally {
      bar.stop();
    }
    const test = score(model, data.test, config.loss);
    last = { epoch, trainLoss, testLoss: test.loss, testAccuracy: test.accuracy, seconds: (performance.now() - start) / 1000 };
    history.push(last);
    print(epochLine(last, config.epochs));
    if (epoch === config.epochs || performance.now() - lastSave >= SAVE_INTERVAL_MS) {
      const run: RunRecord = {
        kind: RECORD_KIND,
        config,
        epoch,
        history,
        generators: { loader: storeState(loaderGenerator), shift: storeState(shiftGenerator), dropout: dropoutGenerators.map(storeState) },
      };
      save(model, out, { optimizer, meta: run as unknown as Record<string, unknown> });
      if (plot !== null) writeFileAtomic(plot, await renderSvg(learningCurvesSpec(curvesTitle(config), history)));
      lastSave = performance.now();
    }
  }
  const seconds = (performance.now() - runStart) / 1000;
  if (last === undefined) return;
  print(
    `saved ${out} (epoch ${last.epoch}, test accuracy ${percent(last.testAccuracy)})${plot === null ? '' : `; learning curves in ${plot}`}; ${seconds.toFixed(1)} s of training`,
  );
}

function freshConfig(flags: TrainFlags): TrainConfig {
  const data = flags.data ?? 'mnist';
  const kind = flags.model ?? 'mlp';
  if (kind === 'cnn' && data !== 'mnist') throw new UsageError(`--model cnn takes 28×28 images: mnist only, not ${data}`);
  if (kind !== 'cnn' && flags.channels !== undefined) throw new UsageError('--channels applies to --model cnn only');
  const preset = kind === 'cnn' ? CNN_PRESET : PRESETS[data];
  const shift = flags.shift ?? preset.shift;
  if (shift > 0 && data !== 'mnist') throw new UsageError(`--shift moves 28×28 images and applies to mnist only, not ${data}`);
  const optimizer = flags.optimizer ?? preset.optimizer;
  const seed = flags.seed ?? 0;
  return {
    data,
    seed,
    limit: flags.limit ?? null,
    test: flags.test ?? defaultTest(data, flags.limit),
    model: {
      ...(kind === 'cnn' ? { kind, channels: flags.channels ?? CNN_PRESET.channels } : {}),
      inputs: 0,
      outputs: 0,
      hidden: flags.hidden ?? preset.hidden,
      activation: flags.activation ?? preset.activation,
      dropout: flags.dropout ?? preset.dropout,
      seed,
    },
    loss: flags.loss ?? preset.loss,
    optimizer,
    lr: flags.lr ?? preset.lr,
    momentum: flags.momentum ?? (optimizer === 'sgd' ? DEFAULT_MOMENTUM : 0),
    weightDecay: flags.weightDecay ?? (optimizer === preset.optimizer ? preset.weightDecay : optimizer === 'adamw' ? 0.01 : 0),
    batch: flags.batch ?? preset.batch,
    epochs: flags.epochs ?? preset.epochs,
    shift,
    schedule: flags.schedule ?? preset.schedule,
  };
}

/** A resumed run keeps everything but its length: a flag that would change the model, data or optimizer is refused. */
function resumedConfig(flags: TrainFlags, run: RunRecord, path: string): TrainConfig {
  const c = run.config;
  const kept: [string, unknown, unknown][] = [
    ['--data', flags.data, c.data],
    ['--model', flags.model, c.model.kind ?? 'mlp'],
    ['--channels', flags.channels?.join(','), c.model.channels?.join(',')],
    ['--hidden', flags.hidden?.join(','), c.model.hidden.join(',')],
    ['--activation', flags.activation, c.model.activation],
    ['--dropout', flags.dropout, c.model.dropout],
    ['--loss', flags.loss, c.loss],
    ['--optimizer', flags.optimizer, c.optimizer],
    ['--lr', flags.lr, c.lr],
    ['--momentum', flags.momentum, c.momentum],
    ['--weight-decay', flags.weightDecay, c.weightDecay],
    ['--batch', flags.batch, c.batch],
    ['--seed', flags.seed, c.seed],
    ['--limit', flags.limit, c.limit ?? undefined],
    ['--test', flags.test, c.test],
    ['--shift', flags.shift, c.shift],
    ['--schedule', flags.schedule, c.schedule],
  ];
  for (const [flag, given, stored] of kept) {
    if (given !== undefined && given !== stored) {
      throw new UsageError(
        `${flag} ${String(given)} differs from ${path}, which was trained with ${String(stored ?? 'none')}; a resumed run keeps its model, data and optimizer (leave ${flag} out)`,
      );
    }
  }
  const epochs = flags.epochs ?? c.epochs;
  if (epochs <= run.epoch) {
    throw new UsageError(`${path} has already trained ${run.epoch} of ${c.epochs} epochs; give --epochs above ${run.epoch} to train further`);
  }
  return { ...c, epochs };
}

function makeOptimizer(config: TrainConfig, model: Module): Optimizer {
  const params = model.parameters();
  switch (config.optimizer) {
    case 'adam':
      return new Adam(params, { lr: config.lr, weightDecay: config.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: config.lr, weightDecay: config.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay });
  }
}

/**
 * The learning rate over the run: constant (no scheduler), or cosine-decayed from lr towards 0
 * over all steps, stepped after each optimizer step. A resumed run steps it to where it was.
 */
function makeScheduler(config: TrainConfig, optimizer: Optimizer, totalSteps: number, done: number): LRScheduler | null {
  if (config.schedule === 'constant') return null;
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: totalSteps, etaMin: 0 });
  for (let i = 0; i < done; i++) scheduler.step();
  return scheduler;
}

function header(config: TrainConfig, nTrain: number, nTest: number, parameters: number, first: number): string {
  const opt =
    config.optimizer === 'sgd'
      ? `SGD lr ${num(config.lr)} momentum ${config.momentum}`
      : `${config.optimizer === 'adam' ? 'Adam' : 'AdamW'} lr ${num(config.lr)}`;
  const parts = [
    `${config.data}: ${count(nTrain)} train / ${count(nTest)} test (seed ${config.seed})`,
    `${describeModel(config.model)} (${count(parameters)} parameters), ${config.loss === 'ce' ? 'cross-entropy' : 'binary cross-entropy'}`,
    `${opt}${config.weightDecay > 0 ? ` weight decay ${config.weightDecay}` : ''}${config.schedule === 'cosine' ? ' (cosine decay)' : ''}, batch ${config.batch}${config.shift > 0 ? `, random shifts ±${config.shift} px` : ''}`,
    first > 1 ? `resuming at epoch ${first} of ${config.epochs}` : `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`,
  ];
  return `ad train — ${parts.join(' · ')}`;
}

function epochLine(r: EpochRecord, epochs: number): string {
  const e = `${String(r.epoch).padStart(String(epochs).length)}/${epochs}`;
  return `epoch ${e}  train loss ${r.trainLoss.toFixed(4)}  test loss ${r.testLoss.toFixed(4)}  test acc ${percent(r.testAccuracy).padStart(7)}  ${duration(r.seconds * 1000)}`;
}

function curvesTitle(config: TrainConfig): string {
  return `ad train — ${config.data}, ${describeModel(config.model)}`;
}
