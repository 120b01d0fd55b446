/** How numbers, durations and counts are printed: short, aligned, and exact where it matters. */

/** A number in at most `digits` significant digits; integers as written, tiny values in exponent form. */
export function num(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return x.toExponential(Math.max(0, digits - 3));
  // toPrecision then Number drops trailing zeros (0.5000 → 0.5).
  return String(Number(x.toPrecision(digits)));
}

/** A difference or error, always in exponent form so magnitudes line up (0 stays 0). */
export function err(x: number): string {
  return x === 0 ? '0' : x.toExponential(1);
}

/** A fraction as a percentage with two decimals. */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Seconds or milliseconds, whichever reads better. */
export function duration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * An integer with thousands separators (101,770). Not toLocaleString: its first call loads the
 * locale data, 50–65 ms of every command's start on this machine.
 */
export function count(n: number): string {
  const r = Math.round(n);
  return Number.isSafeInteger(r) ? String(r).replace(/\B(?=(\d{3})+$)/g, ',') : r.toLocaleString('en-US');
}

/** A vector as `[1, 0]`. */
export function vector(xs: readonly number[], digits = 6): string {
  return `[${xs.map((x) => num(x, digits)).join(', ')}]`;
}

/** A matrix as rows of vectors: `[[6, -4]]`. */
export function matrix(rows: readonly (readonly number[])[], digits = 6): string {
  return `[${rows.map((r) => vector(r, digits)).join(', ')}]`;
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';

/** The unit vector's name in the seeds' notation: e₁, e₂, … (1-based, as in the literature). */
export function unitName(i: number): string {
  return `e${String(i + 1).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)])}`;
}
