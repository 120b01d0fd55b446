/**
 * Code templates, rendered two ways. The functions @ad generates — element-wise kernels,
 * reductions, the scalar fast-path methods of Dual and Var — are written once, as templates
 * whose TypeScript-only parts (type annotations, `as` casts, type arguments) are marked with
 * `tsOnly`:
 *
 * - `pnpm generate` renders them as TypeScript into the `*.generated.ts` files, which `tsc -b`
 *   type-checks under the repository's strict settings like any other source, and which the
 *   packages import: nothing is evaluated at run time, so they load under a
 *   Content-Security-Policy that forbids eval;
 * - at run time, only for what no generated file holds (an op registered by a user), the same
 *   template is rendered as JavaScript — the marked parts dropped — and compiled with
 *   `new Function`.
 *
 * Both renderings are the same code but for the marked parts, so what the type checker passed
 * is what runs.
 */
import { Special } from '../special.js';

// Delimiters from Unicode's private use area, which no code or expression contains.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKED = /\uE000([^\uE000\uE001]*)\uE001/g;

/** TypeScript in a template (`: number`, `<number>`): kept in the TypeScript rendering, dropped in the JavaScript one. */
export function tsOnly(text: string): string {
  return `${OPEN}${text}${CLOSE}`;
}

/** `name: type` in TypeScript, `name` in JavaScript (a parameter or a variable). */
export function typed(name: string, type: string): string {
  return `${name}${tsOnly(`: ${type}`)}`;
}

/** `(expr as type)` in TypeScript, `expr` in JavaScript: what the code knows and the types cannot (a dual's numeric value). */
export function cast(expr: string, type: string): string {
  return `${tsOnly('(')}${expr}${tsOnly(` as ${type})`)}`;
}

/** How a template is rendered: TypeScript for a generated file, JavaScript for `new Function`. */
export type Language = 'ts' | 'js';

/** The template as TypeScript (its marked parts kept) or JavaScript (dropped). */
export function render(template: string, language: Language): string {
  return template.replace(MARKED, language === 'ts' ? '$1' : '');
}

/**
 * A generated function as a template. Its code reads a few names from a scope (`Math`, a
 * mode's class, …) as closure variables — a local read, where a global lookup inside a
 * sandboxed global (jest's vm context) measured ~30× slower in a hot loop — so it is written
 * as the body of a factory that receives the scope and returns the function.
 */
export interface FunctionSource {
  /** The names the code reads from its scope. */
  readonly scope: readonly string[];
  /** The factory's body: statements that end by returning the function. */
  readonly body: string;
}

/** A generated function's factory: given its scope, returns the function. */
export type Factory<S, F> = (scope: S) => F;

/** The factory of a source as TypeScript, for a generated file: `function ({ Math, Special }: KernelScope) { … }`. */
export function renderFactory(source: FunctionSource, scopeType: string): string {
  const body = render(source.body, 'ts')
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
  return `function ({ ${source.scope.join(', ')} }: ${scopeType}) {\n${body}\n}`;
}

/**
 * The function of a source, compiled as JavaScript with `new Function` and given its scope;
 * undefined where the environment forbids eval (a strict Content-Security-Policy, Node's
 * `--disallow-code-generation-from-strings`). Any other error (code that does not parse) is thrown.
 */
export function compileFunction<F>(source: FunctionSource, scope: object): F | undefined {
  let factory: Factory<object, F>;
  try {
    factory = new Function(`{ ${source.scope.join(', ')} }`, render(source.body, 'js')) as Factory<object, F>;
  } catch (e) {
    if (e instanceof Error && e.name === 'EvalError') return undefined;
    throw e;
  }
  return factory(scope);
}

/** What kernels read from their scope. */
export interface KernelScope {
  readonly Math: Math;
  readonly Special: typeof Special;
}

/** The kernels' scope. */
export const kernelScope: KernelScope = { Math, Special };

/** The names of the kernels' scope. */
export const KERNEL_SCOPE: readonly (keyof KernelScope)[] = ['Math', 'Special'];

/** A generated loop: its operands' types are checked in the generated file, callers cast it to their kernel type. */
export type GeneratedLoop = (...args: never[]) => void;

/**
 * The generated kernels of one element-wise expression, under its op's name: used only by a
 * kernel of that name whose inputs and expression are these (a user's op may reuse a name).
 */
export interface GeneratedKernels {
  readonly inputs: readonly string[];
  readonly expr: string;
  /** The primal on numbers. */
  readonly scalar: Factory<KernelScope, (...xs: number[]) => number>;
  /** The flat loops by layout: `f` (walked) or `s` (a scalar) per operand, joined by commas (`f,s`). */
  readonly flat: Readonly<Record<string, Factory<KernelScope, GeneratedLoop>>>;
  /** The strided (odometer) loop. */
  readonly strided: Factory<KernelScope, GeneratedLoop>;
}

/** The generated loop of one reduction, under its name: used only by a reduction with this start value and accumulator. */
export interface GeneratedReduction {
  readonly init: number;
  readonly acc: string;
  readonly loop: Factory<KernelScope, GeneratedLoop>;
}
