/**
 * `ad summary`: rebuilds a checkpoint's model from its training record, loads the weights and
 * prints its layers with their output shapes for an input and their parameter counts.
 */
import { summary } from '@ad/nn';
import type { Streams } from './streams.js';
import { buildModel, describeModel } from './model.js';
import { latestCheckpoint, loadRun } from './run-record.js';

export interface SummaryFlags {
  /** The checkpoint; default: the newest one `ad train` wrote here. */
  checkpoint?: string;
  input?: number[];
}

export async function summarize(flags: SummaryFlags, io: Streams): Promise<void> {
  const path = flags.checkpoint ?? latestCheckpoint();
  const { checkpoint, run } = loadRun(path);
  const spec = run.config.model;
  const { model } = buildModel(spec);
  model.loadStateDict(checkpoint.model);
  const print = (line: string) => io.stdout.write(`${line}\n`);
  print(`${path}: ${run.config.data}, ${describeModel(spec)}, trained ${run.epoch} epoch${run.epoch === 1 ? '' : 's'}`);
  print(summary(model, flags.input ?? [1, spec.inputs]).text);
}
