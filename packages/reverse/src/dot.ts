/**
 * Graphviz DOT of a recorded graph, as micrograd's draw_dot: one record per node with its op,
 * shape, value and grad, edges from parents to results. Render with `dot -Tsvg` or any
 * Graphviz (the `ad graph` command uses a WASM build).
 */
import { Tensor } from '@ad/core';
import { Dual, DualTensor } from '@ad/forward';
import { Node, type Primal } from './node.js';
import { topologicalOrder } from './backward.js';

export interface DotOptions {
  /** Names to show for some nodes (inputs, typically). */
  labels?: Map<Node, string>;
  /** Significant digits of numbers (default 4). */
  digits?: number;
  /** Graph direction: 'LR' (default) or 'TB'. */
  rankdir?: 'LR' | 'TB';
}

function fmt(x: Primal | null, digits: number): string {
  if (x === null) return '—';
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : x.toPrecision(digits);
  if (x instanceof Tensor) {
    if (x.size <= 4) return `[${Array.from(x.toFloat64Array(), (v) => fmt(v, digits)).join(', ')}]`;
    return `[${x.shape.join('×')}]`;
  }
  if (x instanceof Dual) return `${fmt(x.value, digits)} + ${fmt(x.first, digits)}ε`;
  if (x instanceof DualTensor) return fmt(x.value, digits);
  if (x instanceof Node) return fmt(x.value, digits);
  return String(x);
}

function escape(s: string): string {
  return s.replace(/[{}|<>"\\]/g, (c) => `\\${c}`);
}

/** The DOT source of the graph that produced `root` (before backward releases it, or retained). */
export function toDot(root: Node, options: DotOptions = {}): string {
  const digits = options.digits ?? 4;
  const order = topologicalOrder([root]);
  const ids = new Map<Node, string>(order.map((n, i) => [n, `n${i}`]));
  const lines = ['digraph G {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [shape=record, fontname="Helvetica"];'];
  for (const node of order) {
    const id = ids.get(node)!;
    const name = options.labels?.get(node) ?? (node.op === null ? 'input' : node.op.name);
    const shape = node.value instanceof Tensor || node.value instanceof DualTensor ? ` [${node.value.shape.join(',')}]` : '';
    const label = `{ ${escape(name + shape)} | value ${escape(fmt(node.value, digits))} | grad ${escape(fmt(node.grad, digits))} }`;
    lines.push(`  ${id} [label="${label}"${node.op === null ? ', style=filled, fillcolor="#e8f0fe"' : ''}];`);
  }
  for (const node of order) {
    const parents = [node.a, node.b, ...(node.others ?? [])];
    for (const p of parents) if (p !== null && ids.has(p)) lines.push(`  ${ids.get(p)} -> ${ids.get(node)};`);
  }
  lines.push('}');
  return lines.join('\n');
}
