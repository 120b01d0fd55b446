/**
 * Readable printing, PyTorch-like: `tensor([[1.0000, 2.0000], [3.0000, 4.0000]])`. One number
 * format for the whole tensor (fixed with 4 decimals, or scientific when magnitudes ask for it),
 * columns aligned, long axes elided with `...` past 1000 elements.
 */
const EDGE = 3;
const SUMMARISE_ABOVE = 1000;

export function formatTensor(shape: readonly number[], flat: Float64Array): string {
  const fmt = numberFormat(flat);
  const width = flat.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const summarise = flat.length > SUMMARISE_ABOVE;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const render = (axis: number, base: number, indent: string): string => {
    if (axis === shape.length) return fmt(flat[base]).padStart(width);
    const n = shape[axis];
    const idx = summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    const parts = idx.map((i) => (i < 0 ? '...' : render(axis + 1, base + i * strides[axis], `${indent} `)));
    const sep = axis === shape.length - 1 ? ', ' : `,${'\n'.repeat(shape.length - axis - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? fmt(flat[0]) : render(0, 0, '       ');
  const suffix = shape.includes(0) ? `, shape=[${shape.join(', ')}]` : '';
  return `tensor(${body}${suffix})`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

function numberFormat(flat: Float64Array): (v: number) => string {
  let maxAbs = 0;
  let minAbs = Infinity;
  let allIntegers = true;
  for (const v of flat) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    maxAbs = Math.max(maxAbs, a);
    if (a > 0) minAbs = Math.min(minAbs, a);
    if (!Number.isInteger(v)) allIntegers = false;
  }
  const special = (v: number): string | undefined => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : undefined);
  if (allIntegers && maxAbs < 1e8) return (v) => special(v) ?? `${v}.`;
  const scientific = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || maxAbs / minAbs > 1e3;
  if (scientific) return (v) => special(v) ?? v.toExponential(4);
  return (v) => special(v) ?? v.toFixed(4);
}
