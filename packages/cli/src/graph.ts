/**
 * `ad graph --fn … --at …`: the graph reverse mode records for an expression, drawn with each
 * node's value, its tangent for one forward seed (dot) and its adjoint for the reverse seed
 * ȳ = 1 (bar) — rendered to SVG by WASM Graphviz, or printed as DOT — and the same numbers as
 * the evaluation trace, one line per intermediate.
 */
import { UsageError } from './errors.js';
import { checkOutputPath, writeFileAtomic } from './files.js';
import { num, unitName, vector } from './format.js';
import { dotToSvg } from './graphviz.js';
import type { Streams } from './streams.js';
import { pointed, signature } from './point.js';
import { table } from './table.js';
import { definition, entryName, trace, type Trace } from './wengert.js';

export interface GraphFlags {
  fn: string;
  at: string;
  tangent?: number[];
  out?: string;
  format?: 'svg' | 'dot';
}

export async function graph(flags: GraphFlags, io: Streams): Promise<void> {
  const p = pointed(flags.fn, flags.at);
  const n = p.names.length;
  const format = flags.format ?? (flags.out?.toLowerCase().endsWith('.dot') ? 'dot' : 'svg');
  const out = flags.out ?? (format === 'svg' ? 'graph.svg' : null);
  if (out !== null) checkOutputPath('--out', out);
  const tangent = flags.tangent ?? p.x.map((_, i) => (i === 0 ? 1 : 0));
  if (tangent.length !== n) throw new UsageError(`--tangent ${tangent.join(',')} has ${tangent.length} entries; f has ${n} inputs (${p.names.join(', ')})`);
  const seedName = flags.tangent === undefined ? `${unitName(0)} = ${vector(tangent)}` : vector(tangent);

  const t = trace(p, tangent);
  const dot = toDot(t, seedName);
  const report = [
    ...signature(p),
    `at ${p.names.map((name, i) => `${name} = ${num(p.x[i])}`).join(', ')}; forward seed ẋ = ${seedName}; reverse seed ȳ = 1`,
    '',
    'evaluation trace (Wengert list): value, tangent (dot, for the forward seed) and adjoint (bar, for the reverse seed)',
    traceTable(t),
    '',
    summary(t),
  ].join('\n');
  if (format === 'dot' && out === null) {
    // DOT on stdout, so it can be piped into `dot`; the trace rides along as DOT comments.
    io.stdout.write(
      `${report
        .split('\n')
        .map((l) => `// ${l}`.trimEnd())
        .join('\n')}\n${dot}\n`,
    );
    return;
  }
  writeFileAtomic(out!, format === 'svg' ? await dotToSvg(dot) : `${dot}\n`);
  io.stdout.write(`${report}\ngraph drawn in ${out}\n`);
}

function traceTable(t: Trace): string {
  const rows = t.entries.map((e) => [entryName(e.id), definition(e), e.op ?? 'input', num(e.value), num(e.dot), num(e.bar)]);
  return table(
    [
      { header: 'node' },
      { header: 'definition' },
      { header: 'op' },
      { header: 'value', align: 'right' },
      { header: 'dot', align: 'right' },
      { header: 'bar', align: 'right' },
    ],
    rows,
  );
}

function summary(t: Trace): string {
  const y = t.entries.find((e) => e.id === t.output)!;
  const inputs = t.entries.filter((e) => e.input !== null);
  return `f = ${num(y.value)};  ẏ = J·ẋ = ${num(y.dot)} (forward, one pass);  x̄ = ∇f = ${vector(inputs.map((e) => e.bar))} (reverse, one backward pass)`;
}

/** The graph as DOT: a record per node (name, value, dot, bar), inputs shaded, constants as plain labels. */
export function toDot(t: Trace, seedName: string): string {
  const id = (k: number) => (k < 0 ? `vm${-k}` : `v${k}`);
  const esc = (s: string) => s.replace(/[{}|<>"\\]/g, (c) => `\\${c}`);
  const lines = [
    'digraph G {',
    '  rankdir=LR;',
    `  label="dot: tangent for ẋ = ${esc(seedName)}   bar: adjoint for ȳ = 1";`,
    '  labelloc=t; fontname="Helvetica"; fontsize=12;',
    '  node [shape=record, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  let constants = 0;
  const edges: string[] = [];
  for (const e of t.entries) {
    const name = e.input === null ? `${entryName(e.id)} = ${e.op}` : `${e.input} (${entryName(e.id)})`;
    const style = e.input !== null ? ', style=filled, fillcolor="#e8f0fe"' : e.id === t.output ? ', style=filled, fillcolor="#fdf1d8"' : '';
    lines.push(`  ${id(e.id)} [label="${esc(name)} | value ${esc(num(e.value))} | dot ${esc(num(e.dot))} | bar ${esc(num(e.bar))}"${style}];`);
    for (const o of e.operands) {
      if (o.kind === 'entry') {
        edges.push(`  ${id(o.id)} -> ${id(e.id)};`);
      } else {
        const c = `c${constants++}`;
        lines.push(`  ${c} [label="${esc(num(o.value))}", shape=plaintext];`);
        edges.push(`  ${c} -> ${id(e.id)} [style=dashed];`);
      }
    }
  }
  return [...lines, ...edges, '}'].join('\n');
}
