/**
 * The values a function runs on while its sparsity pattern is detected: a shape and, per
 * element, the set of inputs it depends on — no numbers. A pattern is global (it holds at every
 * input), so reading a value (an `if`, a JavaScript operator, item(), toArray()) is refused
 * with a SparsityDetectionError, as SparseConnectivityTracer refuses it.
 *
 * Traced values are a value kind of the engine like the modes' (a dual, a graph node, a jit
 * tracer): they carry the tag of their trace, so `grad` runs over them (hessianPattern) and each
 * op reaches the detection interpreter below, which reads the op's sparsity rule (@ad/core's
 * ops/sparsity.ts) and takes unions.
 */
import { AdError, DTypeError, type Dependence, type Op, type PatternOperand, Tensor, zeros, scalar } from '@ad/core';
import {
  anyInterpreter,
  elementwisePattern,
  anyOps,
  installScalarMethods,
  installTensorMethods,
  isTensorLike,
  patternRuleOf,
  productPattern,
  registerKind,
  tensorOps,
  type Interpreter,
  type ScalarMethods,
  type TensorMethods,
} from '@ad/core/engine';
import { emptySets, flowSets, unionOf, Unions, type Part, type Sets } from './sets.js';

/**
 * Sparsity detection could not go on: the function read a traced value (a pattern holds at
 * every input, so it may not depend on one), or it used an op that has no sparsity rule.
 */
export class SparsityDetectionError extends AdError {}

/** One detection: its tag, its number of inputs, the public function that runs it (named in errors), and the unions' workspace. */
export class Trace {
  readonly unions: Unions;

  constructor(
    readonly tag: number,
    readonly inputs: number,
    readonly caller: string,
  ) {
    this.unions = new Unions(inputs);
  }

  /** The error for reading a traced value, naming what read it. */
  readError(what: string, value: string): SparsityDetectionError {
    return readError(this.caller, what, value);
  }
}

/** The error for reading a traced value: `what` (an `if`, item()) on a traced `value`, in `caller`. */
export function readError(caller: string, what: string, value: string): SparsityDetectionError {
  return new SparsityDetectionError(
    caller,
    `${what} on a traced ${value}: a sparsity pattern is global (it holds at every input), so the function cannot read its input's values ` +
      'while it is traced; write a branch with `where` (both sides count), or build the pattern by hand ' +
      '(SparsityPattern.fromCoordinates) and pass it as `pattern`',
  );
}

/** A traced scalar: the sorted set of inputs it depends on. */
export class TracedScalar {
  constructor(
    /** The detection it belongs to. */
    readonly trace: Trace,
    /** The inputs it depends on, sorted. */
    readonly set: Int32Array,
  ) {}

  /** The detection's tag, so dispatch finds the detection interpreter. */
  get tag(): number {
    return this.trace.tag;
  }

  /** A traced value has no number: throws a SparsityDetectionError. */
  valueOf(): never {
    throw this.trace.readError('an `if` or a JavaScript operator', 'scalar');
  }

  /** `TracedScalar({0, 1})`: the inputs it depends on. */
  toString(): string {
    return `TracedScalar({${Array.from(this.set).join(', ')}})`;
  }
}

/** A traced tensor: its shape and, per element (row-major), the inputs it depends on. */
export class TracedTensor {
  constructor(
    /** The detection it belongs to. */
    readonly trace: Trace,
    readonly shape: readonly number[],
    /** Per element, the inputs it depends on. */
    readonly sets: Sets,
  ) {}

  /** The detection's tag, so dispatch finds the detection interpreter. */
  get tag(): number {
    return this.trace.tag;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Throws a SparsityDetectionError: a traced tensor has no numbers. */
  item(): never {
    throw this.trace.readError('item()', `tensor of shape [${this.shape.join(',')}]`);
  }

  /** Throws a SparsityDetectionError, as item() does. */
  toArray(): never {
    throw this.trace.readError('toArray()', `tensor of shape [${this.shape.join(',')}]`);
  }

  /** Throws a SparsityDetectionError, as item() does. */
  toFloat64Array(): never {
    throw this.trace.readError('toFloat64Array()', `tensor of shape [${this.shape.join(',')}]`);
  }

  /** Throws a SparsityDetectionError, as item() does. */
  valueOf(): never {
    throw this.trace.readError('an `if` or a JavaScript operator', `tensor of shape [${this.shape.join(',')}]`);
  }

  /** `TracedTensor([3,4], 12 dependencies)`. */
  toString(): string {
    return `TracedTensor([${this.shape.join(',')}], ${this.sets.idx.length} dependencies)`;
  }
}

declare module './traced.js' {
  interface TracedScalar extends ScalarMethods<TracedScalar> {}
  interface TracedTensor extends TensorMethods<TracedTensor, Tensor> {}
}

/** An operand as the interpreter sees it: its shape, its values if it is a constant, its sets if it is traced. */
interface Operand extends PatternOperand {
  readonly sets: Sets | null;
  readonly scalar: boolean;
}

function operand(x: unknown, trace: Trace): Operand {
  if (x instanceof TracedTensor && x.trace === trace) return { shape: x.shape, value: undefined, sets: x.sets, scalar: false };
  if (x instanceof TracedScalar && x.trace === trace)
    return { shape: [], value: undefined, sets: { ptr: Int32Array.of(0, x.set.length), idx: x.set }, scalar: true };
  if (typeof x === 'number') return { shape: [], value: scalar(x), sets: null, scalar: true };
  if (x instanceof Tensor) return { shape: x.shape, value: x, sets: null, scalar: false };
  // A value of an enclosing transform (or an outer detection): a constant here, made before
  // this trace began, so it depends on none of its inputs; its numbers are not ours to read.
  const shape = anyInterpreter.shape(x);
  return { shape, value: undefined, sets: null, scalar: !isTensorLike(x) };
}

/** The traced value an op produced: a scalar when every operand was one. */
function result(trace: Trace, operands: readonly Operand[], shape: readonly number[], sets: Sets): TracedScalar | TracedTensor {
  if (shape.length === 0 && operands.every((x) => x.scalar)) return new TracedScalar(trace, sets.idx.slice(sets.ptr[0], sets.ptr[1]));
  return new TracedTensor(trace, shape, sets);
}

/** The detection interpreter: an op's output sets from its operands' sets, by the op's sparsity rule. */
const detectionInterpreter: Interpreter<unknown> = {
  apply<P>(op: Op<P>, xs: readonly unknown[], params: P): unknown {
    let trace: Trace | undefined;
    for (const x of xs) {
      if ((x instanceof TracedTensor || x instanceof TracedScalar) && (trace === undefined || x.trace.tag > trace.tag)) trace = x.trace;
    }
    if (trace === undefined) throw new DTypeError(op.name, 'the detection interpreter got no traced operand');
    const rule = patternRuleOf(op);
    if (rule === undefined) {
      throw new SparsityDetectionError(
        trace.caller,
        `the op ${op.name} has no sparsity rule, so which inputs its output depends on is unknown (detection never guesses); ` +
          'give it one where it is defined (pattern: { how, apply }, see @ad/core/engine sparsity rules), or pass `pattern` by hand',
      );
    }
    const u = trace.unions;
    // Scalars through an element-wise op (a function of an array of numbers): one union, no tensors.
    if (
      op.elementwise !== undefined &&
      (rule === 'none' || rule === elementwisePattern || rule === productPattern) &&
      xs.every((x) => typeof x === 'number' || (x instanceof TracedScalar && x.trace === trace))
    ) {
      // A product with a constant 0 depends on nothing (productPattern's rule, for scalars).
      if (rule === 'none' || (rule === productPattern && xs.includes(0))) return new TracedScalar(trace, new Int32Array(0));
      return new TracedScalar(
        trace,
        unionOf(
          u,
          xs.filter((x): x is TracedScalar => x instanceof TracedScalar).map((x) => x.set),
        ),
      );
    }
    const operands = xs.map((x) => operand(x, trace));
    // The op itself on stand-ins checks the shapes (its own errors) and gives the output's shape.
    const shape = op.primal(
      operands.map((x) => x.value ?? zeros(x.shape)),
      params,
    ).shape;
    const size = shape.reduce((a, b) => a * b, 1);
    // An operand that depends on no input (a constant, a comparison's result) adds nothing.
    if (rule === 'none' || operands.every((x) => x.sets === null || x.sets.idx.length === 0)) return result(trace, operands, shape, emptySets(size));
    const dependences = rule.apply(tensorOps, op, operands, params, shape);
    const parts: Part[] = [];
    operands.forEach((x, i) => {
      const dependence: Dependence | null = dependences[i];
      if (x.sets !== null && x.sets.idx.length > 0 && dependence !== null) parts.push({ sets: x.sets, dependence });
    });
    return result(trace, operands, shape, flowSets(u, size, parts));
  },
  constant: (c) => c,
  shape: (x) => (x instanceof TracedTensor ? x.shape : []),
};

registerKind(TracedScalar.prototype, { interpreter: detectionInterpreter });
registerKind(TracedTensor.prototype, { interpreter: detectionInterpreter });
installScalarMethods(TracedScalar.prototype, () => anyOps);
installTensorMethods(TracedTensor.prototype, () => anyOps);
