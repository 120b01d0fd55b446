/**
 * Graphviz DOT of a recorded graph, as micrograd's draw_dot: one record per node with its op,
 * shape, value and grad, edges from parents to results. Render with `dot -Tsvg` or any
 * Graphviz (the `ad graph` command uses a WASM build).
 */
import { DTypeError, Tensor, ValueError } from '@ad/core';
import { Dual, DualTensor } from '@ad/forward';
import { Node, handle } from './node.js';
import { entryValue, slotChunk, type Chunk, type Primal } from './tape.js';

/** Options of `toDot`. */
export interface DotOptions {
  /** Names to show for some nodes (inputs, typically). */
  labels?: Map<Node, string>;
  /** Significant digits of numbers (default 4). */
  digits?: number;
  /** Graph direction: 'LR' (default), 'TB', 'RL' or 'BT'. */
  rankdir?: 'LR' | 'TB' | 'RL' | 'BT';
}

function fmt(x: Primal | null | undefined, digits: number): string {
  if (x === null || x === undefined) return '—';
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

function escapeLabel(s: string): string {
  return s.replace(/[{}|<>"\\]/g, (c) => `\\${c}`);
}

/** The parents of an entry, as (chunk, index) pairs. */
export function parentsOf(c: Chunk, k: number): [Chunk, number][] {
  const out: [Chunk, number][] = [];
  const a = slotChunk(c, c.sa[k]);
  const b = slotChunk(c, c.sb[k]);
  if (a !== null) out.push([a, c.ia[k]]);
  if (b !== null) out.push([b, c.ib[k]]);
  for (const s of c.ext[k]?.others ?? []) if (s.chunk !== null) out.push([s.chunk, s.index]);
  return out;
}

function checkNode(op: string, x: unknown): void {
  if (!(x instanceof Node)) throw new DTypeError(op, `expected a Var or TensorVar, got ${x === null ? 'null' : typeof x}`);
}

/** The nodes an op node was computed from (those that carry gradient), in operand order. */
export function parents(node: Node): Node[] {
  checkNode('parents', node);
  return parentsOf(node.chunk, node.index).map(([c, k]) => handle(c, k, entryValue(c, k) ?? 0));
}

/** The nodes of the graph that produced `root`, parents before children (a retained graph). */
export function graphNodes(root: Node): Node[] {
  checkNode('graphNodes', root);
  return topologicalOrder([root]);
}

/** The nodes reachable from the roots through their parents, parents before children. */
export function topologicalOrder(roots: readonly Node[]): Node[] {
  if (!Array.isArray(roots))
    throw new DTypeError('topologicalOrder', `roots must be an array of Vars or TensorVars, got ${roots === null ? 'null' : typeof roots}`);
  roots.forEach((r) => checkNode('topologicalOrder', r));
  const key = (c: Chunk, k: number) => `${c.serial}:${k}`;
  const seen = new Set<string>(roots.map((r) => key(r.chunk, r.index)));
  const found: [Chunk, number][] = roots.map((r) => [r.chunk, r.index]);
  for (let i = 0; i < found.length; i++) {
    for (const [c, k] of parentsOf(...found[i])) {
      if (!seen.has(key(c, k))) {
        seen.add(key(c, k));
        found.push([c, k]);
      }
    }
  }
  // Creation order is a topological order.
  found.sort((x, y) => x[0].serial - y[0].serial || x[1] - y[1]);
  return found.map(([c, k]) => handle(c, k, entryValue(c, k) ?? 0));
}

/** The DOT source of the graph that produced `root` (before backward releases it, or retained). */
export function toDot(root: Node, options: DotOptions = {}): string {
  if (!(root instanceof Node)) throw new DTypeError('toDot', `expected a Var or TensorVar, got ${root === null ? 'null' : typeof root}`);
  if (options === null || typeof options !== 'object')
    throw new DTypeError('toDot', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  // Written into the DOT source as they are: only the known words, never user text.
  if (options.rankdir !== undefined && !['LR', 'TB', 'RL', 'BT'].includes(options.rankdir)) {
    throw new ValueError('toDot', `rankdir must be 'LR', 'TB', 'RL' or 'BT', got ${JSON.stringify(options.rankdir)}`);
  }
  if (options.digits !== undefined && !(Number.isInteger(options.digits) && options.digits >= 1 && options.digits <= 21)) {
    throw new ValueError('toDot', `digits must be an integer from 1 to 21, got ${String(options.digits)}`);
  }
  if (options.labels !== undefined && !(options.labels instanceof Map)) throw new DTypeError('toDot', 'labels must be a Map from nodes to names');
  const digits = options.digits ?? 4;
  const order = graphNodes(root);
  const ids = new Map<string, string>(order.map((n, i) => [`${n.chunk.serial}:${n.index}`, `n${i}`]));
  const labelOf = (node: Node): string | undefined => {
    for (const [n, label] of options.labels ?? []) if (n.is(node)) return label;
    return undefined;
  };
  const lines = ['digraph G {', `  rankdir=${options.rankdir ?? 'LR'};`, '  node [shape=record, fontname="Helvetica"];'];
  for (const node of order) {
    const id = ids.get(`${node.chunk.serial}:${node.index}`)!;
    const op = node.op;
    const name = labelOf(node) ?? (op === null ? 'input' : op.name);
    const value = node.value as Primal;
    const shape = value instanceof Tensor || value instanceof DualTensor ? ` [${value.shape.join(',')}]` : '';
    const label = `{ ${escapeLabel(name + shape)} | value ${escapeLabel(fmt(value, digits))} | grad ${escapeLabel(fmt(node.grad, digits))} }`;
    lines.push(`  ${id} [label="${label}"${op === null ? ', style=filled, fillcolor="#e8f0fe"' : ''}];`);
  }
  for (const node of order) {
    for (const [c, k] of parentsOf(node.chunk, node.index)) {
      const from = ids.get(`${c.serial}:${k}`);
      if (from !== undefined) lines.push(`  ${from} -> ${ids.get(`${node.chunk.serial}:${node.index}`)};`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}
