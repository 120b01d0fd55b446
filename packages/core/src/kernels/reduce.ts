/**
 * Reductions over any set of axes, generated per accumulator like the element-wise kernels
 * (see elementwise.ts for why), and the row kernels of the softmax family.
 */
import { DTypeError } from '../errors.js';
import { compileKernel, kernelSource, type Strided } from './elementwise.js';
import { parseElementwise } from './expression.js';
import { reductionKernels } from './kernels.generated.js';
import { kernelScope, tsOnly, type FunctionSource } from './template.js';

type ReduceLoop = (
  out: Float64Array,
  shape: readonly number[],
  xData: Float64Array,
  xOff: number,
  xStride: readonly number[],
  outStride: readonly number[],
) => void;

/**
 * `acc` is an expression in `a` (the running value) and `x` (the next element), e.g.
 * `a + x` for sum. The destination is the reduced array; `outStride` maps each input axis to
 * the destination, 0 on reduced axes, so one odometer over the input visits every element once.
 * The loop is the one generated under `name` (kernels.generated.ts) when it was generated from
 * this `init` and `acc`.
 */
export class ReduceKernel {
  private readonly loop: ReduceLoop;
  /** The accumulator as the grammar printed it (expression.ts): what the loop runs. */
  readonly acc: string;

  constructor(
    readonly name: string,
    readonly init: number,
    acc: string,
  ) {
    this.acc = accumulator('ReduceKernel', name, init, acc);
    const generated = reductionKernels[name];
    this.loop =
      generated !== undefined && generated.init === init && generated.acc === this.acc
        ? (generated.loop(kernelScope) as ReduceLoop)
        : compileKernel<ReduceLoop>(name, reduceSource(init, this.acc));
  }

  /** Reduces `x` (of `shape`) into `out`, whose layout over the input axes is `outStride`. */
  run(out: Float64Array, shape: readonly number[], x: Strided, outStride: readonly number[]): void {
    this.loop(out, shape, x.data, x.offset, x.stride, outStride);
  }
}

/**
 * A reduction's accumulator, through the element-wise grammar over `a` and `x` (its text never
 * reaches the loop, only what the grammar prints), and its start value, a number.
 */
function accumulator(caller: string, name: string, init: unknown, acc: string): string {
  if (typeof init !== 'number') throw new DTypeError(caller, `${name}: init must be a number, got ${typeof init}`);
  return parseElementwise(caller, name, ['a', 'x'], acc).source;
}

/** The template of a reduction's loop (see ReduceKernel). */
export function reduceSource(init: number, text: string): FunctionSource {
  const acc = accumulator('reduceSource', 'reduction', init, text);
  // max and min give the same value in any order (NaN wins, +0 beats −0 either way), so a
  // contiguous row runs four accumulators instead of one chain of dependent maxima: a max of
  // 1.28·10⁶ took 0.87 ms so against 1.45 ms.
  const orderFree = acc === 'Math.max(a, x)' || acc === 'Math.min(a, x)';
  return kernelSource(
    [
      ['out', 'Float64Array'],
      ['shape', 'readonly number[]'],
      ['xData', 'Float64Array'],
      ['xOff', 'number'],
      ['xStride', 'readonly number[]'],
      ['outStride', 'readonly number[]'],
    ],
    'void',
    `out.fill(${init});
const rank = shape.length;
if (rank === 0) { const a = out[0]; const x = xData[xOff]; out[0] = ${acc}; return; }
let total = 1;
for (let d = 0; d < rank; d++) total *= shape[d];
if (total === 0) return;
const last = rank - 1;
const inner = shape[last];
const xInner = xStride[last];
const oInner = outStride[last];
const index = new Array${tsOnly('<number>')}(rank).fill(0);
let xPos = xOff;
let oPos = 0;
for (let visited = 0; visited < total; visited += inner) {
  if (oInner === 0) {
    let a = out[oPos];
    let j = 0;${
      orderFree
        ? `
    if (xInner === 1) {
      let a1 = a; let a2 = a; let a3 = a;
      for (; j + 4 <= inner; j += 4) {
        { const x = xData[xPos + j]; a = ${acc}; }
        { const a = a1; const x = xData[xPos + j + 1]; a1 = ${acc}; }
        { const a = a2; const x = xData[xPos + j + 2]; a2 = ${acc}; }
        { const a = a3; const x = xData[xPos + j + 3]; a3 = ${acc}; }
      }
      { const x = a1; a = ${acc}; }
      { const x = a2; a = ${acc}; }
      { const x = a3; a = ${acc}; }
    }`
        : ''
    }
    for (; j < inner; j++) { const x = xData[xPos + j * xInner]; a = ${acc}; }
    out[oPos] = a;
  } else {
    for (let j = 0; j < inner; j++) {
      const a = out[oPos + j * oInner];
      const x = xData[xPos + j * xInner];
      out[oPos + j * oInner] = ${acc};
    }
  }
  for (let d = last - 1; d >= 0; d--) {
    index[d]++;
    xPos += xStride[d];
    oPos += outStride[d];
    if (index[d] < shape[d]) break;
    xPos -= xStride[d] * shape[d];
    oPos -= outStride[d] * shape[d];
    index[d] = 0;
  }
}`,
  );
}

/** Σ, propagating NaN like every IEEE sum. */
export const sumKernel = new ReduceKernel('sum', 0, 'a + x');
/** max with NaN propagation (NumPy and PyTorch return NaN if any element is NaN). */
export const maxKernel = new ReduceKernel('max', -Infinity, 'Math.max(a, x)');
export const minKernel = new ReduceKernel('min', Infinity, 'Math.min(a, x)');

/** The reductions' kernels, by name (the generator writes their loops). */
export const reduceKernels: readonly ReduceKernel[] = [sumKernel, maxKernel, minKernel];

/**
 * Row kernels over a contiguous [rows, n] block (the reduced axis last). Each subtracts the
 * row's max first, so exp never overflows: softmax([1000, 0, -1000]) = [1, e⁻¹⁰⁰⁰, e⁻²⁰⁰⁰].
 */
export function softmaxRows(out: Float64Array, x: Float64Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x[base + j]);
    if (m === -Infinity) m = 0;
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[base + j] - m);
      out[base + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) out[base + j] *= inv;
  }
}

/**
 * log softmax = (x − max) − log Σ exp(x − max): fused, so it stays finite where log(softmax) is
 * −∞. The max is subtracted first and the log-sum after, as PyTorch does: x − (max + log Σ)
 * would round max + log Σ at max's scale (at logits of 1e16, log Σ = 0.69 vanishes entirely).
 */
export function logSoftmaxRows(out: Float64Array, x: Float64Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x[base + j]);
    if (!Number.isFinite(m)) {
      // All −∞, a +∞ or a NaN in the row: log Σ exp carries it (no ∞ − ∞ turned into a number).
      const lse = logSumExpRow(x, base, n);
      for (let j = 0; j < n; j++) out[base + j] = x[base + j] - lse;
      continue;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[base + j] - m);
    const logS = Math.log(s);
    for (let j = 0; j < n; j++) out[base + j] = x[base + j] - m - logS;
  }
}

/** log Σ exp over each row, one value per row. */
export function logSumExpRows(out: Float64Array, x: Float64Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) out[r] = logSumExpRow(x, r * n, n);
}

function logSumExpRow(x: Float64Array, base: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, x[base + j]);
  // An all −∞ row has log Σ = −∞; a +∞ entry gives +∞. Neither may turn into NaN via ∞ − ∞.
  if (m === -Infinity || m === Infinity || Number.isNaN(m)) return m;
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x[base + j] - m);
  return m + Math.log(s);
}

/** Index of the first maximum of each row (NaN counts as the maximum, as in NumPy). */
export function argmaxRows(out: Float64Array, x: Float64Array, rows: number, n: number, sign: 1 | -1): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let best = 0;
    let bestValue = sign * x[base];
    for (let j = 1; j < n && !Number.isNaN(bestValue); j++) {
      const v = sign * x[base + j];
      if (v > bestValue || Number.isNaN(v)) {
        best = j;
        bestValue = v;
      }
    }
    out[r] = best;
  }
}
