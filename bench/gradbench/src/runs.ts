/**
 * The repetition every eval but hello asks for: run until at least `min_runs` runs AND at least
 * `min_seconds` of measured time, one `evaluate` timing per run (as upstream's `multipleRuns`).
 * `prepare` turns the JSON input into tensors and returns the computation; only the computation
 * is timed, and only the last run's result is converted back to JSON by `post`.
 */
export interface Runs {
  min_runs: number;
  min_seconds: number;
}

export interface Timing {
  name: string;
  nanoseconds: number;
}

export interface Evaluated {
  output: unknown;
  timings: Timing[];
}

/** What an eval module exports: one function per eval function, JSON input to output and timings. */
export type EvalFunction = (input: unknown) => Evaluated;
export type EvalModule = Readonly<Record<string, EvalFunction>>;

export function multipleRuns<I extends Runs, R>(prepare: (input: I) => () => R, post: (result: R) => unknown): EvalFunction {
  return (input) => timed(prepare(input as I), (input as I).min_runs, (input as I).min_seconds, post);
}

/** One timed run, for hello, whose input is a bare number without `min_runs`/`min_seconds`. */
export function once<I, R>(prepare: (input: I) => () => R, post: (result: R) => unknown): EvalFunction {
  return (input) => timed(prepare(input as I), 1, 0, post);
}

function timed<R>(compute: () => R, minRuns: number, minSeconds: number, post: (result: R) => unknown): Evaluated {
  const timings: Timing[] = [];
  let total = 0;
  let result: R;
  do {
    const start = process.hrtime.bigint();
    result = compute();
    const nanoseconds = Number(process.hrtime.bigint() - start);
    timings.push({ name: 'evaluate', nanoseconds });
    total += nanoseconds;
  } while (timings.length < minRuns || total < minSeconds * 1e9);
  return { output: post(result), timings };
}
