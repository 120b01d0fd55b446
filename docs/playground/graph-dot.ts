/**
 * The playground's graph as Graphviz DOT, in the `ad graph` command's style: a record per node
 * with its name, value and — in forward view — its tangent for each forward seed (dot), or —
 * in reverse view — its adjoint for each reverse seed (bar). Inputs are shaded blue, outputs
 * amber, constants are plain labels on dashed edges.
 */
import { num, vector } from '@ad/cli/browser';
import type { PlaygroundResult } from './compute.js';

export type View = 'forward' | 'reverse';

const esc = (s: string) => s.replace(/[{}|<>"\\]/g, (c) => `\\${c}`);
const many = (xs: readonly number[]) => (xs.length === 1 ? num(xs[0]) : vector(xs));
const seeds = (xs: readonly (readonly number[])[]) => xs.map((s) => vector(s)).join('; ');

export function toDot(r: PlaygroundResult, view: View): string {
  const id = (k: number) => (k < 0 ? `vm${-k}` : `v${k}`);
  const title = view === 'forward' ? `forward: dot = tangent for ẋ = ${seeds(r.seeds)}` : `reverse: bar = adjoint for ȳ = ${seeds(r.cotangents)}`;
  const lines = [
    'digraph G {',
    '  rankdir=LR;',
    `  label="${esc(title)}";`,
    '  labelloc=t; fontname="Helvetica"; fontsize=12;',
    '  node [shape=record, fontname="Helvetica", fontsize=11];',
  ];
  const edges: string[] = [];
  let constants = 0;
  for (const row of r.rows) {
    const name = row.op === 'input' ? `${row.definition} (${row.name})` : `${row.name} = ${row.op}`;
    const out = row.outputs.length > 0 ? ` → ${row.outputs.join(', ')}` : '';
    const derivative = view === 'forward' ? `dot ${many(row.dots)}` : `bar ${many(row.bars)}`;
    const style = row.op === 'input' ? ', style=filled, fillcolor="#e8f0fe"' : out !== '' ? ', style=filled, fillcolor="#fdf1d8"' : '';
    lines.push(`  ${id(row.id)} [label="${esc(name + out)} | value ${esc(num(row.value))} | ${esc(derivative)}"${style}];`);
    for (const o of row.operands) {
      if (o.kind === 'entry') edges.push(`  ${id(o.id)} -> ${id(row.id)};`);
      else {
        const c = `c${constants++}`;
        lines.push(`  ${c} [label="${esc(num(o.value))}", shape=plaintext];`);
        edges.push(`  ${c} -> ${id(row.id)} [style=dashed];`);
      }
    }
  }
  return [...lines, ...edges, '}'].join('\n');
}
