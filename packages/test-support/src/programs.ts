/**
 * Random programs for the property tests (fast-check), shared by core, forward and reverse.
 *
 * A program is data — a list of instructions over earlier values — so fast-check can generate
 * it, shrink it (drop instructions, point operands at earlier values) and print it. One
 * interpreter runs it on any kind of value: plain numbers and tensors (for finite
 * differences), duals and dual tensors (forward mode), graph nodes (reverse mode), and the
 * hand-expanded oracle below. Operand indices are taken modulo the number of values so far,
 * so every shrunk program is still a valid program.
 *
 * Domains are respected by construction: log and sqrt see x² + g (g > 0), log1p sees x², tan
 * sees tanh(x), a divisor is y² + g, a real power has a positive base. The numbers in a program
 * (inputs, constants, constant matrices) come from one seeded generator, never from fast-check,
 * so they are continuous draws: no exact zeros or ties between inputs.
 *
 * The oracle (`hyperDual`) is the chain rule expanded by hand: every op's first and second
 * derivatives written out below, independently of the op table, carried as hyper-dual numbers
 * (f, ∂ₐf, ∂ᵦf, ∂ₐ∂ᵦf) with a running bound on the size of the terms summed (for the rounding
 * tolerance: |AD − oracle| ≤ c·u·bound, u the unit roundoff).
 */
import fc from 'fast-check';
import { Generator, Tensor, broadcastShapes, checkGradients, type Algebra, type Differentiable } from '@ad/core';
import { anyOps, ops, tensorOps } from '@ad/core/engine';

const O = anyOps as unknown as Record<string, (...args: unknown[]) => unknown> & Algebra<unknown>;
const T = tensorOps;

// ------------------------------------------------------------------------------------------
// Replay and scale

/**
 * fast-check parameters for a property: the seed comes from AD_PROPERTY_SEED when set (to
 * replay a failure; fast-check prints the seed and path of every failure), else a fresh one per
 * run; AD_PROPERTY_PATH replays one counterexample directly; AD_PROPERTY_SCALE multiplies the
 * number of runs (a longer soak on a developer machine).
 */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.AD_PROPERTY_SEED;
  const path = process.env.AD_PROPERTY_PATH;
  const scale = Number(process.env.AD_PROPERTY_SCALE ?? '1');
  const params: fc.Parameters<unknown> = {
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
    endOnFailure: false,
  };
  if (seed !== undefined && seed !== '') params.seed = Number(seed);
  if (path !== undefined && path !== '') params.path = path;
  return params;
}

/** Programs checked per CI run, by property (the test titles print them; their sum is asserted ≥ 10,000). */
export const RUNS = {
  coreOpsRandomShapes: 1500,
  coreKernels: 1000,
  forwardScalar: 2500,
  forwardSecondOrder: 400,
  reverseScalar: 2500,
  reverseSecondOrder: 400,
  reverseTensor: 1800,
  reverseTensorSecondOrder: 100,
} as const;

// ------------------------------------------------------------------------------------------
// Scalar programs

export const UNARY = ['neg', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'relu', 'sqrt', 'square', 'abs', 'sign'] as const;
export const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
export const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type UnaryName = (typeof UNARY)[number];
export type BinaryName = (typeof BINARY)[number];
export type CompareName = (typeof COMPARE)[number];
/** `powi` is x to a constant integer power (any real base); `where` is where(cmp(a, b), b, c). */
export type ScalarOpName = UnaryName | BinaryName | CompareName | 'powi' | 'where';

/** Every scalar op; unary and binary ones listed twice so that comparisons stay a minority. */
const SCALAR_OPS: readonly ScalarOpName[] = [...UNARY, ...UNARY, ...BINARY, ...BINARY, 'powi', 'powi', ...COMPARE, 'where', 'where'];

export interface ScalarInstr {
  op: ScalarOpName;
  /** Operand indices into the values so far (taken modulo their count). */
  a: number;
  b: number;
  c: number;
  /** The second operand is the instruction's constant instead of a value… */
  konst: boolean;
  /** …and stands on the left (`sub(k, x)`). */
  left: boolean;
  /** Call the op as a method (`x.sin()`, the modes' fast paths) rather than as a function. */
  method: boolean;
  /** Which comparison `where` uses. */
  cmp: CompareName;
}

export class ScalarProgram {
  constructor(
    /** Number of inputs. */
    readonly n: number,
    /** The instructions (possibly none: the program returns its inputs; fast-check can then drop any instruction when shrinking). */
    readonly body: readonly ScalarInstr[],
    /** Number of outputs: the last m values. */
    readonly m: number,
    /** Seed of the inputs and constants. */
    readonly seed: number,
  ) {}

  /** The input point. */
  get x(): number[] {
    const g = new Generator(this.seed);
    return Array.from({ length: this.n }, () => g.uniform(-2, 2));
  }

  /** The constants of the instructions, one each (drawn after the inputs). */
  get constants(): number[] {
    const g = new Generator(this.seed);
    for (let i = 0; i < this.n; i++) g.uniform(-2, 2);
    return this.body.map(() => g.uniform(-2, 2));
  }

  /** Random unit-free directions and cotangents for the checks, from the same seed. */
  directions(count: number, size: number, salt: number): number[][] {
    const g = new Generator(this.seed * 7 + salt);
    return Array.from({ length: count }, () => Array.from({ length: size }, () => g.normal()));
  }

  /** The program as text, so a counterexample reads as code. */
  toString(): string {
    const names = Array.from({ length: this.n }, (_, i) => `x${i}`);
    const ks = this.constants;
    const lines = [`inputs ${this.x.map((v, i) => `x${i} = ${v}`).join(', ')}  (seed ${this.seed})`];
    this.body.forEach((ins, j) => {
      const at = (i: number) => names[i % names.length];
      const k = ks[j];
      const b = ins.konst ? String(k) : at(ins.b);
      const g = guard(k);
      let e: string;
      switch (ins.op) {
        case 'log':
        case 'sqrt':
          e = `${ins.op}(square(${at(ins.a)}) + ${g})`;
          break;
        case 'log1p':
          e = `log1p(square(${at(ins.a)}))`;
          break;
        case 'tan':
          e = `tan(tanh(${at(ins.a)}))`;
          break;
        case 'div':
          e = ins.konst && ins.left ? `div(${k}, square(${at(ins.a)}) + ${g})` : `div(${at(ins.a)}, square(${b}) + ${g})`;
          break;
        case 'pow':
          e = `pow(square(${at(ins.a)}) + ${g}, ${b})`;
          break;
        case 'powi':
          e = `pow(${at(ins.a)}, ${integerPower(k)})`;
          break;
        case 'where':
          e = `where(${ins.cmp}(${at(ins.a)}, ${at(ins.b)}), ${at(ins.b)}, ${at(ins.c)})`;
          break;
        default:
          e = (UNARY as readonly string[]).includes(ins.op)
            ? `${ins.op}(${at(ins.a)})`
            : ins.konst && ins.left
              ? `${ins.op}(${k}, ${at(ins.a)})`
              : `${ins.op}(${at(ins.a)}, ${b})`;
      }
      const name = `v${names.length}`;
      lines.push(`${name} = ${e}${ins.method ? '   (method)' : ''}`);
      names.push(name);
    });
    lines.push(`outputs ${names.slice(-Math.min(this.m, names.length)).join(', ')}`);
    return lines.join('\n');
  }

  [fc.toStringMethod](): string {
    return `\n${this.toString()}\n`;
  }
}

/** The positive shift of a guarded argument (x² + g), from the instruction's constant. */
export function guard(k: number): number {
  return 0.3 + Math.abs(k) / 4;
}

/**
 * The integer exponent of `powi`, from the instruction's constant: 1, 2 or 3. (Not 0: the
 * Hessian of x⁰ at x = 0 is NaN, a library bug reported with issue 8; see the report.)
 */
export function integerPower(k: number): number {
  return 1 + Math.floor((Math.abs(k) * 1000) % 3);
}

export interface ScalarProgramOptions {
  minInputs?: number;
  maxInputs?: number;
  maxLength?: number;
  maxOutputs?: number;
  /** Restrict the ops (the shrinking test uses this to aim at one op). */
  ops?: readonly ScalarOpName[];
}

export function scalarInstr(opList: readonly ScalarOpName[] = SCALAR_OPS): fc.Arbitrary<ScalarInstr> {
  return fc.record({
    op: fc.constantFrom(...opList),
    a: fc.nat(64),
    b: fc.nat(64),
    c: fc.nat(64),
    konst: fc.boolean(),
    left: fc.boolean(),
    method: fc.boolean(),
    cmp: fc.constantFrom(...COMPARE),
  });
}

export function scalarProgram(options: ScalarProgramOptions = {}): fc.Arbitrary<ScalarProgram> {
  const { minInputs = 1, maxInputs = 4, maxLength = 8, maxOutputs = 3 } = options;
  return fc
    .record({
      n: fc.integer({ min: minInputs, max: maxInputs }),
      body: fc.array(scalarInstr(options.ops), { maxLength }),
      m: fc.integer({ min: 1, max: maxOutputs }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ n, body, m, seed }) => new ScalarProgram(n, body, m, seed));
}

/** How values of one kind are combined: the AD backend (any @ad kind) or the oracle. */
export interface Backend<V> {
  unary(name: UnaryName, x: V, method: boolean): V;
  binary(name: BinaryName | CompareName, x: V, y: V | number, method: boolean): V;
  /** A binary op with a constant on the left. */
  binaryLeft(name: BinaryName | CompareName, k: number, y: V): V;
  where(c: V, x: V, y: V): V;
  /** Shift by a positive constant (the guards). */
  addConst(x: V, k: number): V;
}

/** Runs a scalar program on its inputs; returns every value (inputs first). */
export function runScalar<V>(p: ScalarProgram, xs: readonly V[], be: Backend<V>): V[] {
  const vals: V[] = [...xs];
  const ks = p.constants;
  p.body.forEach((ins, j) => {
    const at = (i: number) => vals[i % vals.length];
    const A = at(ins.a);
    const k = ks[j];
    const B: V | number = ins.konst ? k : at(ins.b);
    const g = guard(k);
    const m = ins.method;
    let y: V;
    switch (ins.op) {
      case 'log':
      case 'sqrt':
        y = be.unary(ins.op, be.addConst(be.unary('square', A, m), g), m);
        break;
      case 'log1p':
        y = be.unary('log1p', be.unary('square', A, m), m);
        break;
      case 'tan':
        y = be.unary('tan', be.unary('tanh', A, m), m);
        break;
      case 'div':
        y =
          ins.konst && ins.left
            ? be.binaryLeft('div', k, be.addConst(be.unary('square', A, m), g))
            : be.binary('div', A, ins.konst ? k * k + g : be.addConst(be.unary('square', B as V, m), g), m);
        break;
      case 'pow':
        y = be.binary('pow', be.addConst(be.unary('square', A, m), g), B, m);
        break;
      case 'powi':
        y = be.binary('pow', A, integerPower(k), m);
        break;
      case 'where': {
        const Bv = at(ins.b);
        y = be.where(be.binary(ins.cmp, A, Bv, m), Bv, at(ins.c));
        break;
      }
      default:
        if ((UNARY as readonly string[]).includes(ins.op)) y = be.unary(ins.op as UnaryName, A, m);
        else if (ins.konst && ins.left) y = be.binaryLeft(ins.op as BinaryName | CompareName, k, A);
        else y = be.binary(ins.op as BinaryName | CompareName, A, B, m);
    }
    vals.push(y);
  });
  return vals;
}

/** The program's outputs (the last m values). */
export function outputsOf<V>(p: ScalarProgram, vals: readonly V[]): V[] {
  return vals.slice(-Math.min(p.m, vals.length));
}

const isObj = (x: unknown): x is Record<string, (...a: unknown[]) => unknown> => typeof x === 'object' && x !== null;

/** Any @ad value: numbers, duals, graph nodes; method calls where asked and possible. */
export const adBackend: Backend<unknown> = {
  unary: (name, x, method) => (method && isObj(x) ? x[name]() : O[name](x)),
  binary: (name, x, y, method) => (method && isObj(x) ? x[name](y) : O[name](x, y)),
  binaryLeft: (name, k, y) => O[name](k, y),
  where: (c, x, y) => O.where(c, x, y),
  addConst: (x, k) => O.add(x, k),
};

/** A scalar program as a function of an array of scalars of any mode (all m outputs). */
export function scalarFunction(p: ScalarProgram): (xs: unknown[]) => unknown[] {
  return (xs) => outputsOf(p, runScalar(p, xs, adBackend));
}

/** Its last output alone (for grad, hessian). */
export function scalarFunction1(p: ScalarProgram): (xs: unknown[]) => unknown {
  return (xs) => {
    const v = runScalar(p, xs, adBackend);
    return v[v.length - 1];
  };
}

export interface Conditioning {
  /** Largest |value| seen. */
  maxAbs: number;
  /** All values finite. */
  finite: boolean;
  /** Smallest distance of a kink's argument from the kink (relu, abs, sign at 0; max/min and comparisons at ties). */
  margin: number;
}

/** Evaluates on plain numbers while measuring how safe finite differences are at this point. */
export function scalarConditioning(p: ScalarProgram): Conditioning {
  const c: Conditioning = { maxAbs: 0, finite: true, margin: Infinity };
  const see = (v: number) => {
    if (!Number.isFinite(v)) c.finite = false;
    else c.maxAbs = Math.max(c.maxAbs, Math.abs(v));
    return v;
  };
  const kink = (d: number) => {
    if (d !== 0) c.margin = Math.min(c.margin, Math.abs(d));
  };
  const be: Backend<number> = {
    unary: (name, x) => {
      if (name === 'relu' || name === 'abs' || name === 'sign') kink(x);
      return see(O[name](x) as number);
    },
    binary: (name, x, y) => {
      if (name === 'maximum' || name === 'minimum' || (COMPARE as readonly string[]).includes(name)) kink(x - (y as number));
      return see(O[name](x, y) as number);
    },
    binaryLeft: (name, k, y) => {
      if (name === 'maximum' || name === 'minimum' || (COMPARE as readonly string[]).includes(name)) kink(k - y);
      return see(O[name](k, y) as number);
    },
    where: (cond, x, y) => see(cond !== 0 ? x : y),
    addConst: (x, k) => see(x + k),
  };
  runScalar(p, p.x, be);
  return c;
}

// ------------------------------------------------------------------------------------------
// The oracle: hyper-dual numbers, every derivative written out by hand

/**
 * f and its derivatives along two seed directions a and b: ∂ₐf, ∂ᵦf and ∂ₐ∂ᵦf, each with a bound
 * on the magnitude of the terms summed to get it (capitals). `konst` marks values with no
 * derivative at all (constants, comparison masks).
 */
export interface HD {
  v: number;
  a: number;
  b: number;
  ab: number;
  A: number;
  B: number;
  AB: number;
  konst: boolean;
}

const hdConst = (v: number): HD => ({ v, a: 0, b: 0, ab: 0, A: 0, B: 0, AB: 0, konst: true });

/** y = g(x): ∂y = g′·∂x, ∂ₐ∂ᵦy = g″·∂ₐx·∂ᵦx + g′·∂ₐ∂ᵦx. m1, m2 bound |g′|, |g″| plus their rounding. */
function chain1(x: HD, v: number, d1: number, d2: number, m1 = Math.abs(d1), m2 = Math.abs(d2)): HD {
  if (x.konst) return hdConst(v);
  return {
    v,
    a: d1 * x.a,
    b: d1 * x.b,
    ab: d2 * x.a * x.b + d1 * x.ab,
    A: m1 * x.A,
    B: m1 * x.B,
    AB: m2 * x.A * x.B + m1 * x.AB,
    konst: false,
  };
}

/** z = f(x, y) with its five partials ∂x, ∂y, ∂xx, ∂xy, ∂yy (terms of a constant operand dropped). */
function chain2(x: HD, y: HD, v: number, fx: number, fy: number, fxx: number, fxy: number, fyy: number): HD {
  if (x.konst && y.konst) return hdConst(v);
  const cx = x.konst ? 0 : 1;
  const cy = y.konst ? 0 : 1;
  const t = (p: number, q: number) => (p === 0 || q === 0 ? 0 : p * q);
  const a = cx * t(fx, x.a) + cy * t(fy, y.a);
  const b = cx * t(fx, x.b) + cy * t(fy, y.b);
  const ab = cx * (t(fxx, x.a * x.b) + t(fx, x.ab)) + cy * (t(fyy, y.a * y.b) + t(fy, y.ab)) + cx * cy * t(fxy, x.a * y.b + x.b * y.a);
  const F = (p: number) => Math.abs(p);
  return {
    v,
    a,
    b,
    ab,
    A: cx * F(fx) * x.A + cy * F(fy) * y.A,
    B: cx * F(fx) * x.B + cy * F(fy) * y.B,
    AB: cx * (F(fxx) * x.A * x.B + F(fx) * x.AB) + cy * (F(fyy) * y.A * y.B + F(fy) * y.AB) + cx * cy * F(fxy) * (x.A * y.B + x.B * y.A),
    konst: false,
  };
}

/** The primal of an op as the engines compute it (bit-identical values; only derivatives are the oracle's own). */
const primal1 = (name: string, x: number): number => ops[name as UnaryName].elementwise!.scalar(x);
const primal2 = (name: string, x: number, y: number): number => ops[name as BinaryName].elementwise!.scalar(x, y);

function hdUnary(name: UnaryName, x: HD): HD {
  const u = x.v;
  const y = primal1(name, u);
  switch (name) {
    case 'neg':
      return chain1(x, y, -1, 0);
    case 'exp':
      return chain1(x, y, y, y);
    case 'log':
      return chain1(x, y, 1 / u, -1 / (u * u));
    case 'log1p':
      return chain1(x, y, 1 / (1 + u), -1 / ((1 + u) * (1 + u)));
    case 'expm1':
      // e^x; the engines compute y + 1 (as PyTorch and JAX do), within u of it: bound + 1.
      return chain1(x, y, Math.exp(u), Math.exp(u), Math.exp(u) + 1, Math.exp(u) + 1);
    case 'sin':
      return chain1(x, y, Math.cos(u), -Math.sin(u));
    case 'cos':
      return chain1(x, y, -Math.sin(u), -Math.cos(u));
    case 'tan': {
      const s = 1 / (Math.cos(u) * Math.cos(u));
      return chain1(x, y, s, 2 * y * s);
    }
    case 'tanh': {
      // sech² x; the engines compute 1 − y², which rounds to within u of it: bound + 1.
      const s = Math.cosh(u) === Infinity ? 0 : 1 / (Math.cosh(u) * Math.cosh(u));
      return chain1(x, y, s, -2 * y * s, s + 1, 2 * Math.abs(y) * s + 2);
    }
    case 'sigmoid': {
      const s = y * (1 - y);
      return chain1(x, y, s, s * (1 - 2 * y), s + y, Math.abs(s * (1 - 2 * y)) + 2 * y);
    }
    case 'relu':
      return chain1(x, y, u > 0 ? 1 : 0, 0);
    case 'sqrt':
      return chain1(x, y, 0.5 / y, -0.25 / (y * u));
    case 'square':
      return chain1(x, y, 2 * u, 2);
    case 'abs':
      return chain1(x, y, Math.sign(u), 0);
    case 'sign':
      return hdConst(y);
  }
}

function hdBinary(name: BinaryName | CompareName, x: HD, y: HD): HD {
  const p = x.v;
  const q = y.v;
  const z = primal2(name, p, q);
  switch (name) {
    case 'add':
      return chain2(x, y, z, 1, 1, 0, 0, 0);
    case 'sub':
      return chain2(x, y, z, 1, -1, 0, 0, 0);
    case 'mul':
      return chain2(x, y, z, q, p, 0, 1, 0);
    case 'div':
      return chain2(x, y, z, 1 / q, -p / (q * q), 0, -1 / (q * q), (2 * p) / (q * q * q));
    case 'pow': {
      if (y.konst) {
        // A constant exponent q: d/dx x^q = q x^(q−1) (0 for q = 0, the engines' convention).
        const d1 = q === 0 ? 0 : q * Math.pow(p, q - 1);
        const d2 = q === 0 || q === 1 ? 0 : q * (q - 1) * Math.pow(p, q - 2);
        return chain2(x, y, z, d1, 0, d2, 0, 0);
      }
      // Positive base (guarded): z = e^(q ln p).
      const L = Math.log(p);
      return chain2(x, y, z, q * Math.pow(p, q - 1), z * L, q * (q - 1) * Math.pow(p, q - 2), Math.pow(p, q - 1) * (1 + q * L), z * L * L);
    }
    case 'maximum': {
      const w = p > q ? 1 : p < q ? 0 : 0.5;
      return chain2(x, y, z, w, 1 - w, 0, 0, 0);
    }
    case 'minimum': {
      const w = p < q ? 1 : p > q ? 0 : 0.5;
      return chain2(x, y, z, w, 1 - w, 0, 0, 0);
    }
    default:
      return hdConst(z);
  }
}

export const hdBackend: Backend<HD> = {
  unary: (name, x) => hdUnary(name, x),
  binary: (name, x, y) => hdBinary(name, x, typeof y === 'number' ? hdConst(y) : y),
  binaryLeft: (name, k, y) => hdBinary(name, hdConst(k), y),
  where: (c, x, y) => (c.v !== 0 ? x : y),
  addConst: (x, k) => ({ ...x, v: x.v + k }),
};

/** The oracle at the program's point with seed directions a and b (b = 0 for first order). */
export function hyperDual(p: ScalarProgram, a: readonly number[], b: readonly number[] = a.map(() => 0)): HD[] {
  const xs = p.x.map((v, i): HD => ({ v, a: a[i], b: b[i], ab: 0, A: Math.abs(a[i]), B: Math.abs(b[i]), AB: 0, konst: false }));
  return outputsOf(p, runScalar(p, xs, hdBackend));
}

/** The oracle's Jacobian (m × n) and its bounds. */
export function oracleJacobian(p: ScalarProgram): { J: number[][]; bound: number[][] } {
  const n = p.n;
  const cols = Array.from({ length: n }, (_, j) =>
    hyperDual(
      p,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  const m = cols[0].length;
  return {
    J: Array.from({ length: m }, (_, r) => cols.map((c) => c[r].a)),
    bound: Array.from({ length: m }, (_, r) => cols.map((c) => c[r].A)),
  };
}

/** The oracle's Hessian of the last output (n × n), exact second derivatives, and bounds. */
export function oracleHessian(p: ScalarProgram): { H: number[][]; bound: number[][]; gradient: number[]; gradientBound: number[] } {
  const n = p.n;
  const e = (j: number) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0));
  const H: number[][] = [];
  const bound: number[][] = [];
  const gradient: number[] = [];
  const gradientBound: number[] = [];
  for (let i = 0; i < n; i++) {
    H.push([]);
    bound.push([]);
    for (let j = 0; j < n; j++) {
      const out = hyperDual(p, e(i), e(j));
      const last = out[out.length - 1];
      H[i].push(last.ab);
      bound[i].push(last.AB);
      if (j === 0) {
        gradient.push(last.a);
        gradientBound.push(last.A);
      }
    }
  }
  return { H, bound, gradient, gradientBound };
}

/** Unit roundoff of float64. */
export const U = 2 ** -53;

/**
 * |got − want| within rounding: c·u·(bound + |want|), with c growing with the program's length.
 * A wrong rule is off by a fixed fraction of the value, far outside this.
 */
export function withinRounding(got: number, want: number, bound: number, ops: number): boolean {
  if (Object.is(got, want)) return true;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return false;
  const tol = 256 * (ops + 4) * U * (bound + Math.abs(want)) + 1e-300;
  return Math.abs(got - want) <= tol;
}

/** Asserts a matrix (or vector) against the oracle within rounding, naming the entry that is off. */
export function expectWithinRounding(
  what: string,
  got: readonly (readonly number[])[],
  want: readonly (readonly number[])[],
  bound: readonly (readonly number[])[],
  ops: number,
): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} rows, the oracle has ${want.length}`);
  got.forEach((row, i) => {
    if (row.length !== want[i].length) throw new Error(`${what}: row ${i} has ${row.length} entries, the oracle ${want[i].length}`);
    row.forEach((v, j) => {
      if (!withinRounding(v, want[i][j], bound[i][j], ops)) {
        throw new Error(`${what}[${i}][${j}] = ${v}, hand-expanded = ${want[i][j]} (term bound ${bound[i][j]})`);
      }
    });
  });
}

/** Number of primitive ops a scalar program runs (for the rounding tolerance). */
export function opCount(p: ScalarProgram): number {
  return p.body.length * 3;
}

// ------------------------------------------------------------------------------------------
// Tensor programs

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

/** True when finite differences are trustworthy at this point: no kink within reach, values moderate. */
export function fdSafe(c: Conditioning): boolean {
  return c.finite && c.margin > 1e-3 && c.maxAbs < 1e4;
}

/**
 * Finite differences through core's shared checker (J·v, ⟨Jᵀȳ, v⟩ and the identity between
 * them), accepted at the first of four step sizes that agrees: a wrong rule disagrees at all
 * of them, while rounding or curvature can spoil one step size at a badly scaled point.
 */
export function finiteDifferenceAgrees(name: string, target: Differentiable, xs: Tensor[]): void {
  let last: unknown;
  for (const eps of [1e-6, 1e-5, 1e-7, 1e-4]) {
    try {
      checkGradients(name, target, xs, { eps, directions: 2, rtol: 1e-5, atol: 1e-7, identityRtol: 1e-6 });
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/**
 * The same numbers, entry by entry (nested arrays): equal as IEEE numbers, so 0 and −0 count as
 * equal (a zero tangent's sign depends on how many zero terms were summed) and NaN equals NaN.
 */
export function expectSameNumbers(what: string, got: unknown, want: unknown, path = ''): void {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) throw new Error(`${what}${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    want.forEach((w, i) => expectSameNumbers(what, got[i], w, `${path}[${i}]`));
    return;
  }
  const same = got === want || (Number.isNaN(got) && Number.isNaN(want));
  if (!same) throw new Error(`${what}${path}: got ${String(got)}, want ${String(want)} (must be identical)`);
}
