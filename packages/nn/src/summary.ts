/**
 * A model summary, like torchinfo's: every layer with its output shape for a given input
 * shape and its parameter count. The shapes come from one forward pass on zeros in eval mode
 * (so no running statistic moves), recording nothing; each module's forward is wrapped for the
 * pass and restored after it.
 */
import { ValueError, zeros, type Shape, type Tensor } from '@ad/core';
import { noGrad } from '@ad/reverse';
import { Module, Sequential, type LayerFunction } from './module.js';
import { primalOf, type TensorLike } from './types.js';

/** One row: a layer, where it sits, what it gives for the input, what it holds. */
export interface SummaryRow {
  /** Its key prefix in the state dict (`1`, `block.0`), or '' for the model itself. */
  readonly name: string;
  /** Its class (`Conv2d`) or, for a plain function in a Sequential, the function's name. */
  readonly type: string;
  /** Nesting depth (0 for the model). */
  readonly depth: number;
  /** The shape of its output for the summary's input (null if it never ran). */
  readonly outputShape: readonly number[] | null;
  /** Trainable numbers in it and its children. */
  readonly params: number;
}

/** What `summary` returns: the rows, the totals and the table as text. */
export interface ModelSummary {
  /** The input shape the forward pass ran on. */
  readonly inputShape: readonly number[];
  /** One row per layer, the model first, children after their parent. */
  readonly rows: readonly SummaryRow[];
  /** Trainable numbers in the model. */
  readonly totalParams: number;
  /** Numbers in buffers (running statistics): saved, not trained. */
  readonly bufferValues: number;
  /** The table as text, torchinfo-style. */
  readonly text: string;
}

/** The layers of `model`, their output shapes for an input of `inputShape`, and their parameter counts. */
export function summary(model: Module, inputShape: Shape): ModelSummary {
  if (!(model instanceof Module)) throw new ValueError('summary', 'expects a Module');
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ValueError('summary', `inputShape must be positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const shapes = new Map<object, number[]>();
  const restore: (() => void)[] = [];
  const record = (key: object, y: TensorLike): TensorLike => {
    shapes.set(key, [...(primalOf(y) as Tensor).shape]);
    return y;
  };
  const rows: { key: object; name: string; type: string; depth: number; params: number }[] = [];
  const walk = (m: Module, name: string, depth: number): void => {
    rows.push({ key: m, name, type: m.constructor.name, depth, params: m.parameterCount() });
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const forward = m.forward.bind(m);
    Object.defineProperty(m, 'forward', { value: (x: TensorLike) => record(m, forward(x)), configurable: true, writable: true });
    restore.push(() => (own === undefined ? delete (m as { forward?: unknown }).forward : Object.defineProperty(m, 'forward', own)));
    if (m instanceof Sequential) {
      // A Sequential's plain functions (relu) are layers too: listed in place and wrapped.
      const layers = m.layers;
      const wrapped = layers.map((l, i): Module | LayerFunction => {
        const at = prefixed(name, String(i));
        if (l instanceof Module) {
          walk(l, at, depth + 1);
          return l;
        }
        const key = {};
        rows.push({ key, name: at, type: l.name || 'function', depth: depth + 1, params: 0 });
        return (x: TensorLike) => record(key, l(x));
      });
      (m as { layers: readonly (Module | LayerFunction)[] }).layers = wrapped;
      restore.push(() => ((m as { layers: readonly (Module | LayerFunction)[] }).layers = layers));
      return;
    }
    for (const [child, sub] of m.children()) walk(sub, prefixed(name, child), depth + 1);
  };
  const wasTraining = model.training;
  walk(model, '', 0);
  model.eval();
  try {
    noGrad(() => model.forward(zeros(inputShape)));
  } finally {
    for (const undo of restore.reverse()) undo();
    model.train(wasTraining);
  }
  const totalParams = model.parameterCount();
  const bufferValues = model.namedBuffers().reduce((n, [, b]) => n + b.size, 0);
  const out: SummaryRow[] = rows.map((r) => ({ name: r.name, type: r.type, depth: r.depth, params: r.params, outputShape: shapes.get(r.key) ?? null }));
  return { inputShape: [...inputShape], rows: out, totalParams, bufferValues, text: format(out, inputShape, totalParams, bufferValues) };
}

function prefixed(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

const count = (n: number) => n.toLocaleString('en-US');

function format(rows: readonly SummaryRow[], inputShape: Shape, total: number, buffers: number): string {
  const label = (r: SummaryRow) => `${'  '.repeat(r.depth)}${r.name === '' ? '' : `${r.name} `}${r.type}`;
  const shape = (r: SummaryRow) => (r.outputShape === null ? '—' : `[${r.outputShape.join(', ')}]`);
  const w1 = Math.max('Layer (type)'.length, ...rows.map((r) => label(r).length));
  const w2 = Math.max('Output shape'.length, ...rows.map((r) => shape(r).length));
  const w3 = Math.max('Param #'.length, ...rows.map((r) => count(r.params).length));
  const line = '─'.repeat(w1 + w2 + w3 + 4);
  const row = (a: string, b: string, c: string) => `${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c.padStart(w3)}`;
  return [
    `input [${inputShape.join(', ')}]`,
    line,
    row('Layer (type)', 'Output shape', 'Param #'),
    line,
    ...rows.map((r) => row(label(r), shape(r), count(r.params))),
    line,
    `Total params: ${count(total)}`,
    `Buffers (saved, not trained): ${count(buffers)}`,
  ].join('\n');
}
