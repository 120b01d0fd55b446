/** Wall-clock cost of a call, measured honestly enough for a comparison table. */

/**
 * Runs fn once to warm it up, then repeatedly until `budgetMs` has passed (at least `minRuns`
 * times, at most `maxRuns`), and returns the median time of one call in milliseconds.
 */
export function medianTime(fn: () => unknown, budgetMs = 30, minRuns = 3, maxRuns = 50): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (times.length < maxRuns && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
