/**
 * Recording state: which graphs record (`noGrad` freezes the graphs that exist when it is
 * entered), and the ambient tag that `variable()` gives leaves made outside any transform.
 * (Anomaly detection is core's.)
 */
import { DTypeError } from '@ad/core';
import { currentTag, newTag, tagOf } from '@ad/core/engine';

/** What records: read by the recording interpreter and the scalar fast paths. */
export const state = {
  /**
   * Graphs whose tag is at most this record nothing: `noGrad` sets it to the newest tag, so
   * the graphs in progress are frozen while a transform begun inside it (a newer tag) still
   * records its own graph — as `torch.func.grad` ignores an outer `torch.no_grad()`. 0: all record.
   */
  frozen: 0,
};

/** Whether the graph of `tag` records ops now. */
export function recordsFor(tag: number): boolean {
  return tag > state.frozen;
}

/**
 * Runs fn without recording: results computed from the graphs that exist now are constants,
 * as inside PyTorch's `torch.no_grad()`. Transforms called inside (`grad`, `jacrev`, …) still
 * differentiate their own function.
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new DTypeError('noGrad', `expected a function to run, got ${typeof fn}`);
  const before = state.frozen;
  state.frozen = currentTag();
  try {
    return fn();
  } finally {
    state.frozen = before;
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
