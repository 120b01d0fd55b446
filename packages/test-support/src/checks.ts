/** Checks the property tests share: when finite differences can be trusted, finite differences themselves, identical numbers. */
import { checkGradients, type Differentiable, type Tensor } from '@ad/core';

export interface Conditioning {
  /** Largest |value| seen. */
  maxAbs: number;
  /** All values finite. */
  finite: boolean;
  /** Smallest distance of a kink's argument from the kink (relu, abs, sign at 0; max/min and comparisons at ties). */
  margin: number;
}

/** True when finite differences are trustworthy at this point: no kink within reach, values moderate. */
export function fdSafe(c: Conditioning): boolean {
  return c.finite && c.margin > 1e-3 && c.maxAbs < 1e4;
}

/**
 * Finite differences through core's shared checker (J·v, ⟨Jᵀȳ, v⟩ and the identity between
 * them), accepted at the first of four step sizes that agrees: a wrong rule disagrees at all
 * of them, while rounding or curvature can spoil one step size at a badly scaled point.
 */
export function finiteDifferenceAgrees(name: string, target: Differentiable, xs: Tensor[]): void {
  let last: unknown;
  for (const eps of [1e-6, 1e-5, 1e-7, 1e-4]) {
    try {
      checkGradients(name, target, xs, { eps, directions: 2, rtol: 1e-5, atol: 1e-7, identityRtol: 1e-6 });
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/**
 * The same numbers, entry by entry (nested arrays): equal as IEEE numbers, so 0 and −0 count as
 * equal (a zero tangent's sign depends on how many zero terms were summed) and NaN equals NaN.
 */
export function expectSameNumbers(what: string, got: unknown, want: unknown, path = ''): void {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) throw new Error(`${what}${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    want.forEach((w, i) => expectSameNumbers(what, got[i], w, `${path}[${i}]`));
    return;
  }
  const same = got === want || (Number.isNaN(got) && Number.isNaN(want));
  if (!same) throw new Error(`${what}${path}: got ${String(got)}, want ${String(want)} (must be identical)`);
}
