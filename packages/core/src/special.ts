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

/** Entries per octave of the exp table: exp x = 2^(k/N)·e^r with k = round(x·N/ln 2). */
const EXP_N = 128;
/** 2^(j/N), j = 0 … N − 1, each rounded once (the WebAssembly exp kernel gets a copy). */
export const EXP_TABLE = Float64Array.from({ length: EXP_N }, (_, j) => 2 ** (j / EXP_N));
/** 2^e for e = −1022 … 1023 at index e + 1024: the exact scale of a normal result. */
const POW2 = Float64Array.from({ length: 2048 }, (_, i) => (i >= 2 ? 2 ** (i - 1024) : 0));
const EXP_INV = EXP_N / Math.LN2;
/** ln 2 / N in two parts: the high part has 32 trailing zero bits, so k·HI is exact for |k| < 2²⁰. */
const EXP_HI = 0.6931471803691238 / EXP_N;
const EXP_LO = 1.9082149292705877e-10 / EXP_N;
/** 1.5·2⁵²: adding and subtracting it rounds a double of magnitude < 2⁵¹ to an integer. */
const ROUND = 6755399441055744;

/**
 * e^x within 2 ulp of `Math.exp` (3·10⁶ random x; equal to it for 80 %), about twice as fast in
 * V8's optimised loops (a call into its C library there, this function inlined): the exp op's
 * kernel, and so every loop that computes exp, the jit's fused ones included. With
 * k = round(x·N/ln 2) and r = x − k·ln 2/N (|r| ≤ ln 2/2N ≈ 0.0027, reduced in two parts so
 * that r is accurate), e^x = 2^⌊k/N⌋ · 2^((k mod N)/N) · e^r, where the middle factor is a
 * table entry and e^r − 1 a degree-5 Taylor polynomial (its error r⁶/720 < 10⁻¹⁸). Outside
 * |x| ≤ 708, where the result is not a normal number or not finite (and for NaN), it is
 * `Math.exp(x)`.
 */
export function exp(x: number): number {
  if (!(Math.abs(x) <= 708)) return Math.exp(x);
  const kd = x * EXP_INV + ROUND - ROUND;
  const r = x - kd * EXP_HI - kd * EXP_LO;
  const k = kd | 0;
  const t = EXP_TABLE[k & (EXP_N - 1)];
  const p = r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return (t + t * p) * POW2[((k >> 7) + 1024) & 2047];
}

/** The special functions as expressions see them. */
export const Special = {
  /** e^x (see exp above): the exp op's kernel. */
  exp,
  /** erf z. */
  erf,
  /** erfc z = 1 − erf z, accurate where erf z is near 1. */
  erfc,
  /** Φ(x), the standard normal distribution function. */
  normalCdf,
} as const;
