/**
 * Random tensor programs for the property tests (fast-check), shared by reverse, jit and the
 * shrinking test: the idea of the scalar programs (scalar-ir.ts) over tensors of random shapes —
 * element-wise ops with broadcasting, where, matmul, reductions, softmax and the view and shape
 * ops — each instruction made to fit the shapes it meets. Inputs, constants and constant
 * matrices come from the program's seed.
 */
import fc from 'fast-check';
import { Generator, Tensor, broadcastShapes } from '@ad/core';
import { tensorOps } from '@ad/core/engine';
import { O, isObj } from './any-kind.js';
import type { Conditioning } from './checks.js';
import { COMPARE, UNARY, guard, type CompareName, type UnaryName } from './scalar-ir.js';

const T = tensorOps;

export const TENSOR_UNARY = UNARY;
export const TENSOR_BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
export const REDUCTIONS = ['sum', 'mean', 'max', 'min', 'logsumexp'] as const;
export const SHAPE_OPS = ['reshape', 'transpose', 'permute', 'broadcastTo', 'expandDims', 'squeeze', 'slice', 'sumToShape'] as const;
export type TensorOpName =
  | UnaryName
  | (typeof TENSOR_BINARY)[number]
  | (typeof REDUCTIONS)[number]
  | (typeof SHAPE_OPS)[number]
  | 'where'
  | 'matmul'
  | 'softmax'
  | 'logSoftmax';

const TENSOR_OPS: readonly TensorOpName[] = [
  ...TENSOR_UNARY,
  ...TENSOR_BINARY,
  ...TENSOR_BINARY,
  'where',
  'matmul',
  'matmul',
  'matmul',
  ...REDUCTIONS,
  ...REDUCTIONS,
  'softmax',
  'softmax',
  'logSoftmax',
  'logSoftmax',
  ...SHAPE_OPS,
];

export interface TensorInstr {
  op: TensorOpName;
  a: number;
  b: number;
  c: number;
  /** Small integers that pick axes, permutations, slices, target shapes. */
  p: number;
  q: number;
  konst: boolean;
  method: boolean;
  cmp: CompareName;
}

export class TensorProgram {
  constructor(
    readonly shapes: readonly (readonly number[])[],
    readonly body: readonly TensorInstr[],
    readonly seed: number,
  ) {}

  /** The input tensors. */
  get xs(): Tensor[] {
    const g = new Generator(this.seed);
    return this.shapes.map((s) => {
      const n = s.reduce((a, b) => a * b, 1);
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = g.uniform(-2, 2);
      return Tensor.fromData(d, s);
    });
  }

  /** Total number of input elements (the packed input's length). */
  get size(): number {
    return this.shapes.reduce((t, s) => t + s.reduce((a, b) => a * b, 1), 0);
  }

  toString(): string {
    const lines = [`inputs ${this.shapes.map((s, i) => `x${i}: [${s.join(',')}]`).join(', ')}  (seed ${this.seed})`];
    const names = this.shapes.map((_, i) => `x${i}`);
    this.body.forEach((ins) => {
      const at = (i: number) => names[i % names.length];
      const args =
        ins.op === 'where'
          ? `${ins.cmp}(${at(ins.a)}, ${at(ins.b)}), ${at(ins.b)}, ${at(ins.c)}`
          : `${at(ins.a)}${(TENSOR_BINARY as readonly string[]).includes(ins.op) || ins.op === 'matmul' ? `, ${ins.konst && ins.op !== 'matmul' ? 'k' : at(ins.b)}` : ''}`;
      const name = `v${names.length}`;
      lines.push(`${name} = ${ins.op}(${args})  p=${ins.p} q=${ins.q}${ins.method ? '  (method)' : ''}`);
      names.push(name);
    });
    lines.push(`output ${names[names.length - 1]}`);
    return lines.join('\n');
  }

  [fc.toStringMethod](): string {
    return `\n${this.toString()}\n`;
  }
}

export interface TensorProgramOptions {
  maxInputs?: number;
  maxLength?: number;
  maxRank?: number;
  maxDim?: number;
  ops?: readonly TensorOpName[];
}

export function tensorProgram(options: TensorProgramOptions = {}): fc.Arbitrary<TensorProgram> {
  const { maxInputs = 3, maxLength = 6, maxRank = 3, maxDim = 3 } = options;
  const instr = fc.record({
    op: fc.constantFrom(...(options.ops ?? TENSOR_OPS)),
    a: fc.nat(64),
    b: fc.nat(64),
    c: fc.nat(64),
    p: fc.nat(64),
    q: fc.nat(64),
    konst: fc.boolean(),
    method: fc.boolean(),
    cmp: fc.constantFrom(...COMPARE),
  });
  return fc
    .record({
      shapes: fc.array(fc.array(fc.integer({ min: 1, max: maxDim }), { maxLength: maxRank }), { minLength: 1, maxLength: maxInputs }),
      body: fc.array(instr, { maxLength }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ shapes, body, seed }) => new TensorProgram(shapes, body, seed));
}

/** Hooks the conditioning run uses to watch kinks and magnitudes (plain tensors only). */
interface Watch {
  kink(x: Tensor): void;
  value(x: Tensor): void;
}

const shapeOf = (x: unknown): readonly number[] => O.shape(x);

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  try {
    broadcastShapes('check', a, b);
    return true;
  } catch {
    return false;
  }
}

/** A constant tensor of `shape` from the program's constant stream. */
function constantTensor(g: Generator, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = g.uniform(-1, 1);
  return Tensor.fromData(d, shape);
}

/** Runs a tensor program on inputs of any tensor kind; returns every value. */
export function runTensor(p: TensorProgram, xs: readonly unknown[], watch?: Watch): unknown[] {
  const vals: unknown[] = [...xs];
  const g = new Generator(p.seed ^ 0x5bd1e995);
  const call = (name: string, method: boolean, x: unknown, ...rest: unknown[]): unknown => {
    const y = method && isObj(x) && typeof x[name] === 'function' ? x[name](...rest) : O[name](x, ...rest);
    if (watch !== undefined && y instanceof Tensor) watch.value(y);
    return y;
  };
  for (const ins of p.body) {
    const at = (i: number) => vals[i % vals.length];
    const A = at(ins.a);
    const m = ins.method;
    const k = g.uniform(-2, 2);
    const gk = guard(k);
    const sa = shapeOf(A);
    const rank = sa.length;
    /** The second operand, made to broadcast against A (its mean when it does not). */
    const partner = (): unknown => {
      if (ins.konst) return k;
      const B = at(ins.b);
      return broadcastable(sa, shapeOf(B)) ? B : call('mean', m, B);
    };
    let y: unknown;
    if ((TENSOR_UNARY as readonly string[]).includes(ins.op)) {
      const name = ins.op as UnaryName;
      if (watch !== undefined && (name === 'relu' || name === 'abs' || name === 'sign')) watch.kink(A as Tensor);
      if (name === 'log' || name === 'sqrt') y = call(name, m, call('add', m, call('square', m, A), gk));
      else if (name === 'log1p') y = call(name, m, call('square', m, A));
      else if (name === 'tan') y = call(name, m, call('tanh', m, A));
      else y = call(name, m, A);
    } else if ((TENSOR_BINARY as readonly string[]).includes(ins.op)) {
      const B = partner();
      if (watch !== undefined && (ins.op === 'maximum' || ins.op === 'minimum')) watch.kink(T.sub(A as Tensor, B as Tensor | number));
      if (ins.op === 'div') y = call('div', m, A, typeof B === 'number' ? B * B + gk : call('add', m, call('square', m, B), gk));
      else if (ins.op === 'pow') y = call('pow', m, call('add', m, call('square', m, A), gk), B);
      else y = call(ins.op, m, A, B);
    } else if (ins.op === 'where') {
      const B = partner();
      const sb = typeof B === 'number' ? [] : shapeOf(B);
      const C = at(ins.c);
      const Cv = broadcastable(broadcastShapes('where', sa, sb), shapeOf(C)) ? C : call('mean', m, C);
      if (watch !== undefined) watch.kink(T.sub(A as Tensor, B as Tensor | number));
      y = O.where(call(ins.cmp, m, A, B), B, Cv);
    } else if (ins.op === 'matmul') {
      const X = rank === 0 ? call('reshape', m, A, [1]) : A;
      const sx = shapeOf(X);
      const inner = sx[sx.length - 1];
      const B = at(ins.b);
      const sb = shapeOf(B);
      const fits = (sb.length === 1 && sb[0] === inner) || (sb.length >= 2 && sb[sb.length - 2] === inner && broadcastable(sx.slice(0, -2), sb.slice(0, -2)));
      // A second operand that does not fit becomes a constant matrix scaled by its mean.
      const Y = fits ? B : call('mul', m, constantTensor(g, [inner, 1 + (ins.q % 3)]), call('mean', m, B));
      y = call('matmul', m, X, Y);
    } else if ((REDUCTIONS as readonly string[]).includes(ins.op)) {
      const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => (ins.p >> i) & 1);
      const keep = (ins.q & 1) === 1;
      if (watch !== undefined && (ins.op === 'max' || ins.op === 'min')) {
        const ext = T[ins.op](A as Tensor, axes.length === 0 ? undefined : axes, true);
        watch.kink(T.where(T.eq(A as Tensor, ext), Infinity, T.sub(A as Tensor, ext)));
      }
      y = call(ins.op, m, A, axes.length === 0 ? undefined : axes, keep);
    } else if (ins.op === 'softmax' || ins.op === 'logSoftmax') {
      const X = rank === 0 ? call('reshape', m, A, [1]) : A;
      const r = shapeOf(X).length;
      const axis = (ins.p % r) - ((ins.q & 1) === 1 ? r : 0);
      y = call(ins.op, m, X, axis);
    } else {
      y = shapeOp(ins, A, sa, call, m);
    }
    vals.push(y);
  }
  return vals;
}

function shapeOp(
  ins: TensorInstr,
  A: unknown,
  sa: readonly number[],
  call: (name: string, method: boolean, x: unknown, ...rest: unknown[]) => unknown,
  m: boolean,
): unknown {
  const rank = sa.length;
  const size = sa.reduce((a, b) => a * b, 1);
  switch (ins.op) {
    case 'reshape': {
      const choice = ins.q % 3;
      const target = choice === 0 ? [-1] : choice === 1 ? [...sa].reverse() : [size, 1];
      return call('reshape', m, A, target);
    }
    case 'transpose':
      return call('transpose', m, A);
    case 'permute': {
      const perm = Array.from({ length: rank }, (_, i) => i);
      let r = ins.p;
      for (let i = rank - 1; i > 0; i--) {
        const j = r % (i + 1);
        r = Math.floor(r / (i + 1)) + ins.q;
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return call('permute', m, A, perm);
    }
    case 'broadcastTo': {
      const target = [2 + (ins.q % 2), ...sa.map((d, i) => (d === 1 && (ins.p >> i) & 1 ? 2 : d))];
      return call('broadcastTo', m, A, target);
    }
    case 'expandDims':
      return call('expandDims', m, A, ins.p % (rank + 1));
    case 'squeeze':
      return call('squeeze', m, A);
    case 'slice': {
      if (rank === 0) return A;
      const d = sa[0];
      const step = ins.q % 3 === 2 ? -1 : 1 + (ins.q % 2);
      const start = ins.p % d;
      return call('slice', m, A, step > 0 ? [start, null, step] : [start, null, -1]);
    }
    case 'sumToShape': {
      if (rank === 0) return A;
      const target = ins.q % 2 === 0 ? sa.slice(1) : sa.map((dim, i) => (i === ins.p % rank ? 1 : dim));
      return call('sumToShape', m, A, target);
    }
    default:
      throw new Error(`unknown tensor op ${ins.op}`);
  }
}

/** The program's output (its last value). */
export function tensorFunction(p: TensorProgram): (xs: unknown[]) => unknown {
  return (xs) => {
    const v = runTensor(p, xs);
    return v[v.length - 1];
  };
}

/** Splits one flat input into the program's inputs (slice + reshape, themselves ops). */
export function unpack(p: TensorProgram, x: unknown): unknown[] {
  let off = 0;
  return p.shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const piece = O.reshape(O.slice(x, [off, off + n]), s);
    off += n;
    return piece;
  });
}

/** The inputs laid end to end in one flat tensor. */
export function pack(p: TensorProgram): Tensor {
  const out = new Float64Array(p.size);
  let off = 0;
  for (const x of p.xs) {
    out.set(x.toFloat64Array(), off);
    off += x.size;
  }
  return Tensor.fromData(out, [p.size]);
}

/** Fixed output weights, so a tensor program has a scalar loss Σ w ⊙ out. */
export function outputWeights(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.cos(1.7 * i + 0.3);
  return Tensor.fromData(d, shape);
}

/** Kink margin and magnitude of a tensor program at its inputs (plain tensors). */
export function tensorConditioning(p: TensorProgram): Conditioning {
  const c: Conditioning = { maxAbs: 0, finite: true, margin: Infinity };
  runTensor(p, p.xs, {
    kink: (x) => {
      for (const v of x.toFloat64Array()) if (v !== 0 && Number.isFinite(v)) c.margin = Math.min(c.margin, Math.abs(v));
    },
    value: (x) => {
      for (const v of x.toFloat64Array()) {
        if (!Number.isFinite(v)) c.finite = false;
        else c.maxAbs = Math.max(c.maxAbs, Math.abs(v));
      }
    },
  });
  return c;
}
