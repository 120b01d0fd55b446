/**
 * `ad eval`: scores a checkpoint written by `ad train` on a data set — by default on the very
 * test rows its training held out (the split is rebuilt from the seed in the checkpoint) — and
 * prints the accuracy and the confusion matrix.
 */
import { Tensor } from '@ad/core';
import type { Dataset } from '@ad/nn';
import type { Split } from './choices.js';
import { defaultTest, prepareData, type DatasetName } from './datasets.js';
import { UsageError } from './errors.js';
import { count, percent } from './format.js';
import type { Streams } from './streams.js';
import { buildModel, describeModel } from './model.js';
import { latestCheckpoint, loadRun } from './run-record.js';
import { table } from './table.js';
import { confusionMatrix, score } from './training.js';

export interface EvalFlags {
  /** The checkpoint; default: the newest one `ad train` wrote here. */
  checkpoint?: string;
  data?: DatasetName;
  split?: Split;
}

export async function evaluateModel(flags: EvalFlags, io: Streams): Promise<void> {
  const path = flags.checkpoint ?? latestCheckpoint();
  const { checkpoint, run } = loadRun(path);
  const config = run.config;
  const dataName = flags.data ?? config.data;
  const same = dataName === config.data;
  const data = prepareData({
    data: dataName,
    seed: config.seed,
    limit: same ? (config.limit ?? undefined) : undefined,
    test: same ? config.test : defaultTest(dataName, undefined),
  });
  const spec = config.model;
  if (data.features !== spec.inputs) {
    throw new UsageError(`${path} takes ${spec.inputs} features per row, but ${dataName} has ${data.features}`);
  }
  const expectedOutputs = config.loss === 'bce' && data.classes === 2 ? 1 : data.classes;
  if (expectedOutputs !== spec.outputs) {
    throw new UsageError(`${path} predicts ${spec.outputs === 1 ? '2 classes (one logit)' : `${spec.outputs} classes`}, but ${dataName} has ${data.classes}`);
  }
  const { model } = buildModel(spec);
  model.loadStateDict(checkpoint.model);

  const split = flags.split ?? 'test';
  const ds: Dataset = split === 'test' ? data.test : split === 'train' ? data.train : concat(data.train, data.test);
  const s = score(model, ds, config.loss);
  const n = ds.x.shape[0];
  const correct = Math.round(s.accuracy * n);
  const print = (line: string) => io.stdout.write(`${line}\n`);
  print(`${path}: ${config.data}, ${describeModel(spec)}, trained ${run.epoch} epoch${run.epoch === 1 ? '' : 's'}`);
  print(
    `${dataName} ${split === 'all' ? 'all rows' : `${split} split`} (seed ${config.seed}): ${count(n)} rows · loss ${s.loss.toFixed(4)} · accuracy ${percent(s.accuracy)} (${count(correct)} / ${count(n)})`,
  );
  print('');
  print('confusion matrix (rows: true class, columns: predicted class)');
  const counts = confusionMatrix(ds.y, s.predictions, data.classes);
  const names = data.classNames;
  const rows = counts.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [names[t], ...row.map(String), String(total), total === 0 ? '—' : percent(row[t] / total)];
  });
  print(
    table(
      [
        { header: 'true \\ pred' },
        ...names.map((c) => ({ header: c, align: 'right' as const })),
        { header: 'rows', align: 'right' },
        { header: 'recall', align: 'right' },
      ],
      rows,
    ),
  );
}

/** Both parts of the split as one data set (rows of a, then rows of b). */
function concat(a: Dataset, b: Dataset): Dataset {
  const join = (p: Tensor, q: Tensor): Tensor => {
    const out = new Float64Array(p.size + q.size);
    out.set(p.toFloat64Array());
    out.set(q.toFloat64Array(), p.size);
    return Tensor.fromData(out, [p.shape[0] + q.shape[0], ...p.shape.slice(1)]);
  };
  return { ...a, x: join(a.x, b.x), y: join(a.y, b.y) };
}
