/**
 * Recording state: whether ops are recorded (off inside noGrad), and the ambient tag that
 * `variable()` gives leaves made outside any transform. (Anomaly detection is core's.)
 */
import { DTypeError, newTag, tagOf } from '@ad/core';

/** Whether ops are being recorded (false inside noGrad). */
export const state = {
  /** Ops record graph nodes only while this is true. */
  recording: true,
};

/** Runs fn without recording: results are constants, as inside PyTorch's `torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new DTypeError('noGrad', `expected a function to run, got ${typeof fn}`);
  const before = state.recording;
  state.recording = false;
  try {
    return fn();
  } finally {
    state.recording = before;
  }
}

/** Taken when this module loads, so it is older than any transform's tag. */
let ambient = newTag();

/**
 * The tag of leaves made by `variable()` outside transforms: one shared graph, as in PyTorch.
 * A value from an enclosing derivative (a dual) needs a later tag, so the ambient tag moves on.
 */
export function ambientTag(value: unknown): number {
  if (tagOf(value) >= ambient) ambient = newTag();
  return ambient;
}
