/** What every checkpoint format shares: its error and what a loaded checkpoint holds (browser-clean). */
import { AdError } from '@ad/core';
import type { StateDict } from './module.js';
import type { OptimizerState } from './optim.js';

/** A checkpoint that cannot be read: missing, truncated, corrupted, or of another format. */
export class CheckpointError extends AdError {}

/** A loaded checkpoint: the model's state dict, the optimizer's state (or null), and metadata. */
export interface Checkpoint {
  model: StateDict;
  optimizer: OptimizerState | null;
  meta: Record<string, unknown>;
}
