/**
 * `pnpm bench forward`: what forward mode costs (issue 3).
 *
 * 1. f(x, y) = (x + y)(x − y), nanoseconds per evaluation on plain numbers, on `Dual`s of
 *    width 1 and on `Dual`s of width 2, 4, 8, and the cost of each extra seed direction,
 *    (t(k) − t(1)) / (k − 1). The input duals are made beforehand: the time is f's three ops
 *    (add, sub, mul) and the duals they return.
 * 2. The gradient of the 100-dimensional Rosenbrock function, written once and run on `Dual`
 *    (`jacfwd` with chunks of k directions: ⌈100/k⌉ passes) and on `Var` (`grad`: one forward
 *    and one backward pass). Every gradient is checked against the hand-derived one first.
 *
 * Times are the best of several trials after a warm-up (`timePerCall`); the Rosenbrock cases
 * are timed round-robin, best of the rounds. Every result feeds a checksum that is printed, so
 * V8 cannot drop the work. Targets are printed next to the measurements with ✓ or ✗.
 */
import { type Dual, dual, defaultChunk, jacfwd, newTag } from '@ad/forward';
import { grad } from '@ad/reverse';
import { printTable, timePerCall } from './_timing.js';

/** What the functions need of their values: methods that Dual and Var share. */
interface Num<T> {
  add(b: T | number): T;
  sub(b: T | number): T;
  mul(b: T | number): T;
  square(): T;
}

let checksum = 0;
const fmt = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const mark = (ok: boolean) => (ok ? '✓' : '✗');

// ---------------------------------------------------------------------------------------------
// 1. f(x, y) = (x + y)(x − y): the cost of a dual and of each extra direction
// ---------------------------------------------------------------------------------------------

const f = <T extends Num<T>>(x: T, y: T): T => x.add(y).mul(x.sub(y));

/** Many points, so that no evaluation can be folded into a constant. */
const POINTS = 1024;
const px = Float64Array.from({ length: POINTS }, (_, i) => 1 + (i % 97) / 97);
const py = Float64Array.from({ length: POINTS }, (_, i) => 0.5 + (i % 89) / 89);

/** ns per evaluation of `body` over all points. */
const nsPerPoint = (body: () => number) =>
  (timePerCall(() => {
    checksum += body();
  }) *
    1e9) /
  POINTS;

const plainNs = nsPerPoint(() => {
  let s = 0;
  for (let i = 0; i < POINTS; i++) s += (px[i] + py[i]) * (px[i] - py[i]);
  return s;
});

/** f on duals of width k: x seeded with e₁, y with e₂, further directions with other numbers. */
function dualNs(k: number): number {
  const tag = newTag();
  const xs = Array.from(px, (v) =>
    dual(
      v,
      Array.from({ length: k }, (_, j) => (j === 0 ? 1 : j === 1 ? 0 : 1 / (j + 1))),
      tag,
    ),
  );
  const ys = Array.from(py, (v) =>
    dual(
      v,
      Array.from({ length: k }, (_, j) => (j === 1 ? 1 : j === 0 ? 0 : 1 / (j + 2))),
      tag,
    ),
  );
  const probe = f(xs[0], ys[0]).partials as number[];
  if (probe[0] !== 2 * px[0] || (k > 1 && probe[1] !== -2 * py[0])) {
    throw new Error(`bench forward: wrong tangents at width ${k}: [${probe.join(', ')}]`);
  }
  return nsPerPoint(() => {
    let s = 0;
    for (let i = 0; i < POINTS; i++) {
      const out = f(xs[i], ys[i]);
      s += (out.value as number) + (out.first as number) + (out.rest === null ? 0 : (out.rest[out.rest.length - 1] as number));
    }
    return s;
  });
}

const widths = [1, 2, 4, 8];
const widthNs = widths.map(dualNs);

console.log(`f(x, y) = (x + y)(x − y): ns per evaluation (best of 3 trials over ${POINTS} points)\n`);
printTable(
  ['values', 'ns / eval', '× numbers', 'ns / extra direction'],
  [
    ['numbers', fmt(plainNs), '1', ''],
    ...widths.map((k, i) => [`Dual, width ${k}`, fmt(widthNs[i]), (widthNs[i] / plainNs).toFixed(0), k === 1 ? '' : fmt((widthNs[i] - widthNs[0]) / (k - 1))]),
  ],
);

// ---------------------------------------------------------------------------------------------
// 2. ∇ Rosenbrock, n = 100: jacfwd in chunks against grad
// ---------------------------------------------------------------------------------------------

const N = 100;

/** f(x) = Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², written once for Dual and Var. */
function rosenbrock<T extends Num<T>>(x: readonly T[]): T {
  let acc = x[1].sub(x[0].square()).square().mul(100).add(x[0].sub(1).square());
  for (let i = 1; i < x.length - 1; i++) {
    acc = acc.add(x[i + 1].sub(x[i].square()).square().mul(100)).add(x[i].sub(1).square());
  }
  return acc;
}

function rosenbrockOnNumbers(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
}

function rosenbrockGradient(x: readonly number[]): number[] {
  const g = new Array<number>(x.length).fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const r = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * r - 2 * (1 - x[i]);
    g[i + 1] += 200 * r;
  }
  return g;
}

const x0 = Array.from({ length: N }, (_, i) => 0.8 * Math.cos(i));
const want = rosenbrockGradient(x0);
function check(name: string, g: readonly number[]): void {
  const err = Math.max(...g.map((v, i) => Math.abs(v - want[i]) / (1 + Math.abs(want[i]))));
  if (!(err < 1e-12)) throw new Error(`bench forward: ${name} gives a wrong gradient (relative error ${err})`);
}

const dflt = defaultChunk(N);
interface Case {
  label: string;
  passes: number | string;
  run: () => void;
}
const cases: Case[] = [{ label: 'f on numbers (no gradient)', passes: '', run: () => (checksum += rosenbrockOnNumbers(x0)) }];
for (const [label, chunk] of [
  ['jacfwd, chunk 1', 1],
  ['jacfwd, chunk 4', 4],
  ['jacfwd, chunk 12', 12],
  [`jacfwd, chunk ${N}`, N],
  [`jacfwd, default chunk (${dflt})`, dflt],
] as const) {
  const gradient = jacfwd(rosenbrock<Dual>, { chunk });
  check(label, gradient(x0)[0]);
  cases.push({ label, passes: Math.ceil(N / chunk), run: () => (checksum += gradient(x0)[0][N - 1]) });
}
const reverseGradient = grad(rosenbrock);
check('grad', reverseGradient(x0));
cases.push({ label: 'grad (reverse)', passes: '1 + 1 backward', run: () => (checksum += reverseGradient(x0)[N - 1]) });

// Round-robin: each case is timed once per round and keeps its best, so neither a busy moment
// of the machine nor the order of the cases favours one of them.
const ROUNDS = 3;
const us = cases.map(() => Infinity);
for (let r = 0; r < ROUNDS; r++) {
  cases.forEach((c, i) => (us[i] = Math.min(us[i], timePerCall(c.run, { minSeconds: 0.25, trials: 3 }) * 1e6)));
}
const usOf = (label: string) => us[cases.findIndex((c) => c.label === label)];

console.log(`\n∇f of Rosenbrock, n = ${N}: µs per gradient (best of ${ROUNDS} rounds × 3 trials)\n`);
printTable(
  ['method', 'passes', 'µs / gradient', 'µs / pass', '× f on numbers'],
  cases.map((c, i) => [
    c.label,
    String(c.passes),
    fmt(us[i]),
    typeof c.passes === 'number' ? fmt(us[i] / c.passes) : '',
    i === 0 ? '1' : (us[i] / us[0]).toFixed(0),
  ]),
);

const forward = usOf(`jacfwd, default chunk (${dflt})`);
const speedup = usOf('jacfwd, chunk 1') / forward;
const overReverse = forward / usOf('grad (reverse)');
console.log('');
printTable(
  ['ratio', 'measured', 'target', ''],
  [
    [`default chunk (${dflt}) over chunk 1: speedup`, `${speedup.toFixed(2)}×`, '≥ 3× (ForwardDiff.jl docs: ≈ 2.7×)', mark(speedup >= 3)],
    ['forward (default chunk) / reverse: time', `${overReverse.toFixed(2)}×`, '≤ 3×', mark(overReverse <= 3)],
  ],
);
console.log(`\n(checksum ${checksum.toExponential(6)})`);
