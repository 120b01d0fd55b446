/**
 * Recording state: whether ops are recorded (off inside noGrad), anomaly detection, and the
 * ambient tag that `variable()` gives leaves made outside any transform.
 */
import { AdError, newTag, tagOf } from '@ad/core';

export const state = {
  /** Ops record graph nodes only while this is true. */
  recording: true,
  /** When true, every op checks its value and every backward step its adjoints for NaN/±∞. */
  anomaly: false,
};

/** Runs fn without recording: results are constants, as inside PyTorch's `torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  const before = state.recording;
  state.recording = false;
  try {
    return fn();
  } finally {
    state.recording = before;
  }
}

/** Runs fn with anomaly detection on: the first op whose value or adjoint is NaN/±∞ throws. */
export function detectAnomaly<T>(fn: () => T): T {
  const before = state.anomaly;
  state.anomaly = true;
  try {
    return fn();
  } finally {
    state.anomaly = before;
  }
}

/** Turns anomaly detection on or off for everything that follows. */
export function setAnomalyDetection(on: boolean): void {
  state.anomaly = on;
}

/** The first op that produced a NaN or ±∞, in the forward or the backward pass. */
export class AnomalyError extends AdError {}

let ambient = 0;

/**
 * The tag of leaves made by `variable()` outside transforms: one shared graph, as in PyTorch.
 * A value from an enclosing derivative (a dual) needs a later tag, so the ambient tag moves on.
 */
export function ambientTag(value: unknown): number {
  if (ambient === 0 || tagOf(value) >= ambient) ambient = newTag();
  return ambient;
}
