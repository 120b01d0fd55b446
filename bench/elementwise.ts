/**
 * `pnpm bench elementwise`: where our generated element-wise loops win and where ndarray-ops
 * does, and the cost against TensorFlow.js's CPU backend for the same public op.
 * Columns are nanoseconds per element (lower is better).
 *   ours op      the public op (`add(x, y)`): shape checks, allocation, kernel
 *   ours kernel  the generated loop alone, into a preallocated output (what ndarray-ops does)
 *   shared loop  one loop calling f(x[i]) for every op (megamorphic: what codegen avoids)
 *   ndarray-ops  scijs ndarray-ops into a preallocated output
 *   tfjs cpu     tf.add / tf.exp / … with dataSync(), float32
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type Tensor, randn } from '@ad/core';
import { ElementwiseKernel, tensorOps as T } from '@ad/core/engine';
import { printTable, timePerCall } from './_timing.js';

await tf.setBackend('cpu');

const sharedLoop = (f: (v: number) => number, a: Float64Array, out: Float64Array) => {
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]);
};
// Warm the shared loop with several functions, as a real op library would.
// biome-ignore lint/complexity/useMathMinMax: relu as the op table writes it (Math.max(-0, 0) is 0, relu(-0) is -0)
const fs = [Math.exp, Math.tanh, (v: number) => -v, (v: number) => (v < 0 ? 0 : v), (v: number) => v * v];
{
  const a = new Float64Array(1024);
  const o = new Float64Array(1024);
  for (let r = 0; r < 2000; r++) for (const f of fs) sharedLoop(f, a, o);
}

// Named as the table's ops: the same inputs and expression under an op's name get its generated loops.
const addKernel = new ElementwiseKernel(['x', 'y'], 'x + y', 'add');
const expKernel = new ElementwiseKernel(['x'], 'Math.exp(x)', 'exp');
const reluKernel = new ElementwiseKernel(['x'], 'x < 0 ? 0 : x', 'relu');
const copyKernel = new ElementwiseKernel(['x'], 'x', 'copy');
/** x seen with the output's shape, stride 0 on broadcast axes (what the ops pass their kernels). */
const view = (t: Tensor, shape: readonly number[]) => {
  const lead = shape.length - t.ndim;
  return { data: t.data, offset: t.offset, stride: shape.map((_, i) => (i < lead || t.shape[i - lead] === 1 ? 0 : t.stride[i - lead])) };
};
const nd = (t: Tensor) => ndarray(t.data, t.shape.slice(), t.stride.slice(), t.offset);
const fmt = (seconds: number, n: number) => ((seconds * 1e9) / n).toFixed(2);

const rows: string[][] = [];
for (const [rowsN, cols] of [
  [8, 8],
  [64, 64],
  [1024, 1024],
] as const) {
  const n = rowsN * cols;
  const x = randn([rowsN, cols], { seed: 1 });
  const y = randn([rowsN, cols], { seed: 2 });
  const b = randn([cols], { seed: 3 });
  const xt = randn([cols, rowsN], { seed: 4 }).transpose();
  const out = new Float64Array(n);
  const outNd = ndarray(out, [rowsN, cols]);
  const tx = tf.tensor2d(Float32Array.from(x.toFloat64Array()), [rowsN, cols], 'float32');
  const ty = tf.tensor2d(Float32Array.from(y.toFloat64Array()), [rowsN, cols], 'float32');
  const tb = tf.tensor1d(Float32Array.from(b.toFloat64Array()), 'float32');
  const tfTime = (f: () => tf.Tensor) =>
    timePerCall(() => {
      const r = f();
      r.dataSync();
      r.dispose();
    });
  const size = `${rowsN}×${cols}`;

  rows.push([
    'add',
    size,
    fmt(
      timePerCall(() => T.add(x, y)),
      n,
    ),
    fmt(
      timePerCall(() => addKernel.run(out, x.shape, [view(x, x.shape), view(y, x.shape)])),
      n,
    ),
    '',
    fmt(
      timePerCall(() => ops.add(outNd, nd(x), nd(y))),
      n,
    ),
    fmt(
      tfTime(() => tf.add(tx, ty)),
      n,
    ),
  ]);
  rows.push([
    'add row [n]',
    size,
    fmt(
      timePerCall(() => T.add(x, b)),
      n,
    ),
    fmt(
      timePerCall(() => addKernel.run(out, x.shape, [view(x, x.shape), view(b, x.shape)])),
      n,
    ),
    '',
    fmt(
      timePerCall(() => ops.add(outNd, nd(x), ndarray(b.data, [rowsN, cols], [0, 1], 0))),
      n,
    ),
    fmt(
      tfTime(() => tf.add(tx, tb)),
      n,
    ),
  ]);
  rows.push([
    'add transposed',
    size,
    fmt(
      timePerCall(() => T.add(xt, y)),
      n,
    ),
    fmt(
      timePerCall(() => addKernel.run(out, y.shape, [view(xt, y.shape), view(y, y.shape)])),
      n,
    ),
    '',
    fmt(
      timePerCall(() => ops.add(outNd, nd(xt), nd(y))),
      n,
    ),
    fmt(
      tfTime(() => tf.add(tf.transpose(tx), ty)),
      n,
    ),
  ]);
  rows.push([
    'exp',
    size,
    fmt(
      timePerCall(() => T.exp(x)),
      n,
    ),
    fmt(
      timePerCall(() => expKernel.run(out, x.shape, [view(x, x.shape)])),
      n,
    ),
    fmt(
      timePerCall(() => sharedLoop(Math.exp, x.data, out)),
      n,
    ),
    fmt(
      timePerCall(() => ops.exp(outNd, nd(x))),
      n,
    ),
    fmt(
      tfTime(() => tf.exp(tx)),
      n,
    ),
  ]);
  rows.push([
    'relu',
    size,
    fmt(
      timePerCall(() => T.relu(x)),
      n,
    ),
    fmt(
      timePerCall(() => reluKernel.run(out, x.shape, [view(x, x.shape)])),
      n,
    ),
    fmt(
      timePerCall(() => sharedLoop(fs[3], x.data, out)),
      n,
    ),
    '',
    fmt(
      tfTime(() => tf.relu(tx)),
      n,
    ),
  ]);
  rows.push([
    'copy transposed',
    size,
    fmt(
      timePerCall(() => T.reshape(xt, [n])),
      n,
    ),
    fmt(
      timePerCall(() => copyKernel.run(out, xt.shape, [view(xt, xt.shape)])),
      n,
    ),
    '',
    fmt(
      timePerCall(() => ops.assign(outNd, nd(xt))),
      n,
    ),
    fmt(
      tfTime(() => tf.reshape(tf.transpose(tx), [n])),
      n,
    ),
  ]);
  rows.push([
    'sum rows',
    size,
    fmt(
      timePerCall(() => T.sum(x, 1)),
      n,
    ),
    '',
    '',
    '',
    fmt(
      tfTime(() => tf.sum(tx, 1)),
      n,
    ),
  ]);
  tx.dispose();
  ty.dispose();
  tb.dispose();
}

console.log('Element-wise ops, ns per element (lower is better); f64 for @ad, f32 for TF.js\n');
printTable(['op', 'size', 'ours op', 'ours kernel', 'shared loop', 'ndarray-ops', 'tfjs cpu'], rows);
