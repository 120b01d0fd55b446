/**
 * An op is defined once: its name, its primal on tensors (shape check, then kernel), its
 * forward rule and its reverse rule. Forward mode reads `jvp`, reverse mode reads `vjp`; both
 * rules are code over an `Algebra<T>`, so they run in any mode, nested ones included.
 *
 * Helpers cover the common shapes of rule, as JAX's ad.py does:
 * - `elementwise`: give ∂y/∂xᵢ per input; the helper derives ẏ = Σ ∂y/∂xᵢ·ẋᵢ and
 *   x̄ᵢ += sumToShape(ȳ·∂y/∂xᵢ), so broadcast un-reduction happens here, once.
 * - `linear`: the tangent rule is the op itself (ẏ = f(ẋ)); give the transpose (x̄ = fᵀ(ȳ)).
 * - `bilinear`: ż = f(ẋ, y) + f(x, ẏ); give the transposes in each argument (matmul).
 * - `custom`: both rules by hand, side by side (softmax, matmul, max).
 *
 * An op may also say how it runs over a batch (`batch`, batching.ts): element-wise ops get
 * theirs from `elementwise`; vmap refuses an op without one, by name. Likewise how its output
 * elements depend on its operands' (`pattern`, sparsity.ts), which @ad/sparse's detection reads.
 */
import { allocate } from '../kernels/alloc.js';
import { DTypeError, ValueError } from '../errors.js';
import { isIdentifier, parseElementwise } from '../kernels/expression.js';
import { nanSafeState as nanSafe } from '../nan-safe.js';
import { broadcastShapes, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { ElementwiseKernel, type Strided } from '../kernels/elementwise.js';
import type { Algebra } from './algebra.js';
import { elementwiseBatch, type BatchRule } from './batching.js';
import { elementwisePattern, isPatternRule, type PatternRule } from './sparsity.js';
import type { MethodContext, MethodImpl, Operand, Self } from './signature.js';

/** Forward rule once linearised at a point: maps input tangents (null = zero) to ẏ (null = zero). */
export type Pushforward<T> = (xDots: readonly (T | null)[]) => T | null;

/** Reverse rule once linearised at a point: maps ȳ to each input's x̄ (null where not needed or zero). */
export type Pullback<T> = (yBar: T, needs: readonly boolean[]) => (T | null)[];

/**
 * One op, defined once: its name, primal, forward rule and reverse rule (see the module comment),
 * and how users call it (`method`, see signature.ts).
 */
export interface Op<P = undefined, M = unknown> {
  readonly name: string;
  /** Number of tensor inputs. */
  readonly arity: number;
  /** The value on tensors: checks shapes (throwing a ShapeError that names the op), then runs the kernel. */
  primal(xs: readonly Tensor[], params: P): Tensor;
  /** Forward rule at (xs, y = op(xs)): returns the map ẋ ↦ ẏ. */
  jvp<T>(o: Algebra<T>, xs: readonly T[], y: T, params: P): Pushforward<T>;
  /** Reverse rule at (xs, y = op(xs)): returns the map ȳ ↦ x̄. */
  vjp<T>(o: Algebra<T>, xs: readonly T[], y: T, params: P): Pullback<T>;
  /** False for ops whose derivative is zero wherever it exists (sign, comparisons, argmax). */
  readonly differentiable: boolean;
  /** Present on element-wise ops: the scalar primal and partials, the fast path of scalar modes. */
  readonly elementwise?: ElementwiseInfo;
  /**
   * The function users call, written over Self (signature.ts): it checks and normalises the
   * arguments and applies the op. Absent on ops that only rules apply (col2im, unslice).
   */
  readonly method?: M;
  /** False for a function that is not a method (`where`, whose first operand is a condition). */
  readonly receiver?: boolean;
  /** How it runs over a batch of examples (vmap); absent on an op vmap refuses. */
  readonly batch?: BatchRule<P>;
  /**
   * Which operand elements each output element depends on (sparsity detection); absent on an
   * op whose derivative is zero (nothing flows) and on one detection refuses.
   */
  readonly pattern?: PatternRule<P>;
}

/** The method of an element-wise op: its operands, numbers taken as constants. */
export type ElementwiseMethod<I extends readonly string[]> = I extends readonly [string]
  ? (c: MethodContext, x: Self) => Self
  : I extends readonly [string, string]
    ? (c: MethodContext, x: Operand<Self>, y: Operand<Self>) => Self
    : (c: MethodContext, ...xs: { [K in keyof I]: Operand<Self> }) => Self;

/** An element-wise op of the table, with its inputs' names. */
export type ElementwiseOp<I extends readonly string[]> = OpWithMethod<undefined, ElementwiseMethod<I>> & { readonly elementwise: ElementwiseInfo };

/**
 * The types the table's ops are declared with. An op's declared type is what the table reads
 * (signature.ts); declaring it, rather than letting TypeScript infer it from the definition,
 * keeps the table's type from depending on the rules, which are typed by the table.
 */
export type Unary = ElementwiseOp<readonly [string]>;
/** An element-wise op of two operands (see Unary). */
export type Binary = ElementwiseOp<readonly [string, string]>;

/**
 * ∂y/∂xᵢ as a value of the mode, or a plain number when it is constant (add: 1, sub: −1).
 * The table's partials read their operands by index (`xs[0]`), not by destructuring
 * (`[a, b]`): they run once per scalar op in the scalar modes, on arrays of several kinds
 * (numbers, Duals, nodes), and there V8 ran a destructuring through the array iterator,
 * allocating as it went — a third of the sparse Hessian's pass over 2,000 numbers (bench/README.md).
 */
export type Partial = <T>(o: Algebra<T>, xs: readonly T[], y: T) => T | number;

/** What an element-wise op also offers: its expression, scalar primal and partials. */
export interface ElementwiseInfo {
  /** Input names and the primal as a JavaScript expression over them (the kernels' source). */
  readonly inputs: readonly string[];
  readonly expr: string;
  /** The primal on numbers, compiled from the same expression as the tensor kernel. */
  readonly scalar: (...xs: number[]) => number;
  /** ∂y/∂xᵢ for each input; null for an op with zero derivative. */
  readonly partials: readonly Partial[] | null;
}

/** What `elementwise` needs: the op's name, its inputs, its primal expression and its partials. */
export interface ElementwiseSpec<I extends readonly string[] = readonly string[]> {
  name: string;
  /** Input names, as the expression uses them: `['x']`, `['x', 'y']`. */
  inputs: I;
  /** The primal as a JavaScript expression over the inputs, e.g. `Math.exp(x)`. */
  expr: string;
  /** ∂y/∂xᵢ per input, in terms of the inputs and the output y; omit for a zero derivative. */
  partials?: readonly Partial[];
  /** Which operand elements each output element depends on, when sharper than every operand's broadcast element (mul: not where a constant factor is 0). */
  pattern?: PatternRule<undefined>;
}

/** An op of the table with its method. */
export type OpWithMethod<P, M> = Op<P, M> & {
  /** The function users call (see Op's `method`). */
  readonly method: M;
};

/**
 * What the helpers made: registerOp takes these only, so a plain object that merely looks like
 * an op (and whose rules the engines would then skip or misread) is refused where it is registered.
 */
const madeByHelpers = new WeakSet<object>();

/** The `elementwise` fields `elementwise` made (frozen): the only ones whose expression reached the kernels through the grammar. */
const elementwiseInfos = new WeakSet<object>();

/** True for an op or composite made by elementwise, linear, bilinear, custom, composite (withMethod keeps the op it is given). */
export function madeByHelper(entry: object): boolean {
  return madeByHelpers.has(entry);
}

/** True for the `elementwise` field of an op that `elementwise` made. */
export function isElementwiseInfo(info: unknown): info is ElementwiseInfo {
  return typeof info === 'object' && info !== null && elementwiseInfos.has(info);
}

function brand<T extends object>(entry: T): T {
  madeByHelpers.add(entry);
  return entry;
}

/**
 * An element-wise op with NumPy broadcasting, from its expression and its partials. The
 * expression is parsed by the grammar of kernels/expression.ts, and what the kernels run is
 * printed from its tree: a bad name, function or syntax is refused here, naming the op and the part.
 */
export function elementwise<const I extends readonly string[]>(spec: ElementwiseSpec<I>): ElementwiseOp<I> {
  checkSpec('elementwise', spec, []);
  const parsed = parseElementwise('elementwise', spec.name, spec.inputs, spec.expr);
  if (
    spec.partials !== undefined &&
    (!Array.isArray(spec.partials) || spec.partials.length !== parsed.inputs.length || !spec.partials.every((p) => typeof p === 'function'))
  ) {
    throw new DTypeError('elementwise', `${spec.name}: partials must give one function per input (${parsed.inputs.length})`);
  }
  const inputs = Object.freeze([...parsed.inputs]);
  const kernel = new ElementwiseKernel(inputs, parsed.source, spec.name);
  const partials = spec.partials === undefined ? null : Object.freeze([...spec.partials]);
  const arity = inputs.length;
  const name = spec.name;
  const info: ElementwiseInfo = Object.freeze({ inputs, expr: parsed.source, scalar: kernel.scalar, partials });
  elementwiseInfos.add(info);
  const op: ElementwiseOp<I> = {
    name,
    arity,
    differentiable: partials !== null,
    elementwise: info,
    batch: elementwiseBatch,
    pattern: spec.pattern ?? (elementwisePattern as PatternRule<undefined>),
    primal: (xs) => {
      const shape = arity === 1 ? xs[0].shape : broadcastShapes(spec.name, ...xs.map((x) => x.shape));
      const out = allocate(sizeOf(shape));
      kernel.run(
        out,
        shape,
        xs.map((x) => broadcastView(x, shape)),
      );
      return Tensor.fromData(out, shape);
    },
    // ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ
    jvp: (o, xs, y) => (xDots) => {
      if (partials === null) return null;
      let yDot: typeof y | null = null;
      for (let i = 0; i < arity; i++) {
        const xDot = xDots[i];
        if (xDot === null) continue;
        const partial = partials[i](o, xs, y);
        // NaN-safe mode: where ẋᵢ = 0 the term is 0, even if ∂y/∂xᵢ is ±∞ or NaN (nan-safe.ts).
        const term = nanSafe.on && typeof partial !== 'number' ? o.where(o.eq(xDot, 0), 0, o.mul(partial, xDot)) : scale(o, partial, xDot);
        yDot = yDot === null ? term : o.add(yDot, term);
      }
      // A tangent has its primal's shape: an operand that was broadcast gets broadcast here too.
      if (yDot !== null && !shapesEqual(o.shape(yDot), o.shape(y))) yDot = o.broadcastTo(yDot, o.shape(y));
      return yDot;
    },
    // x̄ᵢ += sumToShape(ȳ · ∂y/∂xᵢ, shape(xᵢ))
    vjp: (o, xs, y) => (yBar, needs) =>
      xs.map((x, i) => {
        if (!needs[i] || partials === null) return null;
        return partialShare(o, partials[i](o, xs, y), yBar, o.shape(x));
      }),
    // Numbers are lifted to constants; two common arities get closures without rest arguments.
    method: (arity === 1
      ? (c: MethodContext, x: Self): Self => c.apply(op, [c.lift(name, x)], undefined)
      : arity === 2
        ? (c: MethodContext, x: Operand<Self>, y: Operand<Self>): Self => c.apply(op, [c.lift(name, x), c.lift(name, y)], undefined)
        : (c: MethodContext, ...xs: Operand<Self>[]): Self =>
            c.apply(
              op,
              xs.map((x) => c.lift(name, x)),
              undefined,
            )) as ElementwiseMethod<I>,
  };
  defaultMethods.add(op.method);
  return brand(op);
}

/** The methods `elementwise` made (not replaced by withMethod): Dual's and Var's fast paths compile those. */
const defaultMethods = new WeakSet<object>();

/**
 * True for an element-wise op of one or two operands called as `x.op(y)`: the shape of
 * method that scalar modes compile a fast path for.
 */
export function hasPlainScalarMethod(op: Op<never, unknown>): boolean {
  return op.elementwise !== undefined && op.elementwise.inputs.length <= 2 && typeof op.method === 'function' && defaultMethods.has(op.method);
}

/**
 * Gives an op its method (see signature.ts): `build` receives the op and returns the function
 * users call, which checks their arguments and applies it. The op itself is returned, so
 * rules that refer to it and the table hold the same object.
 */
export function withMethod<B extends Op<never, unknown>, M extends MethodImpl, const O extends { receiver?: false } = Record<never, never>>(
  op: B,
  build: (op: B) => M,
  options?: O,
): Omit<B, 'method'> & { readonly method: M } & O {
  checkSpec('withMethod', op, [], ['primal', 'jvp', 'vjp']);
  if (typeof build !== 'function')
    throw new DTypeError('withMethod', `${op.name}: expected a function that builds the method from the op, got ${typeof build}`);
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null) throw new DTypeError('withMethod', `${op.name}: options must be an object ({ receiver?: false })`);
    checkFlags('withMethod', `${op.name}: options`, options);
  }
  const method = build(op);
  if (typeof method !== 'function') throw new DTypeError('withMethod', `${op.name}: the builder must return the method (a function), got ${typeof method}`);
  Object.assign(op, { method }, options);
  return op as unknown as Omit<B, 'method'> & { readonly method: M } & O;
}

/**
 * A function of the table defined with other functions of it (transpose with permute, gelu with
 * normalCdf): it has no rules of its own, since every mode differentiates what it calls.
 */
export interface Composite<M extends MethodImpl = MethodImpl> {
  readonly name: string;
  /** The function users call, written with other functions of the table. */
  readonly method: M;
  /** False for a function that is not a method. */
  readonly receiver?: boolean;
  /** True when it is a method of scalar kinds too. */
  readonly scalar?: boolean;
  /** Marks a composite (an op has rules instead). */
  readonly composite: true;
}

/** What `composite` needs: a name and the method, written with other functions of the table. */
export interface CompositeSpec<M extends MethodImpl> {
  name: string;
  /** The function users call, over Self (its parameters annotated, its result `Self`). */
  method: M;
}

/** How a composite is installed: on scalar kinds too, or not as a method. */
export interface CompositeFlags {
  /** True when it is defined on scalars too: a method of Dual and Var (it uses element-wise ops only). */
  scalar?: true;
  /** False for a function that is not a method (concat takes a list). */
  receiver?: false;
}

/** A composite with its flags as literal types, which the table's types read (signature.ts). */
export type CompositeOf<M extends MethodImpl, S> = Composite<M> &
  (S extends { scalar: true } ? { readonly scalar: true } : unknown) &
  (S extends { receiver: false } ? { readonly receiver: false } : unknown);

/** A composite function of the table (see Composite). */
export function composite<M extends MethodImpl, const S extends CompositeFlags = Record<never, never>>(spec: CompositeSpec<M>, flags?: S): CompositeOf<M, S> {
  checkSpec('composite', spec, [], ['method']);
  if (flags !== undefined && (typeof flags !== 'object' || flags === null))
    throw new DTypeError('composite', `${spec.name}: flags must be an object ({ scalar?: true, receiver?: false })`);
  if (flags !== undefined) checkFlags('composite', `${spec.name}: flags`, flags);
  return brand({ name: spec.name, method: spec.method, ...flags, composite: true }) as unknown as CompositeOf<M, S>;
}

/** What `linear` needs: the op's name, its primal and its transpose. */
export interface LinearSpec<P> {
  name: string;
  /** The value on tensors (shape check, then kernel). */
  primal(xs: readonly Tensor[], params: P): Tensor;
  /** The transpose: x̄ from ȳ (the tangent rule is the op itself). */
  transpose<T>(o: Algebra<T>, yBar: T, x: T, params: P): T;
  /** How it runs over a batch (vmap); without one vmap refuses the op. */
  batch?: BatchRule<P>;
  /** Which input elements each output element depends on (sparsity detection); without one detection refuses the op. */
  pattern?: PatternRule<P>;
}

/** A linear op of one input: ẏ = f(ẋ) and x̄ = fᵀ(ȳ). Reshapes, transposes, sums, broadcasts, slices. */
export function linear<P>(spec: LinearSpec<P>): Op<P> {
  checkSpec('linear', spec, [], ['primal', 'transpose']);
  const op: Op<P> = {
    name: spec.name,
    arity: 1,
    differentiable: true,
    primal: spec.primal,
    batch: spec.batch,
    pattern: spec.pattern,
    jvp:
      (o, _xs, _y, params) =>
      ([xDot]) =>
        xDot === null ? null : o.interpreter.apply(op, [xDot], params),
    vjp:
      (o, [x], _y, params) =>
      (yBar, needs) => [needs[0] ? spec.transpose(o, yBar, x, params) : null],
  };
  return brand(op);
}

/** What `bilinear` needs: the op's name, its primal and its transposes in each argument. */
export interface BilinearSpec {
  name: string;
  /** The value on tensors (shape check, then kernel). */
  primal(xs: readonly Tensor[], params: undefined): Tensor;
  /** x̄ from z̄ with y held fixed (the transpose of ẋ ↦ f(ẋ, y)). */
  transposeX<T>(o: Algebra<T>, zBar: T, x: T, y: T): T;
  /** ȳ from z̄ with x held fixed (the transpose of ẏ ↦ f(x, ẏ)). */
  transposeY<T>(o: Algebra<T>, zBar: T, x: T, y: T): T;
  /** How it runs over a batch (vmap); without one vmap refuses the op. */
  batch?: BatchRule<undefined>;
  /** Which operand elements each output element depends on (sparsity detection); without one detection refuses the op. */
  pattern?: PatternRule<undefined>;
}

/** A bilinear op z = f(x, y): ż = f(ẋ, y) + f(x, ẏ), and each adjoint from its transpose. */
export function bilinear(spec: BilinearSpec): Op<undefined> {
  checkSpec('bilinear', spec, [], ['primal', 'transposeX', 'transposeY']);
  const op: Op<undefined> = {
    name: spec.name,
    arity: 2,
    differentiable: true,
    primal: spec.primal,
    batch: spec.batch,
    pattern: spec.pattern,
    jvp:
      (o, [x, y]) =>
      ([xDot, yDot]) => {
        const left = xDot === null ? null : o.interpreter.apply(op, [xDot, y], undefined);
        const right = yDot === null ? null : o.interpreter.apply(op, [x, yDot], undefined);
        if (left === null) return right;
        return right === null ? left : o.add(left, right);
      },
    vjp:
      (o, [x, y]) =>
      (zBar, needs) => [needs[0] ? spec.transposeX(o, zBar, x, y) : null, needs[1] ? spec.transposeY(o, zBar, x, y) : null],
  };
  return brand(op);
}

/** What `custom` needs: the op's name, its arity, its primal and both rules. */
export interface CustomSpec<P> {
  name: string;
  arity: number;
  /** For an element-wise op whose rules are written by hand (where): its scalar form. */
  elementwise?: ElementwiseInfo;
  /** The value on tensors (shape check, then kernel). */
  primal(xs: readonly Tensor[], params: P): Tensor;
  /** Forward rule at (xs, y): the map ẋ ↦ ẏ, over any algebra. */
  jvp<T>(o: Algebra<T>, xs: readonly T[], y: T, params: P): Pushforward<T>;
  /** Reverse rule at (xs, y): the map ȳ ↦ x̄, over any algebra. */
  vjp<T>(o: Algebra<T>, xs: readonly T[], y: T, params: P): Pullback<T>;
  differentiable?: boolean;
  /** How it runs over a batch (vmap): an element-wise op (`elementwise` given) batches as one by default. */
  batch?: BatchRule<P>;
  /** Which operand elements each output element depends on (sparsity detection): an element-wise op's by default. */
  pattern?: PatternRule<P>;
}

/** An op whose two rules are written by hand. */
export function custom<P>(spec: CustomSpec<P>): Op<P> {
  checkSpec('custom', spec, [], ['primal', 'jvp', 'vjp']);
  if (!Number.isInteger(spec.arity) || spec.arity < 1)
    throw new DTypeError('custom', `${spec.name}: arity must be a positive integer, got ${String(spec.arity)}`);
  if (spec.differentiable !== undefined && typeof spec.differentiable !== 'boolean')
    throw new DTypeError('custom', `${spec.name}: differentiable must be true or false, got ${typeof spec.differentiable}`);
  if (spec.elementwise !== undefined) {
    // Its expression becomes the scalar modes' code: only one that `elementwise` parsed may.
    if (!isElementwiseInfo(spec.elementwise))
      throw new DTypeError(
        'custom',
        `${spec.name}: elementwise must be the \`elementwise\` field of an op made by elementwise() (its expression parsed), got another object`,
      );
    if (spec.elementwise.inputs.length !== spec.arity)
      throw new ValueError('custom', `${spec.name}: arity ${spec.arity} differs from the ${spec.elementwise.inputs.length} inputs of its elementwise field`);
  }
  const byKind = spec.elementwise !== undefined;
  return brand({
    differentiable: true,
    ...spec,
    batch: spec.batch ?? (byKind ? (elementwiseBatch as BatchRule<P>) : undefined),
    pattern: spec.pattern ?? (byKind ? (elementwisePattern as PatternRule<P>) : undefined),
  });
}

/** Composite and registerOp flags: `scalar` true or absent, `receiver` false or absent, nothing else. */
export function checkFlags(fn: string, what: string, flags: object): void {
  for (const [key, value] of Object.entries(flags)) {
    if (key === 'scalar' ? value !== true && value !== undefined : key === 'receiver' ? value !== false && value !== undefined : true) {
      throw new ValueError(fn, `${what}: ${key}: ${JSON.stringify(value) ?? typeof value} is not a flag; flags are { scalar?: true, receiver?: false }`);
    }
  }
}

/** An op definition is an object with a name, its strings and its functions: checked once, here. */
function checkSpec(helper: string, spec: unknown, strings: readonly string[], functions: readonly string[] = []): void {
  if (spec === null || typeof spec !== 'object')
    throw new DTypeError(helper, `expected an op definition (an object with a name), got ${spec === null ? 'null' : typeof spec}`);
  const s = spec as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name.length === 0) throw new DTypeError(helper, 'the op needs a name (a non-empty string)');
  // The name becomes a method, a free function and a name in generated code: an identifier only.
  if (!isIdentifier(s.name)) throw new ValueError(helper, `the op's name must be an identifier, got ${JSON.stringify(s.name)}`);
  for (const key of strings) if (typeof s[key] !== 'string') throw new DTypeError(helper, `${s.name}: ${key} must be a string, got ${typeof s[key]}`);
  for (const key of functions) if (typeof s[key] !== 'function') throw new DTypeError(helper, `${s.name}: ${key} must be a function, got ${typeof s[key]}`);
  if (s.batch !== undefined && !isBatchRule(s.batch))
    throw new DTypeError(
      helper,
      `${s.name}: batch must be a batching rule ({ how: string, apply: function }), got ${s.batch === null ? 'null' : typeof s.batch}`,
    );
  if (s.pattern !== undefined && !isPatternRule(s.pattern))
    throw new DTypeError(
      helper,
      `${s.name}: pattern must be a sparsity rule ({ how: string, apply: function }), got ${s.pattern === null ? 'null' : typeof s.pattern}`,
    );
}

/** True for a batching rule: a phrase saying how, and the function. */
export function isBatchRule(rule: unknown): rule is BatchRule<unknown> {
  if (typeof rule !== 'object' || rule === null) return false;
  const r = rule as Record<string, unknown>;
  return typeof r.how === 'string' && typeof r.apply === 'function';
}

/** ∂·v, skipping the product when the partial is the constant ±1. */
function scale<T>(o: Algebra<T>, partial: T | number, v: T): T {
  if (partial === 1) return v;
  if (partial === -1) return o.neg(v);
  return o.mul(partial, v);
}

/**
 * An operand's share of ȳ through its partial: x̄ᵢ = sumToShape(∂y/∂xᵢ · ȳ, shape) — the
 * element-wise ops' vjp, and reverse mode's backward for partials it recorded at the op.
 */
export function partialShare<T>(o: Algebra<T>, partial: T | number, yBar: T, shape: Shape): T {
  return unbroadcast(o, scale(o, partial, yBar), shape);
}

/** Sums a broadcast adjoint back to its input's shape; a no-op when nothing was broadcast. */
export function unbroadcast<T>(o: Algebra<T>, xBar: T, shape: Shape): T {
  return shapesEqual(o.shape(xBar), shape) ? xBar : o.sumToShape(xBar, shape);
}

/** `x` seen with `shape` (NumPy broadcasting): stride 0 on new and stretched axes. No copy. */
export function broadcastView(x: Tensor, shape: Shape): Strided {
  const rank = shape.length;
  const lead = rank - x.ndim;
  const stride = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const j = i - lead;
    stride[i] = j < 0 || x.shape[j] === 1 ? 0 : x.stride[j];
  }
  return { data: x.data, offset: x.offset, stride };
}
