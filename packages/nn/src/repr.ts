/**
 * A model's summary, as PyTorch prints a module — one line per child, `(name): Class(settings)`,
 * nested modules indented — with the number of parameters of each child that has any, and the
 * total at the end:
 *
 *   Sequential(
 *     (0): Linear(inFeatures=2, outFeatures=16, bias=true)  48 parameters
 *     (1): Tanh()
 *     (2): Linear(inFeatures=16, outFeatures=2, bias=true)  34 parameters
 *   )  82 parameters
 */
import type { LayerFunction, Module } from './module.js';

function countParameters(m: Module): number {
  return m.parameters().reduce((n, p) => n + p.size, 0);
}

function plural(n: number): string {
  return `${n.toLocaleString('en')} parameter${n === 1 ? '' : 's'}`;
}

/** One module's lines, indented by `indent`; `count` appends its parameter count. */
function lines(m: Module, indent: string): string[] {
  const head = `${m.constructor.name}(${m.extraRepr()}`;
  const children = m.reprChildren();
  if (children.length === 0) return [`${head})`];
  const out = [head];
  for (const [name, child] of children) {
    if (typeof child === 'function') {
      out.push(`${indent}  (${name}): ${(child as LayerFunction).name || 'function'}`);
      continue;
    }
    const inner = lines(child, `${indent}  `);
    const n = countParameters(child);
    inner[0] = `${indent}  (${name}): ${inner[0]}`;
    if (n > 0) inner[inner.length - 1] += `  ${plural(n)}`;
    out.push(...inner);
  }
  out.push(`${indent})`);
  return out;
}

/** The summary of a model (see the module comment). */
export function formatModule(model: Module): string {
  const out = lines(model, '');
  const n = countParameters(model);
  if (n > 0) out[out.length - 1] += `  ${plural(n)}`;
  return out.join('\n');
}
