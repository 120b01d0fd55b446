/**
 * Anomaly detection, shared by every mode: when on, each op checks the values it produces (and
 * reverse mode each adjoint) for NaN and ±∞, and the first op that turns finite inputs into a
 * non-finite result throws, naming the op, the pass and the step (how many ops ran since
 * detection was turned on). Off by default: the checks read every element.
 */
import { AdError, DTypeError } from './errors.js';
import { Tensor } from './tensor.js';

export class AnomalyError extends AdError {
  /** The pass the anomaly appeared in. */
  readonly pass: 'forward' | 'tangent' | 'backward';
  /** Ops evaluated since anomaly detection was turned on when it appeared. */
  readonly step: number;

  constructor(op: string, pass: 'forward' | 'tangent' | 'backward', step: number, detail: string) {
    super(op, `produced ${detail} in the ${pass} pass at step ${step}`);
    this.pass = pass;
    this.step = step;
  }
}

const anomaly = { on: false, step: 0 };

/** The live switch, for generated fast paths that test it on every op (a property read, not a call). */
export const anomalyState: { readonly on: boolean } = anomaly;

/** Whether anomaly detection is on. */
export function anomalyDetection(): boolean {
  return anomaly.on;
}

/** Turns anomaly detection on or off for everything that follows (and restarts the step count). */
export function setAnomalyDetection(on: boolean): void {
  if (typeof on !== 'boolean') throw new DTypeError('setAnomalyDetection', `expected true or false, got ${typeof on} ${String(on)}`);
  anomaly.on = on;
  anomaly.step = 0;
}

/** Runs fn with anomaly detection on. */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new DTypeError('detectAnomaly', `expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const before = anomaly.on;
  const step = anomaly.step;
  setAnomalyDetection(true);
  try {
    return fn();
  } finally {
    anomaly.on = before;
    anomaly.step = step;
  }
}

/** Counts one op evaluation; returns its step number. */
export function anomalyStep(): number {
  return ++anomaly.step;
}

/** True if a value (a number, a tensor, or any mode's value wrapping one) holds NaN or ±∞. */
export function hasNonFinite(x: unknown): boolean {
  if (x === null || x === undefined) return false;
  if (typeof x === 'number') return !Number.isFinite(x);
  if (x instanceof Tensor) {
    const d = x.toFloat64Array();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return true;
    return false;
  }
  if (typeof x === 'object' && 'value' in x) return hasNonFinite((x as { value: unknown }).value);
  return false;
}

/**
 * Throws an AnomalyError if `out` is non-finite while all `inputs` are finite. Each forward
 * evaluation and each backward step counts one step; a tangent belongs to its op's step.
 */
export function checkAnomaly(op: string, pass: 'forward' | 'tangent' | 'backward', inputs: readonly unknown[], out: unknown): void {
  const step = pass === 'tangent' ? anomaly.step : anomalyStep();
  if (hasNonFinite(out) && !inputs.some(hasNonFinite)) {
    throw new AnomalyError(op, pass, step, 'a non-finite value (NaN or ±∞) from finite inputs');
  }
}
