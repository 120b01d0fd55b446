/**
 * The compiled pass run under a buffer plan (core's BufferPlan): its arrays — the c tangents of
 * f's output and every intermediate the program stores — are allocated on the first run after
 * a trace and handed out again to each later run, instead of tens of megabytes of fresh arrays
 * per call for the garbage collector (ba1: 14 tangents of 95,529 and their pieces). Safe here
 * because decompression reads the pass's results into arrays of its own before the next run.
 *
 * Only for a compile function whose result reports its traces as jit's does (`stats.traces`):
 * a run that traced may have made the program's constants in the plan's arrays, so the plan is
 * dropped after it (as @ad/nn's compileStep does). Any other compiled function runs as it is.
 */
import { BufferPlan } from '@ad/core/engine';

/** `compiled` under a buffer plan when it reports its traces; otherwise `compiled` itself. */
export function planned<A, R>(compiled: (a: A) => R): (a: A) => R {
  const traces = (): unknown => (compiled as { stats?: { traces?: unknown } }).stats?.traces;
  if (typeof traces() !== 'number') return compiled;
  let plan = new BufferPlan();
  return (a) => {
    const before = traces();
    try {
      return plan.run(() => compiled(a));
    } finally {
      if (traces() !== before) plan = new BufferPlan();
    }
  };
}
