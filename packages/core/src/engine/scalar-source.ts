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
import type { Interpreter } from '../ops/algebra.js';
import type { Op } from '../ops/define.js';
import { makeAlgebra } from './make-algebra.js';

/** An element-wise op's scalar rule as JavaScript source: helpers, primal and partials. */
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

/** The scalar rule of an element-wise op as source code (cached per op). */
export function scalarRuleSource(op: Op<undefined>): ScalarRuleSource {
  const hit = cache.get(op as Op<unknown>);
  if (hit !== undefined) return hit;
  const ew = op.elementwise;
  if (ew === undefined) throw new ValueError('scalarRuleSource', `${op.name} is not element-wise`);
  const helpers = new Map<string, string>();
  const helper = (o: Op<unknown>): string => {
    const info = o.elementwise;
    if (info === undefined) throw new ValueError('scalarRuleSource', `${op.name}'s rule uses ${o.name}, which is not element-wise`);
    const name = `op_${o.name}`;
    if (!helpers.has(name)) helpers.set(name, `const ${name} = (${info.inputs.join(', ')}) => ${info.expr};`);
    return name;
  };
  const interpreter: Interpreter<string> = {
    apply: (o, xs) => `${helper(o as Op<unknown>)}(${xs.join(', ')})`,
    constant: literal,
    shape: () => [],
    isValue: (x) => typeof x === 'string',
  };
  const symbolic = makeAlgebra(interpreter);
  const self = helper(op as Op<unknown>);
  // Canonical names, so every method template reads its operands as x and y (leakyRelu calls its
  // second input a, atan2 its first y: the templates must not depend on that).
  const inputs = ew.inputs.map((_, i) => 'xyz'[i]);
  const partials =
    ew.partials === null
      ? null
      : ew.partials.map((p) => {
          const d = p(symbolic, inputs, 'out');
          return typeof d === 'number' ? literal(d) : d;
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

/** A mode's fast path for the methods of its scalar kind, as source (see scalarMethodSource). */
export interface ScalarFastPath {
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

/**
 * The source of a scalar kind's method for an element-wise op of one or two operands: the op's
 * scalar rule (primal, d0, d1 over x, y and out) and the mode's fast path, which falls through
 * to `slow` (the general interpreter) when it does not apply. Forward mode's Dual and reverse
 * mode's Var give their fast paths; the rest is written once, here. Null for an op with zero
 * derivative: the general path alone serves it.
 */
export function scalarMethodSource(name: string, op: Op<undefined>, fast: ScalarFastPath): string | null {
  const src = scalarRuleSource(op);
  if (src.partials === null) return null;
  const unary = src.inputs.length === 1;
  const params = unary ? 'x' : 'x, y';
  const rule = [
    src.helpers,
    fast.helpers ?? '',
    `const primal = (${params}) => ${src.primal};`,
    ...src.partials.map((p, i) => `const d${i} = (${params}, out) => ${p};`),
  ].filter((line) => line !== '');
  const args = unary ? '' : 'b';
  const rest = unary ? '' : ', b';
  const hot = unary ? fast.hotUnary : fast.hotBinary;
  if (hot === undefined) {
    return `${rule.join('\n')}
return function ${name}(${args}) {
${unary ? fast.unary : fast.binary}
  return slow(this${rest});
};`;
  }
  return `${rule.join('\n')}
function general(${args}) {
${unary ? fast.unary : fast.binary}
  return slow(this${rest});
}
return function ${name}(${args}) {
${hot}
  return general.call(this${rest});
};`;
}
