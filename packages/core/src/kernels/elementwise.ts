/**
 * Element-wise kernels, generated from one scalar expression per op.
 *
 * Why generated: a shared loop that calls `f(x[i])` becomes megamorphic as soon as two ops use
 * it, and V8 then stops inlining `f`. Measured on this machine (bench/elementwise.ts), a loop
 * with the expression written in place runs 3–10× faster than the shared-callback loop (exp:
 * 5 ns/element against 15; relu: 1.2 against 12). So, as scijs's cwise does, each op's loops
 * are generated from its expression, one function per op and operand layout: every call site
 * inside stays monomorphic.
 *
 * Generated at build time: `pnpm generate` (scripts/generate-code.ts) writes the source of
 * every function the op table needs into `generated.ts` files, so nothing is evaluated at run
 * time and a page whose Content-Security-Policy forbids eval runs the same code. Source that no
 * file holds (an expression outside the table) is compiled with `new Function` where allowed.
 *
 * Kernels write into a fresh contiguous destination that comes first and never allocate.
 * They trust their caller: shapes are checked and broadcast strides computed before they run.
 */
import { Special } from '../special.js';
import { AdError } from '../errors.js';
import type { Factory } from './factory.js';
import { factories as coreFactories } from './generated.js';

export type { Factory };

/** One source `compileFunction` was asked for: what `pnpm generate` writes out. */
export interface GeneratedSource {
  /** The package whose `generated.ts` holds it. */
  readonly origin: string;
  readonly key: string;
  readonly names: readonly string[];
  readonly params: readonly string[];
  readonly body: string;
}

const precompiled = new Map<string, Factory>();
const requested = new Map<string, GeneratedSource>();

/** Makes generated factories (a package's `generated.ts`) available to `compileFunction`. */
export function addGenerated(factories: Readonly<Record<string, Factory>>): void {
  for (const [key, factory] of Object.entries(factories)) precompiled.set(key, factory);
}
addGenerated(coreFactories);

/**
 * The key of a source (its closure names, parameters and body): two 32-bit FNV-1a-style hashes
 * and the length, so generated files stay readable (a short key, then the code) and a changed
 * template can only match by a 2⁻⁶⁴ accident.
 */
export function sourceKey(names: readonly string[], params: readonly string[], body: string): string {
  const text = `${names.join(',')}|${params.join(',')}|${body}`;
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');
  return `${hex(h1)}${hex(h2)}-${text.length}`;
}

/** Every source compiled so far in this process (the generator's input). */
export function requestedSources(): readonly GeneratedSource[] {
  return [...requested.values()];
}

/**
 * A function from source with `Math` (and any names in `scope`) bound as closure variables:
 * the generated one when a `generated.ts` holds this source, otherwise compiled with
 * `new Function`. Generated code reads `Math.exp` from a local, not from the global object —
 * inside a sandboxed global (jest's vm context) a global lookup in a hot loop measured ~30×
 * slower.
 */
export function compileFunction(
  params: readonly string[],
  body: string,
  scope: Record<string, unknown> = {},
  origin = '@ad/core',
): (...args: never[]) => unknown {
  const names = ['Math', 'Special', ...Object.keys(scope)];
  const key = sourceKey(names, params, body);
  if (!requested.has(key)) requested.set(key, { origin, key, names, params, body });
  const factory = precompiled.get(key) ?? evaluate(names, params, body);
  return factory(...([Math, Special, ...Object.values(scope)] as never[])) as (...args: never[]) => unknown;
}

function evaluate(names: readonly string[], params: readonly string[], body: string): Factory {
  try {
    return new Function(...names, `return function (${params.join(', ')}) {\n${body}\n};`) as Factory;
  } catch (e) {
    throw new AdError(
      'compileFunction',
      `this environment forbids eval (${(e as Error).message}) and no generated.ts holds this source; ` +
        `run \`pnpm generate\` after changing the op table or the code templates:\n${body}`,
    );
  }
}

/** A strided operand as the kernels read it: element (i₀…iₖ) is data[offset + Σ iⱼ·stride[j]]. */
export interface Strided {
  readonly data: Float64Array;
  readonly offset: number;
  readonly stride: readonly number[];
}

/** Layout of one operand in a flat loop: 'f' walks it element by element, 's' reads one scalar. */
type Layout = 'f' | 's';

/** out[i] = expr(operands at i) for contiguous or scalar operands. */
type FlatKernel = (out: Float64Array, n: number, ...operands: (Float64Array | number)[]) => void;

/** out (contiguous, row-major over `shape`) = expr(operands read through their strides). */
type StridedKernel = (out: Float64Array, shape: readonly number[], ...operands: (Float64Array | number | readonly number[])[]) => void;

/**
 * The compiled loops of one element-wise expression over named operands, e.g.
 * `elementwiseKernel(['x', 'y'], 'x + y')`.
 */
export class ElementwiseKernel {
  /** Flat loops by layout code: bit i set when operand i is a scalar (3 operands at most). */
  private readonly flat: (FlatKernel | undefined)[] = [];
  private strided: StridedKernel | undefined;
  /** The primal on plain numbers (the scalar primal), compiled once. */
  readonly scalar: (...xs: number[]) => number;

  constructor(
    readonly names: readonly string[],
    readonly expr: string,
  ) {
    this.scalar = compileFunction(names, `return ${expr};`) as unknown as (...xs: number[]) => number;
    allKernels.push(this);
  }

  /**
   * Runs the expression into `out` over `shape`. Each operand must already be broadcast to
   * `shape` (stride 0 on broadcast axes). The per-call work is kept to a few comparisons: for
   * small tensors it, not the loop, is the cost of an op.
   */
  run(out: Float64Array, shape: readonly number[], operands: readonly Strided[]): void {
    if (out.length === 0) return;
    let code = 0;
    let flat = true;
    for (let i = 0; i < operands.length; i++) {
      const l = layoutOf(operands[i], shape);
      if (l === null) {
        flat = false;
        break;
      }
      if (l === 's') code |= 1 << i;
    }
    if (flat) {
      const k = this.flat[code] ?? this.compileFlat(code);
      const n = out.length;
      const [a, b, c] = operands;
      if (operands.length === 1) k(out, n, a.data, a.offset);
      else if (operands.length === 2) k(out, n, a.data, a.offset, b.data, b.offset);
      else k(out, n, a.data, a.offset, b.data, b.offset, c.data, c.offset);
      return;
    }
    this.strided ??= compileStrided(this.names, this.expr);
    const [a, b, c] = operands;
    if (operands.length === 1) this.strided(out, shape, a.data, a.offset, a.stride);
    else if (operands.length === 2) this.strided(out, shape, a.data, a.offset, a.stride, b.data, b.offset, b.stride);
    else this.strided(out, shape, a.data, a.offset, a.stride, b.data, b.offset, b.stride, c.data, c.offset, c.stride);
  }

  private compileFlat(code: number): FlatKernel {
    const layouts = this.names.map((_, i): Layout => (code & (1 << i) ? 's' : 'f'));
    const kernel = compileFlat(this.names, this.expr, layouts);
    this.flat[code] = kernel;
    return kernel;
  }

  /** Compiles every operand layout now, so the generator sees every source. */
  compileAll(): void {
    for (let code = 0; code < 1 << this.names.length; code++) if (this.flat[code] === undefined) this.compileFlat(code);
    this.strided ??= compileStrided(this.names, this.expr);
  }
}

/** Every element-wise kernel made so far (the generator compiles all their layouts). */
const allKernels: ElementwiseKernel[] = [];

/** Compiles every layout of every element-wise kernel made so far. */
export function compileAllKernels(): void {
  for (const k of allKernels) k.compileAll();
}

/** 'f' if the operand is row-major contiguous over `shape`, 's' if every stride is 0. */
function layoutOf(x: Strided, shape: readonly number[]): Layout | null {
  let scalar = true;
  let contiguous = true;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    const s = x.stride[i];
    if (d !== 1) {
      if (s !== 0) scalar = false;
      if (s !== expected) contiguous = false;
    }
    expected *= d;
  }
  if (scalar) return 's';
  return contiguous ? 'f' : null;
}

function compileFlat(names: readonly string[], expr: string, layouts: readonly Layout[]): FlatKernel {
  const params = names.flatMap((name) => [`${name}Data`, `${name}Off`]);
  const hoisted = names.filter((_, j) => layouts[j] === 's').map((name) => `const ${name} = ${name}Data[${name}Off];\n`);
  const reads = names.filter((_, j) => layouts[j] === 'f').map((name) => `  const ${name} = ${name}Data[${name}Off + i];\n`);
  const body = `${hoisted.join('')}for (let i = 0; i < n; i++) {
${reads.join('')}  out[i] = ${expr};
}`;
  return compileFunction(['out', 'n', ...params], body) as unknown as FlatKernel;
}

/**
 * The general loop: an odometer over the outer axes and a tight inner loop over the last axis,
 * every operand advanced by its own strides. Handles transposed, sliced and broadcast views.
 */
function compileStrided(names: readonly string[], expr: string): StridedKernel {
  const params = names.flatMap((name) => [`${name}Data`, `${name}Off`, `${name}Stride`]);
  const body = `
const rank = shape.length;
const last = rank - 1;
const inner = shape[last];
${names.map((x) => `let ${x}Pos = ${x}Off; const ${x}Inner = ${x}Stride[last];`).join('\n')}
const index = new Array(rank).fill(0);
let o = 0;
const total = out.length;
while (o < total) {
  for (let j = 0; j < inner; j++) {
    ${names.map((x) => `const ${x} = ${x}Data[${x}Pos + j * ${x}Inner];`).join('\n    ')}
    out[o++] = ${expr};
  }
  for (let d = last - 1; d >= 0; d--) {
    index[d]++;
    ${names.map((x) => `${x}Pos += ${x}Stride[d];`).join(' ')}
    if (index[d] < shape[d]) break;
    ${names.map((x) => `${x}Pos -= ${x}Stride[d] * shape[d];`).join(' ')}
    index[d] = 0;
  }
}`;
  return compileFunction(['out', 'shape', ...params], body) as unknown as StridedKernel;
}
