/**
 * `registerOp`: users extend the table the way the core defines it. An op made with
 * `elementwise`, `linear`, `bilinear`, `custom` (and `withMethod`), or a `composite`, becomes a
 * method of every kind that has the table's methods, a function of every algebra, and so
 * differentiable in every mode and nesting — jit included, which traces the same table.
 */
import { AdError, DTypeError, ValueError } from './errors.js';
import type { Tensor } from './tensor.js';
import { isPatternRule } from './ops/sparsity.js';
import { checkFlags, isBatchRule, isElementwiseInfo, madeByHelper, type Composite, type CompositeFlags, type Op } from './ops/define.js';
import { hasFastPath } from './engine/entries.js';
import { scalarRuleSource } from './engine/scalar-source.js';
import type { Entry, MethodContext, MethodImpl, Operand, Self, Signature } from './ops/signature.js';
import { table } from './ops/table.js';
import { isIdentifier } from './kernels/expression.js';
import { anyOps } from './engine/dispatch.js';
import { hostsHave } from './engine/hosts.js';
import { addEntry } from './engine/register.js';

/** An entry that users can register: an op (with its method, or given the default one), or a composite. */
export type Registrable = Op<never, unknown> | Composite;

/** The free function of a registered entry: its method's signature on tensors, or every operand a tensor or number. */
export type Registered<E> = E extends { readonly method: MethodImpl } ? Signature<E['method'], Tensor> : (...xs: (Tensor | number)[]) => Tensor;

/**
 * Adds an op to the table and returns its free function (typed on tensors; it dispatches on
 * any kind). Its method appears on Tensor, DualTensor, TensorVar, Dual and Var (the last two
 * for element-wise ops, and for others registered with `{ scalar: true }`); an op without a
 * method takes its operands as they come. Declare it on `OpTable` for the methods' types:
 *
 * ```ts
 * const steOp: Op<undefined> = custom<undefined>({ name: 'ste', arity: 1, primal, jvp, vjp });
 * declare module '@ad/core' {
 *   interface OpTable { ste: typeof steOp & { readonly method: (c: MethodContext, x: Self) => Self; readonly scalar: true } }
 * }
 * const ste = registerOp(steOp, { scalar: true });
 * ```
 *
 * Throws a ValueError for a name the table has (ops cannot be replaced: that would change
 * every model), for a name that would change how JavaScript treats every value (`then` would
 * make every tensor a thenable; `toJSON`, `valueOf`, `constructor`, names starting with `__`,
 * members of Object.prototype or of the kinds), and for partials that do not trace over the
 * algebra; and a DTypeError for anything the helpers did not make, or whose fields were
 * reassigned since (arity, differentiable, rules, method, flags).
 */
export function registerOp<E extends Registrable>(entry: E, flags: CompositeFlags = {}): Registered<E> {
  if (entry === null || typeof entry !== 'object' || !madeByHelper(entry)) {
    // Only what the helpers made: a look-alike object would be installed and its rules skipped
    // or misread by the engines (a gradient silently zero).
    throw new DTypeError(
      'registerOp',
      `expected an op made with elementwise, linear, bilinear, custom, withMethod or composite, got ${describe(entry)}; ` +
        'build the op with one of them (they check its fields) instead of writing the object by hand',
    );
  }
  const name = entry.name;
  if (!isIdentifier(name)) throw new ValueError('registerOp', `the op's name must be an identifier, got ${JSON.stringify(name) ?? typeof name}`);
  if (typeof flags !== 'object' || flags === null)
    throw new DTypeError('registerOp', `flags must be an object ({ scalar?: true, receiver?: false }), got ${flags === null ? 'null' : typeof flags}`);
  checkFlags('registerOp', `${name}: flags`, flags);
  const why = refusedName(name);
  if (why !== undefined) throw new ValueError('registerOp', `the name ${name} ${why}; choose another name`);
  if (Object.hasOwn(table, name)) throw new ValueError('registerOp', `the table already has a function named ${name}`);
  // A method must not hide a member the kinds have (shape, grad, backward, …).
  if (['interpreter', 'shape', 'constant'].includes(name) || hostsHave(name)) {
    throw new ValueError('registerOp', `${name} is already a member of tensors or values; choose another name`);
  }
  checkFields(entry);
  // An op without a method takes its operands as they come, each a value or a number (as the
  // element-wise ops do), and no parameters.
  if (typeof entry.method !== 'function') {
    const op = entry as Op<undefined>;
    Object.assign(op, {
      method: (c: MethodContext, ...xs: Operand<Self>[]): Self =>
        c.apply(
          op,
          xs.map((x) => c.lift(name, x)),
          undefined,
        ),
    });
  }
  Object.assign(entry, flags);
  // The scalar modes compile an element-wise op's partials into code: trace them now, so a rule
  // that would not compile (or smuggles text) is refused here, by name, not at its first use.
  if (hasFastPath(entry as Entry)) {
    try {
      scalarRuleSource(entry as Op<undefined>);
    } catch (e) {
      if (e instanceof AdError) throw new ValueError('registerOp', `${name}: partials: ${e.message.replace(/^scalarRuleSource: /, '')}`);
      throw e;
    }
  }
  addEntry(entry as Entry);
  return (anyOps as unknown as Record<string, Registered<E>>)[name];
}

/**
 * Names that would change how JavaScript, or the tools around it, treat every tensor and value
 * once they are methods: why each is refused.
 */
const SPECIAL_NAMES: ReadonlyMap<string, string> = new Map([
  ['then', 'would make every tensor and value a thenable: `await x` would call it and never settle'],
  ['constructor', 'would replace the class of every tensor and value as JavaScript reads it'],
  ['toJSON', 'would change what JSON.stringify writes for every tensor and value'],
  ['valueOf', 'would change how every tensor and value converts to a number or string'],
  ['toString', 'would change how every tensor and value converts to a string'],
  ['toLocaleString', 'would change how every tensor and value converts to a string'],
  ['inspect', "would change how Node's console and util.inspect print every tensor and value"],
  ['asymmetricMatch', 'would make test frameworks treat every tensor and value as a matcher'],
]);

/** Why a name cannot be an op's, or undefined when it can. */
function refusedName(name: string): string | undefined {
  const why = SPECIAL_NAMES.get(name);
  if (why !== undefined) return why;
  if (name.startsWith('__')) return 'starts with __, which JavaScript engines and tools reserve (__proto__, __defineGetter__, …)';
  if (name in Object.prototype) return 'is a member every object has (Object.prototype)';
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return Array.isArray(v) ? 'an array' : 'an object the helpers did not make';
}

/**
 * The fields the engines read, checked once more: the helpers made the entry, but its fields
 * can still be reassigned before it is registered (the types say readonly; plain JavaScript does not).
 */
function checkFields(entry: Registrable): void {
  const e = entry as unknown as Record<string, unknown>;
  const name = entry.name;
  const field = (key: string, ok: boolean, needed: string): void => {
    if (!ok) throw new DTypeError('registerOp', `${name}: ${key} must be ${needed}, got ${e[key] === null ? 'null' : typeof e[key]}`);
  };
  field('method', e.method === undefined || typeof e.method === 'function', 'a function (or absent)');
  field('receiver', e.receiver === undefined || e.receiver === false, 'false (or absent)');
  field('scalar', e.scalar === undefined || e.scalar === true, 'true (or absent)');
  field('batch', e.batch === undefined || isBatchRule(e.batch), 'a batching rule ({ how, apply }) (or absent)');
  field('pattern', e.pattern === undefined || isPatternRule(e.pattern), 'a sparsity rule ({ how, apply }) (or absent)');
  if ('composite' in entry) {
    field('method', typeof e.method === 'function', 'a function');
    return;
  }
  field('arity', Number.isInteger(e.arity) && (e.arity as number) >= 1, 'a positive integer');
  field('differentiable', typeof e.differentiable === 'boolean', 'true or false');
  for (const key of ['primal', 'jvp', 'vjp']) field(key, typeof e[key] === 'function', 'a function');
  if (e.elementwise !== undefined) {
    field('elementwise', isElementwiseInfo(e.elementwise), 'the field elementwise() made');
    const inputs = (e.elementwise as { inputs: readonly string[] }).inputs.length;
    if (inputs !== e.arity) throw new ValueError('registerOp', `${name}: arity ${String(e.arity)} differs from its ${inputs} element-wise inputs`);
  }
}
