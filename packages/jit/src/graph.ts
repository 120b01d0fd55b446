/**
 * The traced program: a list of nodes (a Wengert list), each an op of the one table applied to
 * earlier nodes, recorded by the tracing interpreter as the function runs on tracers.
 *
 * Recording already optimises, because a node is only made when it must be:
 * - constant folding: an op whose operands are all known (numbers, tensors captured by the
 *   function) never reaches this interpreter — core's dispatch computes it on the spot — and
 *   x + (−0), x − 0, x·1, x/1, x·(−1), x/(−1), (−0) − x, −(−x), x¹ and where(constant, a, b)
 *   are simplified away: only identities exact for every float64 x, NaN, ±∞ and −0 included, so
 *   a jitted program gives eager mode's IEEE results (x·0 is not folded: it is NaN at x = ∞);
 * - common subexpressions: an op applied again to the same nodes with the same parameters
 *   returns the node made the first time (hash-consing), commutative ops in either order.
 */
import { DTypeError, Tensor, scalar, zeros, type Op, type Shape } from '@ad/core';
import { isTagged, numberInterpreter, ops, registerKind, type Interpreter } from '@ad/core/engine';
import { TensorTracer, Tracer, TracingError } from './tracer.js';

/**
 * A scan recorded as one node (scan-trace.ts): its body is a graph of its own, traced once, whose
 * inputs are the carry's leaves, then one slice of each leaf of xs, then the captures (nodes of
 * the enclosing graph the body reads); its outputs are the new carry's leaves, then y's.
 */
export interface ScanBody {
  readonly graph: Graph;
  /** The body's input nodes: carry leaves, x leaves, captures, in that order. */
  readonly inputs: readonly number[];
  /** The body's output nodes: carry leaves, then y leaves. */
  readonly outputs: readonly number[];
  readonly carryCount: number;
  readonly xCount: number;
  readonly length: number;
  readonly reverse: boolean;
}

/** One node of the traced program. */
export interface Node {
  readonly id: number;
  /**
   * `scan`: a loop (its inputs are the initial carry's leaves, the leaves of xs, the captures),
   * with no value of its own; `part`: output `index` of the scan node that is its one input.
   */
  readonly kind: 'input' | 'const' | 'op' | 'scan' | 'part';
  /** The op (null for inputs and constants). */
  readonly op: Op<unknown> | null;
  /** Operand node ids. */
  readonly inputs: readonly number[];
  readonly params: unknown;
  /** null for a scalar (a JavaScript number in the program), else the tensor's shape. */
  readonly shape: Shape | null;
  /**
   * A tensor with this node's layout at run time (shape, strides, offset), computed at trace
   * time on zeros: the emitter reads strides from it to index views without copying.
   */
  readonly sample: Tensor | null;
  /** A constant's value. */
  readonly value?: number | Tensor;
  /** A scan node's body. */
  readonly scan?: ScanBody;
  /** A part node's position among its scan's outputs (carry leaves, then the stacked y leaves). */
  readonly index?: number;
}

type Traced = Tracer | TensorTracer;

const COMMUTATIVE = new Set(['add', 'mul', 'eq', 'ne']);

/** A traced program under construction: its nodes, and the tables that fold and share them. */
export class Graph {
  readonly nodes: Node[] = [];
  private readonly known = new Map<string, number>();
  private readonly constants = new Map<unknown, number>();
  private readonly opIds = new Map<Op<unknown>, number>();
  /** For a scan's body: the enclosing graph's node ids it reads, and their input nodes here. */
  readonly captures: number[] = [];
  /** The input node here of each capture, in the same order. */
  readonly captureInputs: number[] = [];
  private readonly captured = new Map<number, number>();

  /** `parent`: the graph a scan body is traced inside (null for a jitted function's graph). */
  constructor(
    readonly tag: number,
    readonly parent: Graph | null = null,
  ) {}

  /** Records a scan node and its parts (one per output, `shapes` theirs); returns the parts' tracers. */
  scanNode(inputs: readonly number[], body: ScanBody, shapes: readonly (Shape | null)[]): Traced[] {
    const id = this.push({ kind: 'scan', op: null, inputs, params: undefined, shape: null, sample: null, scan: body });
    return shapes.map((shape, index) =>
      this.tracer(this.push({ kind: 'part', op: null, inputs: [id], params: undefined, shape, sample: shape === null ? null : zeros(shape), index })),
    );
  }

  /** The node id here of a tracer of this graph or of an enclosing one (a capture of a scan body). */
  idOf(x: Tracer | TensorTracer, what: string): number {
    if (x.graph === this) return x.id;
    if (this.parent === null || !this.encloses(x.graph)) {
      throw new TracingError('jit', `${what} got a traced value of another jitted call; nested jit calls share one trace only through their inputs`);
    }
    const outer = this.parent.idOf(x, what);
    let id = this.captured.get(outer);
    if (id === undefined) {
      id = this.input(this.parent.nodes[outer].shape).id;
      this.captured.set(outer, id);
      this.captures.push(outer);
      this.captureInputs.push(id);
    }
    return id;
  }

  private encloses(g: Graph): boolean {
    for (let p = this.parent; p !== null; p = p.parent) if (p === g) return true;
    return false;
  }

  /** An input of the program: a scalar (shape null) or a tensor of `shape`. */
  input(shape: Shape | null): Traced {
    const sample = shape === null ? null : zeros(shape);
    return this.tracer(this.push({ kind: 'input', op: null, inputs: [], params: undefined, shape, sample }));
  }

  /** The node id of a constant (one node per distinct number or tensor). */
  constant(value: number | Tensor): number {
    const key = typeof value === 'number' ? `n${Object.is(value, -0) ? '-0' : value}` : value;
    const hit = this.constants.get(key);
    if (hit !== undefined) return hit;
    const id = this.push({
      kind: 'const',
      op: null,
      inputs: [],
      params: undefined,
      shape: typeof value === 'number' ? null : value.shape,
      sample: typeof value === 'number' ? null : value,
      value,
    });
    this.constants.set(key, id);
    return id;
  }

  /** The tracer of a node (scalar or tensor by its shape). */
  tracer(id: number): Traced {
    return this.nodes[id].shape === null ? new Tracer(this, id) : new TensorTracer(this, id);
  }

  /** What a node is, for messages: `v7 (mul)`. */
  describe(id: number): string {
    const n = this.nodes[id];
    return `v${id} (${n.kind === 'op' ? n.op!.name : n.kind === 'part' ? 'scan' : n.kind})`;
  }

  /** The error for reading a traced value as a number. */
  concretization(id: number, how: string): TracingError {
    const n = this.nodes[id];
    const what = n.kind === 'op' ? `the result of ${n.op!.name} (v${id})` : n.kind === 'part' ? `a result of scan (v${id})` : `input v${id}`;
    return new TracingError(
      'jit',
      `${what} was read as a number by ${how} while tracing; a traced value has no number until the compiled program runs. ` +
        'Choose by value with where(condition, a, b), or compute the condition outside the jitted function and pass it in',
    );
  }

  /** Records `op` on operands that are tracers of this graph, numbers or tensors. */
  apply(op: Op<unknown>, xs: readonly unknown[], params: unknown): unknown {
    const ins = xs.map((x) => this.operand(op, x));
    const simpler = this.simplify(op, ins);
    if (simpler !== undefined) return simpler;

    if (COMMUTATIVE.has(op.name) && ins.length === 2 && ins[0] > ins[1]) ins.reverse();
    const key = `${this.opId(op)}(${ins.join(',')})${params === undefined ? '' : JSON.stringify(params)}`;
    const hit = this.known.get(key);
    if (hit !== undefined) return this.tracer(hit);

    let shape: Shape | null = null;
    let sample: Tensor | null = null;
    if (ins.every((i) => this.nodes[i].shape === null)) {
      if (op.elementwise === undefined) {
        // On scalars only the trivial reductions and reshapes exist; the number interpreter
        // refuses the rest with its own message, and returns its operand for these.
        numberInterpreter.apply(
          op,
          ins.map(() => 0),
          params,
        );
        return this.tracer(ins[0]);
      }
    } else {
      // The primal on zeros of the operands' layouts: checks shapes (the op's own ShapeError)
      // and gives the result's layout, which the compiled program will reproduce.
      sample = op.primal(
        ins.map((i) => this.sampleOf(i)),
        params,
      );
      shape = sample.shape;
    }
    const id = this.push({ kind: 'op', op, inputs: ins, params, shape, sample });
    this.known.set(key, id);
    return this.tracer(id);
  }

  private push(node: Omit<Node, 'id'>): number {
    const id = this.nodes.length;
    this.nodes.push({ id, ...node });
    return id;
  }

  private opId(op: Op<unknown>): number {
    let id = this.opIds.get(op);
    if (id === undefined) {
      id = this.opIds.size;
      this.opIds.set(op, id);
    }
    return id;
  }

  private sampleOf(id: number): Tensor {
    const n = this.nodes[id];
    if (n.sample !== null) return n.sample;
    return scalar(typeof n.value === 'number' ? n.value : 0);
  }

  /** The node id of an operand: a tracer of this graph or an enclosing one, a number or a tensor (a constant). */
  operand(op: Op<unknown> | { readonly name: string }, x: unknown): number {
    if (x instanceof Tracer || x instanceof TensorTracer) return this.idOf(x, op.name);
    if (typeof x === 'number' || x instanceof Tensor) return this.constant(x);
    if (this.parent !== null && isTagged(x)) throw new ScanCaptureError(op.name, x);
    const what = isTagged(x) ? `${x.constructor.name} (a value of a derivative begun outside the jitted function)` : typeof x;
    throw new TracingError('jit', `${op.name} got ${what} while tracing; pass such values to the jitted function as inputs`);
  }

  /**
   * The uniform value of a constant operand, when it does not change the result's shape against
   * the traced operand `other` (so replacing the op by that operand, or a zero, is exact).
   */
  private uniform(id: number, other: number): number | undefined {
    const n = this.nodes[id];
    if (n.kind !== 'const') return undefined;
    if (typeof n.value === 'number') return n.value;
    const t = n.value as Tensor;
    const target = this.nodes[other].shape;
    if (target === null || t.ndim > target.length || t.shape.some((d, i) => d !== 1 && d !== target[target.length - t.ndim + i])) return undefined;
    if (t.size > 64) return undefined;
    const d = t.toFloat64Array();
    return d.every((v) => Object.is(v, d[0])) ? d[0] : undefined;
  }

  private simplify(op: Op<unknown>, ins: readonly number[]): unknown {
    const [a, b] = ins;
    switch (op.name) {
      case 'neg': {
        const n = this.nodes[a];
        return n.kind === 'op' && n.op === ops.neg ? this.tracer(n.inputs[0]) : undefined;
      }
      case 'add': {
        // x + (−0) = x for every x; x + (+0) is not x at x = −0 (−0 + 0 = +0).
        if (Object.is(this.uniform(b, a), -0)) return this.tracer(a);
        if (Object.is(this.uniform(a, b), -0)) return this.tracer(b);
        return undefined;
      }
      case 'sub': {
        // x − (+0) = x for every x; (−0) − x = −x for every x (+0 − x is +0, not −0, at x = +0).
        if (Object.is(this.uniform(b, a), 0)) return this.tracer(a);
        if (Object.is(this.uniform(a, b), -0)) return this.apply(ops.neg as Op<unknown>, [this.tracer(b)], undefined);
        return undefined;
      }
      case 'mul': {
        // x·1 = x and x·(−1) = −x for every x, NaN and ±∞ included. x·0 is never folded: it is
        // NaN at x = ±∞ or NaN and −0 at x < 0, and the eager engine computes it.
        for (const [k, x] of [
          [b, a],
          [a, b],
        ]) {
          const c = this.uniform(k, x);
          if (c === 1) return this.tracer(x);
          if (c === -1) return this.apply(ops.neg as Op<unknown>, [this.tracer(x)], undefined);
        }
        return undefined;
      }
      case 'div': {
        const c = this.uniform(b, a);
        if (c === 1) return this.tracer(a);
        if (c === -1) return this.apply(ops.neg as Op<unknown>, [this.tracer(a)], undefined);
        return undefined;
      }
      case 'pow':
        return this.uniform(b, a) === 1 ? this.tracer(a) : undefined;
      case 'where': {
        // A condition known at trace time picks its branch, as JavaScript's `?:` would.
        const [c, x, y] = ins;
        const n = this.nodes[c];
        if (n.kind !== 'const' || typeof n.value !== 'number') return undefined;
        const pick = n.value !== 0 ? x : y;
        const other = n.value !== 0 ? y : x;
        const shape = this.nodes[pick].shape;
        const otherShape = this.nodes[other].shape;
        // Only when the result has the picked operand's shape (no broadcast against the other).
        const fits = otherShape === null || (shape !== null && shape.length === otherShape.length && shape.every((d, i) => d === otherShape[i]));
        if (!fits) return undefined;
        // A traced value stays a tracer, even when the branch picked is a constant.
        return this.tracer(pick);
      }
      default:
        return undefined;
    }
  }
}

/**
 * A scan body read a value of a derivative in progress that is not among its inputs (a graph
 * node or dual it closes over): the body cannot be traced on its own, so scan-trace.ts runs
 * the scan step by step in the enclosing trace instead.
 */
export class ScanCaptureError extends TracingError {
  constructor(op: string, x: object) {
    super('scan', `the body's ${op} read a ${x.constructor.name} it closes over`);
  }
}

/** The tracing interpreter: records each op into the graph of its tracer operands. */
export const tracingInterpreter: Interpreter<unknown> = {
  apply<P>(op: Op<P>, xs: readonly unknown[], params: P): unknown {
    let graph: Graph | null = null;
    for (const x of xs) {
      if ((x instanceof Tracer || x instanceof TensorTracer) && (graph === null || x.graph.tag > graph.tag)) graph = x.graph;
    }
    if (graph === null) throw new DTypeError(op.name, 'the tracing interpreter got no tracer');
    return graph.apply(op as Op<unknown>, xs, params);
  },
  constant: (c) => c,
  shape: (x) => (x instanceof TensorTracer ? x.shape : []),
};

registerKind(Tracer.prototype, { interpreter: tracingInterpreter });
registerKind(TensorTracer.prototype, { interpreter: tracingInterpreter });
