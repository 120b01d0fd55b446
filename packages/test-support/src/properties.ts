/** How many cases each property test runs, and how to replay one: fast-check's parameters. */
import type fc from 'fast-check';

/**
 * fast-check parameters for a property: the seed comes from AD_PROPERTY_SEED when set (to
 * replay a failure; fast-check prints the seed and path of every failure), else a fresh one per
 * run; AD_PROPERTY_PATH replays one counterexample directly; AD_PROPERTY_SCALE multiplies the
 * number of runs (a longer soak on a developer machine).
 */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.AD_PROPERTY_SEED;
  const path = process.env.AD_PROPERTY_PATH;
  const scale = Number(process.env.AD_PROPERTY_SCALE ?? '1');
  const params: fc.Parameters<unknown> = {
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
    endOnFailure: false,
  };
  if (seed !== undefined && seed !== '') params.seed = Number(seed);
  if (path !== undefined && path !== '') params.path = path;
  return params;
}

/** Programs checked per CI run, by property (the test titles print them; their sum is asserted ≥ 10,000). */
export const RUNS = {
  coreOpsRandomShapes: 1500,
  coreKernels: 1000,
  forwardScalar: 2500,
  forwardSecondOrder: 400,
  reverseScalar: 2500,
  reverseSecondOrder: 400,
  reverseTensor: 1800,
  reverseTensorSecondOrder: 100,
} as const;
