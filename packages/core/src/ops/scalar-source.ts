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
import type { Interpreter } from './algebra.js';
import type { Op } from './define.js';
import { makeAlgebra } from './facade.js';

/** An element-wise op's scalar rule as JavaScript source: helpers, primal and partials. */
export interface ScalarRuleSource {
  /** `const` definitions of every helper the expressions call, one per op used. */
  readonly helpers: string;
  /** The primal over the op's input names. */
  readonly primal: string;
  /** ∂y/∂xᵢ over the input names and `out` (the primal's value); null for a zero derivative. */
  readonly partials: readonly string[] | null;
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
  const partials =
    ew.partials === null
      ? null
      : ew.partials.map((p) => {
          const d = p(symbolic, ew.inputs, 'out');
          return typeof d === 'number' ? literal(d) : d;
        });
  const source: ScalarRuleSource = {
    helpers: [...helpers.values()].join('\n'),
    primal: `${self}(${ew.inputs.join(', ')})`,
    partials,
    inputs: ew.inputs,
  };
  cache.set(op as Op<unknown>, source);
  return source;
}
