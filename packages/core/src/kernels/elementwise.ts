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
 * Generated at build time: `pnpm generate` (scripts/generate-code.ts) renders these templates
 * (template.ts) as TypeScript for every element-wise op of the table into
 * `kernels.generated.ts`, keyed by op name and layout, so nothing is evaluated at run time and a
 * page whose Content-Security-Policy forbids eval runs the same code. A kernel no generated file
 * holds (an op registered by a user) is compiled from the same templates with `new Function`
 * where allowed.
 *
 * Kernels write into a fresh contiguous destination that comes first and never allocate.
 * They trust their caller: shapes are checked and broadcast strides computed before they run.
 */
import { AdError } from '../errors.js';
import { parseElementwise } from './expression.js';
import { expScratch } from './paths.js';
import { EXP_BLOCK } from './wasm.js';
import { elementwiseKernels } from './kernels.generated.js';
import { compileFunction, KERNEL_SCOPE, kernelScope, tsOnly, typed, type FunctionSource, type GeneratedKernels } from './template.js';

const generated = new Map<string, GeneratedKernels>();

/**
 * Makes generated kernels (a `kernels.generated.ts`) available to the kernels made after it, by
 * op name: a package that defines element-wise ops of its own (nn's losses) adds its file before
 * defining them.
 */
export function addGenerated(kernels: Readonly<Record<string, GeneratedKernels>>): void {
  for (const [name, k] of Object.entries(kernels)) generated.set(name, k);
}
addGenerated(elementwiseKernels);

/** The generated kernels of this name, if they were generated from these inputs and this expression. */
function generatedFor(name: string, inputs: readonly string[], expr: string): GeneratedKernels | undefined {
  const k = generated.get(name);
  return k !== undefined && k.expr === expr && k.inputs.length === inputs.length && k.inputs.every((n, i) => n === inputs[i]) ? k : undefined;
}

/** Compiles a kernel's template with `new Function`; a kernel cannot do without one, so no eval is an error. */
export function compileKernel<F>(name: string, source: FunctionSource): F {
  const f = compileFunction<F>(source, kernelScope);
  if (f === undefined) {
    throw new AdError(
      'compileKernel',
      `this environment forbids eval and no kernels.generated.ts holds the kernels of ${name}; ` +
        'run `pnpm generate` after changing the op table, or register an op whose primal is a function (custom)',
    );
  }
  return f;
}

/** A kernel's template of the given parameters (name and TypeScript type) and body, returning `returns`. */
export function kernelSource(params: readonly (readonly [string, string])[], returns: string, body: string): FunctionSource {
  const indented = body
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
  return {
    scope: KERNEL_SCOPE,
    body: `return function (${params.map(([n, t]) => typed(n, t)).join(', ')})${tsOnly(`: ${returns}`)} {\n${indented}\n};`,
  };
}

/** The primal on numbers: `(x, y) => expr`. */
function scalarSource(names: readonly string[], expr: string): FunctionSource {
  return kernelSource(
    names.map((n) => [n, 'number']),
    'number',
    `return ${expr};`,
  );
}

/** A strided operand as the kernels read it: element (i₀…iₖ) is data[offset + Σ iⱼ·stride[j]]. */
export interface Strided {
  readonly data: Float64Array;
  readonly offset: number;
  readonly stride: readonly number[];
}

/** Layout of one operand in a flat loop: 'f' walks it element by element, 's' reads one scalar. */
export type Layout = 'f' | 's';

/** out[i] = expr(operands at i) for contiguous or scalar operands. */
type FlatKernel = (out: Float64Array, n: number, ...operands: (Float64Array | number)[]) => void;

/** out (contiguous, row-major over `shape`) = expr(operands read through their strides). */
type StridedKernel = (out: Float64Array, shape: readonly number[], ...operands: (Float64Array | number | readonly number[])[]) => void;

/**
 * The loops of one element-wise expression over named operands, e.g.
 * `new ElementwiseKernel(['x', 'y'], 'x + y', 'add')`: the generated ones when
 * `kernels.generated.ts` holds this name with these inputs and this expression, otherwise
 * compiled from the templates on first use.
 */
export class ElementwiseKernel {
  /** Flat loops by layout code: bit i set when operand i is a scalar (3 operands at most). */
  private readonly flat: (FlatKernel | undefined)[] = [];
  private strided: StridedKernel | undefined;
  private readonly generated: GeneratedKernels | undefined;
  /** The primal on plain numbers (the scalar primal), compiled once. */
  readonly scalar: (...xs: number[]) => number;

  /** The operands' names. */
  readonly names: readonly string[];
  /** The expression as the grammar printed it (expression.ts): what the loops run. */
  readonly expr: string;
  /** Whether the expression is e^x of its one operand (the exp op's), which expBlocks runs. */
  private readonly exp: boolean;

  constructor(
    names: readonly string[],
    expr: string,
    /** The op's name: kernels.generated.ts keys its loops by it, and errors name it. */
    readonly name: string,
  ) {
    // The text never reaches a loop: the grammar parses it and the loops get its printed tree.
    const parsed = parseElementwise('ElementwiseKernel', name, names, expr);
    this.names = parsed.inputs;
    this.expr = parsed.source;
    this.generated = generatedFor(name, this.names, this.expr);
    this.scalar = this.generated?.scalar(kernelScope) ?? compileKernel(name, scalarSource(this.names, this.expr));
    this.exp = this.names.length === 1 && this.expr === `Special.exp(${this.names[0]})`;
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
      const n = out.length;
      if (this.exp && code === 0 && n >= EXP_BLOCKED_FROM) {
        expBlocks(out, operands[0].data, operands[0].offset);
        return;
      }
      const k = this.flat[code] ?? this.compileFlat(code);
      const [a, b, c] = operands;
      if (operands.length === 1) k(out, n, a.data, a.offset);
      else if (operands.length === 2) k(out, n, a.data, a.offset, b.data, b.offset);
      else k(out, n, a.data, a.offset, b.data, b.offset, c.data, c.offset);
      return;
    }
    this.strided ??= this.compileStrided();
    const [a, b, c] = operands;
    if (operands.length === 1) this.strided(out, shape, a.data, a.offset, a.stride);
    else if (operands.length === 2) this.strided(out, shape, a.data, a.offset, a.stride, b.data, b.offset, b.stride);
    else this.strided(out, shape, a.data, a.offset, a.stride, b.data, b.offset, b.stride, c.data, c.offset, c.stride);
  }

  private compileFlat(code: number): FlatKernel {
    const layouts = this.names.map((_, i): Layout => (code & (1 << i) ? 's' : 'f'));
    const factory = this.generated?.flat[layouts.join(',')];
    const kernel = (factory?.(kernelScope) as FlatKernel | undefined) ?? compileKernel<FlatKernel>(this.name, flatSource(this.names, this.expr, layouts));
    this.flat[code] = kernel;
    return kernel;
  }

  private compileStrided(): StridedKernel {
    return (this.generated?.strided(kernelScope) as StridedKernel | undefined) ?? compileKernel<StridedKernel>(this.name, stridedSource(this.names, this.expr));
  }
}

/** From this many elements a contiguous exp runs through the exp kernel's scratch (expBlocks). */
const EXP_BLOCKED_FROM = 256;

/**
 * out[i] = e^(x[off + i]) a block at a time through exp scratch (paths.ts): each block copied in
 * with one `set`, exponentiated in place by the WebAssembly SIMD kernel (or Special.exp where it
 * does not load) and copied out: the bits of the JavaScript loop, in 3.0 ms against 6.9 ms for
 * 1.28·10⁶ elements, measured without the copies.
 */
function expBlocks(out: Float64Array, x: Float64Array, off: number): void {
  const n = out.length;
  const scratch = expScratch(1);
  const heap = scratch.heap;
  const at = scratch.at;
  for (let b = 0; b < n; b += EXP_BLOCK) {
    const end = Math.min(b + EXP_BLOCK, n);
    heap.set(x.subarray(off + b, off + end), at);
    scratch.run(at, end - b, 0, 0);
    out.set(heap.subarray(at, at + end - b), b);
  }
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

/** The templates of an expression's kernels, keyed as kernels.generated.ts keys them: what `pnpm generate` renders. */
export function kernelSources(
  names: readonly string[],
  expr: string,
): { scalar: FunctionSource; flat: Record<string, FunctionSource>; strided: FunctionSource } {
  const { inputs, source } = parseElementwise('kernelSources', 'kernel', names, expr);
  const flat: Record<string, FunctionSource> = {};
  for (let code = 0; code < 1 << inputs.length; code++) {
    const layouts = inputs.map((_, i): Layout => (code & (1 << i) ? 's' : 'f'));
    flat[layouts.join(',')] = flatSource(inputs, source, layouts);
  }
  return { scalar: scalarSource(inputs, source), flat, strided: stridedSource(inputs, source) };
}

/** The flat loop for one layout: scalar operands are read once, the others element by element. */
function flatSource(names: readonly string[], expr: string, layouts: readonly Layout[]): FunctionSource {
  const params = names.flatMap((name): [string, string][] => [
    [`${name}Data`, 'Float64Array'],
    [`${name}Off`, 'number'],
  ]);
  const hoisted = names.filter((_, j) => layouts[j] === 's').map((name) => `const ${name} = ${name}Data[${name}Off];\n`);
  const reads = names.filter((_, j) => layouts[j] === 'f').map((name) => `  const ${name} = ${name}Data[${name}Off + i];\n`);
  const body = `${hoisted.join('')}for (let i = 0; i < n; i++) {
${reads.join('')}  out[i] = ${expr};
}`;
  return kernelSource([['out', 'Float64Array'], ['n', 'number'], ...params], 'void', body);
}

/**
 * The general loop: an odometer over the outer axes and a tight inner loop over the last axis,
 * every operand advanced by its own strides. Handles transposed, sliced and broadcast views.
 */
function stridedSource(names: readonly string[], expr: string): FunctionSource {
  const params = names.flatMap((name): [string, string][] => [
    [`${name}Data`, 'Float64Array'],
    [`${name}Off`, 'number'],
    [`${name}Stride`, 'readonly number[]'],
  ]);
  const body = `const rank = shape.length;
const last = rank - 1;
const inner = shape[last];
${names.map((x) => `let ${x}Pos = ${x}Off; const ${x}Inner = ${x}Stride[last];`).join('\n')}
const index = new Array${tsOnly('<number>')}(rank).fill(0);
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
  return kernelSource([['out', 'Float64Array'], ['shape', 'readonly number[]'], ...params], 'void', body);
}

/** The identity's loops: `copy` (ops/materialize.ts) writes strided views out with them. Not an op, so named here for the generator. */
export const copyKernel = new ElementwiseKernel(['x'], 'x', 'copy');
