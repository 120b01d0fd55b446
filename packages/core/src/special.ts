/**
 * Special functions on numbers that element-wise expressions call as `Special.erf(x)`: every
 * compiled kernel and scalar fast path has `Special` in scope beside `Math`.
 */

/**
 * erfc(z) to about 1e-15 relative. For |z| < 2.5 from the series
 * erf z = (2/√π)·e^(−z²)·Σₙ (2z²)ⁿ z/(1·3·…·(2n+1)), whose terms are all positive (no
 * cancellation); beyond, from the continued fraction
 * erfc z = (e^(−z²)/√π) / (z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), which converges fast there.
 */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  if (a < 2.5) return 1 - erfSeries(z);
  if (a > 27) return z > 0 ? 0 : 2;
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const tail = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return z > 0 ? tail : 2 - tail;
}

/** erf z, from the series near 0 (no cancellation in 1 − erfc there) and 1 − erfc beyond. */
export function erf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.abs(z) < 2.5 ? erfSeries(z) : 1 - erfc(z);
}

function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  const twoZ2 = 2 * z * z;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= twoZ2 / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

/** Φ(x) = erfc(−x/√2)/2, the standard normal distribution function. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** The special functions as expressions see them. */
export const Special = {
  /** erf z. */
  erf,
  /** erfc z = 1 − erf z, accurate where erf z is near 1. */
  erfc,
  /** Φ(x), the standard normal distribution function. */
  normalCdf,
} as const;
