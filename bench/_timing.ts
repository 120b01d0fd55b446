/** Timing helpers shared by the benchmarks: warm up, then best-of-trials per call. */

/** Seconds per call of `fn`: the best of `trials` runs, each at least `minSeconds` long. */
export function timePerCall(fn: () => void, { minSeconds = 0.2, trials = 3 } = {}): number {
  for (let i = 0; i < 3; i++) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= minSeconds / 4) {
      reps = Math.max(1, Math.ceil((reps * minSeconds) / dt));
      break;
    }
    reps *= 4;
  }
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

/** Prints rows as an aligned Markdown table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

/** Seconds per call, one trial: enough calls to fill ~0.2 s (one call when it takes longer). */
export function timeOnce(fn: () => unknown): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= 0.2) return dt / reps;
    reps *= 2;
  }
}
