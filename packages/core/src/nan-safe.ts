/**
 * NaN-safe forward mode, ForwardDiff.jl's NANSAFE_MODE: a zero tangent times a non-finite partial
 * is zero, not NaN. IEEE says 0·∞ = NaN, so by default a direction that does not move an input
 * still picks up NaN from an infinite partial (d(x/y)/dy at y = 0 along e₁ is −x/y²·0 = NaN, where
 * reverse mode gives the honest ±∞ for the entries that are infinite). Opt-in, as in ForwardDiff
 * and as PyTorch has no such mode: it costs a test per tangent and it hides 0·∞ everywhere.
 * It covers every element-wise op (the `elementwise` helper and the scalar fast paths).
 */
import { DTypeError } from './errors.js';

const nanSafe = { on: false };

/** The live switch, for fast paths that test it on every op (a property read, not a call). */
export const nanSafeState: { readonly on: boolean } = nanSafe;

/** Whether NaN-safe forward mode is on. */
export function nanSafeMode(): boolean {
  return nanSafe.on;
}

/** Turns NaN-safe forward mode on or off for everything that follows. */
export function setNanSafeMode(on: boolean): void {
  if (typeof on !== 'boolean') throw new DTypeError('setNanSafeMode', `expected true or false, got ${typeof on} ${String(on)}`);
  nanSafe.on = on;
}

/** Runs fn with NaN-safe forward mode on, then restores the previous setting. */
export function withNanSafeMode<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new DTypeError('withNanSafeMode', `expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const before = nanSafe.on;
  nanSafe.on = true;
  try {
    return fn();
  } finally {
    nanSafe.on = before;
  }
}
