/**
 * Scalar rules as source code. An element-wise op's partials are written once, generically,
 * over an Algebra; tracing them with an algebra whose values are JavaScript expressions turns
 * them into plain arithmetic on numbers — sigmoid's ∂y/∂x = y(1 − y) becomes
 * `mul(y, sub(1, y))` with `mul` and `sub` defined from those ops' own expressions.
 * Modes compile this source into monomorphic fast paths for scalar values (a first-order Dual,
 * a scalar Var) — the rule is still defined once, as ForwardDiff.jl generates its scalar
 * rules from one table.
 */
import { ValueError } from '../errors.js';
import { isIdentifier } from '../kernels/expression.js';
import { compileFunction, KERNEL_SCOPE, tsOnly, typed, type Factory, type FunctionSource } from '../kernels/template.js';
import type { Interpreter } from '../ops/algebra.js';
import { isElementwiseInfo, type Op } from '../ops/define.js';
import { ops } from '../ops/table.js';
import { makeAlgebra } from './make-algebra.js';

/**
 * An element-wise op's scalar rule as a code template (template.ts: its parameters typed
 * `number` in the TypeScript rendering): helpers, primal and partials.
 */
export interface ScalarRuleSource {
  /** `const` definitions of every helper the expressions call, one per op used. */
  readonly helpers: string;
  /** The primal over the inputs, named x, y, z in order (whatever the op calls them). */
  readonly primal: string;
  /** ∂y/∂xᵢ over x, y, z and `out` (the primal's value); null for a zero derivative. */
  readonly partials: readonly string[] | null;
  /** The inputs' names in the source: x, y, z. */
  readonly inputs: readonly string[];
}

const cache = new Map<Op<unknown>, ScalarRuleSource>();

function literal(c: number): string {
  if (Number.isNaN(c)) return 'NaN';
  if (c === Infinity) return 'Infinity';
  if (c === -Infinity) return '(-Infinity)';
  return c < 0 || Object.is(c, -0) ? `(${c})` : String(c);
}

/** Parameters typed `number` (in the TypeScript rendering). */
function numbers(names: readonly string[]): string {
  return names.map((n) => typed(n, 'number')).join(', ');
}

/** The scalar rule of an element-wise op as source code (cached per op). */
export function scalarRuleSource(op: Op<undefined>): ScalarRuleSource {
  const hit = cache.get(op as Op<unknown>);
  if (hit !== undefined) return hit;
  const ew = op.elementwise;
  if (ew === undefined) throw new ValueError('scalarRuleSource', `${op.name} is not element-wise`);
  if (!isElementwiseInfo(ew)) throw new ValueError('scalarRuleSource', `${op.name}'s elementwise field was not made by elementwise()`);
  const helpers = new Map<string, string>();
  const helper = (o: Op<unknown>): string => {
    const info = o.elementwise;
    if (info === undefined) throw new ValueError('scalarRuleSource', `${op.name}'s rule uses ${o.name}, which is not element-wise`);
    // The helper's name and body become code: only an identifier, and an expression the grammar printed.
    if (!isElementwiseInfo(info) || !isIdentifier(o.name)) {
      throw new ValueError('scalarRuleSource', `${op.name}'s rule uses an op that elementwise() did not make`);
    }
    const name = `op_${o.name}`;
    if (!helpers.has(name)) helpers.set(name, `const ${name} = (${numbers(info.inputs)})${tsOnly(': number')} => ${info.expr};`);
    return name;
  };
  // The values of this tracing are source text, so every one is checked to be text it made
  // itself (an input, a constant, a helper's call): a rule that returns or passes any other
  // string — code, say — is refused rather than compiled.
  const inputs = ew.inputs.map((_, i) => 'xyz'[i]);
  const made = new Set<string>([...inputs, 'out']);
  const mine = (x: unknown, what: string): string => {
    if (typeof x !== 'string' || !made.has(x)) {
      throw new ValueError(
        'scalarRuleSource',
        `${op.name}'s partials ${what} a value that is not one of the algebra's (${typeof x}): partials must compute with o's functions only`,
      );
    }
    return x;
  };
  const keep = (x: string): string => {
    made.add(x);
    return x;
  };
  const interpreter: Interpreter<string> = {
    apply: (o, xs) => keep(`${helper(o as Op<unknown>)}(${xs.map((x) => mine(x, 'pass')).join(', ')})`),
    constant: (c) => {
      if (typeof c !== 'number') throw new ValueError('scalarRuleSource', `${op.name}'s partials use a constant that is not a number (${typeof c})`);
      return keep(literal(c));
    },
    shape: () => [],
    isValue: (x) => typeof x === 'string',
  };
  const symbolic = makeAlgebra(interpreter);
  const self = helper(op as Op<unknown>);
  // Canonical names (inputs, above), so every method template reads its operands as x and y
  // (leakyRelu calls its second input a, atan2 its first y: the templates must not depend on that).
  const partials =
    ew.partials === null
      ? null
      : ew.partials.map((p) => {
          const d: unknown = p(symbolic, inputs, 'out');
          return typeof d === 'number' ? literal(d) : mine(d, 'return');
        });
  const source: ScalarRuleSource = {
    helpers: [...helpers.values()].join('\n'),
    primal: `${self}(${inputs.join(', ')})`,
    partials,
    inputs,
  };
  cache.set(op as Op<unknown>, source);
  return source;
}

/**
 * A mode's fast path for the methods of its scalar kind, as code templates (template.ts; see
 * scalarMethodSource), and how its generated file (`fast-path.generated.ts`) types them.
 */
export interface ScalarFastPath {
  /** The scalar kind's class: the type of `this` and of every method's result (`Dual`). */
  readonly kind: string;
  /** The type of the scope in the generated file (`DualScope`; it extends KernelScope). */
  readonly scopeType: string;
  /** The names the templates read from the scope besides `Math` and `Special`. */
  readonly scope: readonly string[];
  /** The generated file's imports: the kind's and the scope's types. */
  readonly imports: readonly string[];
  /** Extra definitions the fast paths use. */
  readonly helpers?: string;
  /** The body's fast path for an op of one operand (`this`); it returns, or falls through to the general path. */
  readonly unary: string;
  /** The same for two operands (`this`, `b`). */
  readonly binary: string;
  /**
   * The hottest case, one operand, when it is worth a method of its own: kept alone in the
   * method, small enough for V8 to inline into the caller (and then drop the intermediate
   * objects), with `unary` moved into a second function it falls through to.
   */
  readonly hotUnary?: string;
  /** The same for two operands. */
  readonly hotBinary?: string;
}

/** A scalar kind's method as compiled: `this` and operands in, a value of the kind out. */
export type FastMethod<S> = (this: S, ...operands: never[]) => S;

/**
 * The template of a scalar kind's method for an element-wise op of one or two operands: the
 * op's scalar rule (primal, d0, d1 over x, y and out) and the mode's fast path, which falls
 * through to `slow` (the general interpreter) when it does not apply. Forward mode's Dual and
 * reverse mode's Var give their fast paths; the rest is written once, here. Null for an op
 * with zero derivative: the general path alone serves it.
 */
export function scalarMethodSource(name: string, op: Op<undefined>, fast: ScalarFastPath): FunctionSource | null {
  const src = scalarRuleSource(op);
  if (src.partials === null) return null;
  const unary = src.inputs.length === 1;
  const inputs = src.inputs;
  const rule = [
    src.helpers,
    fast.helpers ?? '',
    `const primal = (${numbers(inputs)})${tsOnly(': number')} => ${src.primal};`,
    ...src.partials.map((p, i) => `const d${i} = (${numbers([...inputs, 'out'])})${tsOnly(': number')} => ${p};`),
  ].filter((line) => line !== '');
  // `this` and the operand, typed in TypeScript: (this: Dual, b: unknown): Dual.
  const params = unary ? tsOnly(`this: ${fast.kind}`) : `${tsOnly(`this: ${fast.kind}, `)}${typed('b', 'unknown')}`;
  const returns = tsOnly(`: ${fast.kind}`);
  const rest = unary ? '' : ', b';
  const hot = unary ? fast.hotUnary : fast.hotBinary;
  const scope = [...KERNEL_SCOPE, ...fast.scope];
  if (hot === undefined) {
    return {
      scope,
      body: `${rule.join('\n')}
return function ${name}(${params})${returns} {
${unary ? fast.unary : fast.binary}
  return slow(this${rest});
};`,
    };
  }
  return {
    scope,
    body: `${rule.join('\n')}
function general(${params})${returns} {
${unary ? fast.unary : fast.binary}
  return slow(this${rest});
}
return function ${name}(${params})${returns} {
${hot}
  return general.call(this${rest});
};`,
  };
}

/**
 * A scalar kind's fast method for an element-wise op: the generated one (the mode's
 * `fast-path.generated.ts`, keyed by op name) when the op is the table's built-in op of that
 * name; otherwise (an op registered after the build) compiled from the mode's templates with
 * `new Function`. Undefined where the general path serves it: an op with zero derivative, or
 * eval forbidden (a registered op under a strict Content-Security-Policy has no fast path).
 */
export function scalarMethod<S extends object, K>(
  name: string,
  op: Op<undefined>,
  fast: ScalarFastPath,
  generated: Readonly<Record<string, Factory<S, FastMethod<K>>>>,
  scope: S,
): FastMethod<K> | undefined {
  const factory = Object.hasOwn(ops, name) && (ops as Record<string, unknown>)[name] === op ? generated[name] : undefined;
  if (factory !== undefined) return factory(scope);
  const source = scalarMethodSource(name, op, fast);
  return source === null ? undefined : compileFunction<FastMethod<K>>(source, scope);
}
