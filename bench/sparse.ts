/**
 * `pnpm bench sparse`: sparse Jacobians and Hessians by compressed seeds (@ad/sparse) beside the
 * dense transforms of the same functions, in one process, interleaved rounds, medians.
 *
 *   1. The Jacobian of a tridiagonal map on n = 10,000 inputs, pattern given: `prepareJacobian`
 *      once (coloring: 3 colors), then `.jacobian(x)` — one forward pass of width 3 — against
 *      dense `jacfwd` (⌈n/12⌉ = 834 passes of width 12), at a tensor and at an array of numbers;
 *      and prepared with `{ compile: jit }` (the compressed pass compiled, decompression outside). The first call (coloring + plan + one evaluation) is timed
 *      alone, and once more with no pattern given (detection by tracing first).
 *   2. The Hessian of a sum of local terms on n = 2,000 inputs (tridiagonal, 3 star colors):
 *      `prepareHessian(...).hessian(x)` — one forward-over-reverse pass of width 3 — against
 *      @ad/reverse's dense `hessian` (forward-over-reverse, n/12 passes), run ONCE (tens of seconds);
 *      and prepared with `{ compile: jit }` (its trace timed alone).
 *   3. The Jacobian of GradBench's smallest ba input (ba1: 49 cameras, 7,776 points, 31,843
 *      observations; 95,529 × 55,710) over a tensor function of all parameters, its pattern
 *      detected by tracing (14 colors: detection drops two structural zeros per observation), against the hand-structured Jacobian of
 *      bench/gradbench (issue 21: reverse mode over gathered columns, jitted), and its entries
 *      against the eval's reference values (bench/gradbench/test/fixtures/ba.jsonl).
 *
 * Every sparse result is checked against the dense one (or the reference) before timing.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type Tensor, concat, fromData, indexSelect, stack, tensor } from '@ad/core';
import { type DualTensor, jacfwd } from '@ad/forward';
import { jit } from '@ad/jit';
import { type TensorVar, hessian } from '@ad/reverse';
import { type SparsityPattern, jacobianPattern, prepareHessian, prepareJacobian } from '@ad/sparse';
import { localSum, localSumTensor, point, tridiagonal, tridiagonalTensor } from '@ad/test-support/sparse-functions';
import { banded, bundleAdjustment as baPattern } from '@ad/test-support/sparse-patterns';
import { printTable, timeOnce } from './_timing.js';
import { type BaData, ba, reprojection, weightError } from './gradbench/src/ba.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const N = Number(process.env.SPARSE_N ?? 10_000);
const NH = Number(process.env.SPARSE_NH ?? 2_000);

type T = Tensor;

/** The largest of many numbers (no spread: a million arguments overflow the stack). */
const maxOf = (xs: Iterable<number>) => {
  let m = 0;
  for (const v of xs) m = Math.max(m, v);
  return m;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (s: number) => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(0)} µs`);

/** The largest |sparse − dense| over the pattern's entries, and the largest dense entry outside it. */
function agreement(values: Float64Array, pattern: SparsityPattern, entry: (i: number, j: number) => number): { inside: number; outside: number } {
  let inside = 0;
  const rows = pattern.rowIndex();
  for (let e = 0; e < values.length; e++) inside = Math.max(inside, Math.abs(values[e] - entry(rows[e], pattern.colIndex[e])));
  let outside = 0;
  const [m, n] = pattern.shape;
  // Outside the band only a sample: the pattern's neighbourhood and a stride through the rest.
  for (let i = 0; i < m; i += Math.max(1, Math.floor(m / 200))) {
    for (let j = 0; j < n; j += Math.max(1, Math.floor(n / 200))) if (!pattern.has(i, j)) outside = Math.max(outside, Math.abs(entry(i, j)));
  }
  return { inside, outside };
}

const rows: string[][] = [];

function tridiagonalJacobian(): void {
  const pattern = banded(N, 1);
  const xs = point(N, 1);
  const xt = tensor(xs);
  let t0 = performance.now();
  const preparedT = prepareJacobian(tridiagonalTensor as never, xt, { pattern, mode: 'forward' });
  const first = preparedT.jacobian(xt);
  const firstCall = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const preparedA = prepareJacobian(tridiagonal as never, xs, { pattern, mode: 'forward' });
  preparedA.jacobian(xs);
  const firstCallA = (performance.now() - t0) / 1000;
  const compiledT = prepareJacobian(tridiagonalTensor as never, xt, { pattern, mode: 'forward', compile: jit });
  // No pattern given: detection (one traced pass) + coloring + plan + one pass.
  t0 = performance.now();
  const detected = prepareJacobian(tridiagonalTensor as never, xt);
  detected.jacobian(xt);
  const detectedCall = (performance.now() - t0) / 1000;
  t0 = performance.now();
  jacobianPattern(tridiagonalTensor as never, xt);
  const detectOnly = (performance.now() - t0) / 1000;
  if (detected.pattern.nnz !== pattern.nnz || detected.seeds !== 3) throw new Error('tridiagonal: detection did not find the band');

  const denseT = jacfwd(tridiagonalTensor as unknown as (x: DualTensor) => DualTensor);
  const denseA = jacfwd(tridiagonal as never);
  const JT = denseT(xt).toFloat64Array();
  const a = agreement(first.values, pattern, (i, j) => JT[i * N + j]);
  const jitGap = maxOf(Array.from(compiledT.jacobian(xt).values, (v, e) => Math.abs(v - first.values[e])));
  console.log(
    `tridiagonal n = ${N}: ${preparedT.seeds} colors; sparse vs jacfwd (tensor): max |Δ| ${a.inside.toExponential(1)} on the pattern, max |J| ${a.outside} off it (sampled); jit vs eager max |Δ| ${jitGap.toExponential(1)}`,
  );

  const times: Record<string, number[]> = { sparseT: [], jitT: [], sparseA: [], denseT: [], denseA: [] };
  for (let r = 0; r < ROUNDS; r++) {
    times.sparseT.push(timeOnce(() => preparedT.jacobian(xt)));
    times.jitT.push(timeOnce(() => compiledT.jacobian(xt)));
    times.sparseA.push(timeOnce(() => preparedA.jacobian(xs)));
    if (r < 3) {
      times.denseT.push(timeOnce(() => denseT(xt)));
      times.denseA.push(timeOnce(() => denseA(xs)));
    }
  }
  const dT = median(times.denseT);
  const dA = median(times.denseA);
  rows.push(
    [
      `tridiagonal J, n = ${N}, tensor`,
      'jacfwd (834 passes × 12)',
      ms(dT),
      'sparse, prepared (1 pass × 3)',
      ms(median(times.sparseT)),
      `${(dT / median(times.sparseT)).toFixed(0)}×`,
    ],
    [`tridiagonal J, n = ${N}, tensor`, 'jacfwd', ms(dT), 'prepared with { compile: jit }', ms(median(times.jitT)), `${(dT / median(times.jitT)).toFixed(0)}×`],
    [`tridiagonal J, n = ${N}, tensor`, 'jacfwd', ms(dT), 'first call: coloring + plan + 1 pass', ms(firstCall), `${(dT / firstCall).toFixed(0)}×`],
    [
      `tridiagonal J, n = ${N}, tensor`,
      'jacfwd',
      ms(dT),
      `first call, no pattern given: detection (${ms(detectOnly)}) + coloring + plan + 1 pass`,
      ms(detectedCall),
      `${(dT / detectedCall).toFixed(0)}×`,
    ],
    [
      `tridiagonal J, n = ${N}, number[]`,
      'jacfwd (834 passes × 12)',
      ms(dA),
      'sparse, prepared (1 pass × 3)',
      ms(median(times.sparseA)),
      `${(dA / median(times.sparseA)).toFixed(0)}×`,
    ],
    [`tridiagonal J, n = ${N}, number[]`, 'jacfwd', ms(dA), 'first call: coloring + plan + 1 pass', ms(firstCallA), `${(dA / firstCallA).toFixed(0)}×`],
  );
}

function localHessian(): void {
  const pattern = banded(NH, 1);
  const x = point(NH, 2);
  let t0 = performance.now();
  const prepared = prepareHessian(localSum as never, x, { pattern });
  const first = prepared.hessian(x);
  const firstCall = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const H = hessian(localSum as never)(x) as number[][];
  const dense = (performance.now() - t0) / 1000;
  const a = agreement(first.values, pattern, (i, j) => H[i][j]);
  console.log(
    `local sum n = ${NH}: ${prepared.seeds} star colors; sparse vs dense hessian: max |Δ| ${a.inside.toExponential(1)} on the pattern, max |H| ${a.outside} off it (sampled)`,
  );
  const traced = performance.now();
  const compiled = prepareHessian(localSum as never, x, { pattern, compile: jit });
  const jitGap = maxOf(Array.from(compiled.hessian(x).values, (v, e) => Math.abs(v - first.values[e]) / (1 + Math.abs(first.values[e]))));
  const trace = (performance.now() - traced) / 1000;
  console.log(`local sum: { compile: jit } prepared, traced and compiled in ${ms(trace)}; vs eager max relative |Δ| ${jitGap.toExponential(1)}`);
  // The same sum over a tensor: its dense Hessian once, and the prepared sparse one.
  const xt = tensor(x);
  t0 = performance.now();
  const Ht = hessian(localSumTensor as unknown as (x: TensorVar) => TensorVar)(xt).toFloat64Array();
  const denseT = (performance.now() - t0) / 1000;
  const preparedT = prepareHessian(localSumTensor as never, xt, { pattern });
  const b = agreement(preparedT.hessian(xt).values, pattern, (i, j) => Ht[i * NH + j]);
  console.log(`local sum over a tensor: sparse vs dense hessian: max |Δ| ${b.inside.toExponential(1)} on the pattern, max |H| ${b.outside} off it (sampled)`);
  const sparse: number[] = [];
  const jitted: number[] = [];
  const sparseT: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    sparse.push(timeOnce(() => prepared.hessian(x)));
    jitted.push(timeOnce(() => compiled.hessian(x)));
    sparseT.push(timeOnce(() => preparedT.hessian(xt)));
  }
  rows.push(
    [
      `local-sum H, n = ${NH}, number[]`,
      'reverse hessian (fwd-over-rev, run once)',
      ms(dense),
      'sparse, prepared (1 pass × 3)',
      ms(median(sparse)),
      `${(dense / median(sparse)).toFixed(0)}×`,
    ],
    [
      `local-sum H, n = ${NH}, number[]`,
      'reverse hessian',
      ms(dense),
      'prepared with { compile: jit }',
      ms(median(jitted)),
      `${(dense / median(jitted)).toFixed(0)}×`,
    ],
    [
      `local-sum H, n = ${NH}, tensor`,
      'reverse hessian (run once)',
      ms(denseT),
      'sparse, prepared (1 pass × 3)',
      ms(median(sparseT)),
      `${(denseT / median(sparseT)).toFixed(0)}×`,
    ],
    [
      `local-sum H, n = ${NH}, number[]`,
      'reverse hessian',
      ms(dense),
      'first call: coloring + plan + 1 pass',
      ms(firstCall),
      `${(dense / firstCall).toFixed(0)}×`,
    ],
  );
}

function bundleAdjustment(): void {
  const fixture = readFileSync(new URL('./gradbench/test/fixtures/ba.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const message = fixture.find((l) => l.message.function === 'jacobian').message;
  const reference = fixture.find((l) => l.message.function === 'jacobian').response.output as { rows: number[]; cols: number[]; vals: number[] };
  const input = message.input as BaData;
  const { n, m, p } = input;
  const weightBase = 11 * n + 3 * m;
  const params = new Float64Array(weightBase + p);
  for (let i = 0; i < n; i++) params.set(input.cam, 11 * i);
  for (let i = 0; i < m; i++) params.set(input.x, 11 * n + 3 * i);
  params.fill(input.w, weightBase);
  const camIdx = fromData(
    Float64Array.from({ length: p }, (_, i) => i % n),
    [p],
  );
  const ptIdx = fromData(
    Float64Array.from({ length: p }, (_, i) => i % m),
    [p],
  );
  const feat = [fromData(new Float64Array(p).fill(input.feat[0]), [p]), fromData(new Float64Array(p).fill(input.feat[1]), [p])];
  /** All residuals [e₀(0), e₁(0), e₀(1), …, ω] of all parameters [cameras, points, weights]. */
  const residuals = (x: T): T => {
    const cams = indexSelect(x.slice([0, 11 * n]).reshape([n, 11]), 0, camIdx);
    const X = indexSelect(x.slice([11 * n, weightBase]).reshape([m, 3]), 0, ptIdx);
    const w = x.slice([weightBase, weightBase + p]);
    const [e0, e1] = reprojection(
      Array.from({ length: 11 }, (_, j) => cams.slice(null, j)),
      Array.from({ length: 3 }, (_, j) => X.slice(null, j)),
      w,
      feat,
    );
    return concat([stack([e0, e1], 1).reshape([2 * p]), weightError(w)], 0);
  };
  const x = fromData(params, [params.length]);
  // The pattern detected automatically, by tracing the residuals once (no structure given).
  const t0 = performance.now();
  const pattern = jacobianPattern(residuals as never, x);
  const detectMs = performance.now() - t0;
  const prepared = prepareJacobian(residuals as never, x, { pattern });
  const first = prepared.jacobian(x);
  const firstCall = (performance.now() - t0) / 1000;
  // Against the eval's structure: every detected entry is in it; the ones it has beyond are zero at every x.
  const byHand = baPattern(n, m, p);
  let missing = 0;
  for (let i = 0; i < pattern.shape[0]; i++) for (const j of pattern.row(i)) if (!byHand.has(i, j)) missing++;
  // The eval compares the first 30 entries of its CSR (rows 0 and 1) and the last (upstream's to_json):
  // each is read from ours at its (row, col), 0 where detection found the entry structurally zero.
  const at = (i: number, j: number) => {
    const e = Array.from(pattern.row(i)).indexOf(j);
    return e < 0 ? 0 : first.values[pattern.rowPtr[i] + e];
  };
  const refRow = (k: number) => (k < reference.rows[1] ? 0 : 1);
  const refVals = reference.vals.slice(0, 30).map((v, k) => [v, at(refRow(k), reference.cols[k])]);
  refVals.push([reference.vals[30], at(pattern.shape[0] - 1, reference.cols[30])]);
  const valsGap = maxOf(refVals.map(([v, ours]) => Math.abs(ours - v) / (1 + Math.abs(v))));
  console.log(
    `ba1 (n ${n}, m ${m}, p ${p}): pattern detected in ${ms(detectMs / 1000)} (${pattern.nnz} entries; the eval's structure ${byHand.nnz}, ${missing} detected outside it); ` +
      `${prepared.mode}, ${prepared.seeds} colors; the reference's entries (rows 0, 1 and the last) max relative gap ${valsGap.toExponential(1)}`,
  );
  if (missing > 0 || !(valsGap < 1e-10)) throw new Error('ba1: the detected sparse Jacobian does not match the eval');
  const compiled = prepareJacobian(residuals as never, x, { pattern, compile: jit });
  const jitGap = maxOf(Array.from(compiled.jacobian(x).values, (v, e) => Math.abs(v - first.values[e]) / (1 + Math.abs(first.values[e]))));
  console.log(`ba1: { compile: jit } vs eager max relative |Δ| ${jitGap.toExponential(1)}`);

  const hand = () => ba.jacobian({ ...input, min_runs: 1, min_seconds: 0 }).timings[0].nanoseconds / 1e9;
  hand(); // the hand-structured program's one trace
  const times: Record<string, number[]> = { sparse: [], jit: [], hand: [] };
  for (let r = 0; r < ROUNDS; r++) {
    times.hand.push(hand());
    times.sparse.push(timeOnce(() => prepared.jacobian(x)));
    times.jit.push(timeOnce(() => compiled.jacobian(x)));
  }
  const h = median(times.hand);
  rows.push(
    [
      'ba1 J (95,529 × 55,710)',
      'hand-structured (issue 21, jitted)',
      ms(h),
      `sparse, pattern detected, prepared (1 pass × ${prepared.seeds})`,
      ms(median(times.sparse)),
      `${(h / median(times.sparse)).toFixed(2)}×`,
    ],
    ['ba1 J', 'hand-structured', ms(h), 'prepared with { compile: jit }', ms(median(times.jit)), `${(h / median(times.jit)).toFixed(2)}×`],
    ['ba1 J', 'hand-structured', ms(h), 'first call: detection + coloring + plan + 1 pass', ms(firstCall), `${(h / firstCall).toFixed(2)}×`],
  );
}

const parts = (process.env.SPARSE_PARTS ?? 'jacobian,hessian,ba').split(',');
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${ROUNDS} rounds, medians`,
);
if (parts.includes('jacobian')) tridiagonalJacobian();
if (parts.includes('hessian')) localHessian();
if (parts.includes('ba')) bundleAdjustment();
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
printTable(['problem', 'dense / reference', 'time', 'sparse', 'time', 'speed-up'], rows);
