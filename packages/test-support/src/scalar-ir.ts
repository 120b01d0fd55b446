/**
 * Random scalar programs for the property tests (fast-check), shared by core, forward, reverse,
 * jit and the docs' reference engine: the instructions, the program, and the one interpreter.
 *
 * A program is data — a list of instructions over earlier values — so fast-check can generate
 * it (scalar-generators.ts), shrink it (drop instructions, point operands at earlier values) and
 * print it. One interpreter runs it on any kind of value: plain numbers (for finite
 * differences), duals (forward mode), graph nodes (reverse mode), and the hand-expanded oracle
 * (hyper-dual.ts). Operand indices are taken modulo the number of values so far, so every
 * shrunk program is still a valid program.
 *
 * Domains are respected by construction: log and sqrt see x² + g (g > 0), log1p sees x², tan
 * sees tanh(x), a divisor is y² + g, a real power has a positive base. The numbers in a program
 * (inputs, constants) come from one seeded generator, never from fast-check, so they are
 * continuous draws: no exact zeros or ties between inputs.
 */
import fc from 'fast-check';
import { Generator } from '@ad/core';
import { O, isObj } from './any-kind.js';
import type { Conditioning } from './checks.js';

export const UNARY = ['neg', 'exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'relu', 'sqrt', 'square', 'abs', 'sign'] as const;
export const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
export const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type UnaryName = (typeof UNARY)[number];
export type BinaryName = (typeof BINARY)[number];
export type CompareName = (typeof COMPARE)[number];
/** `powi` is x to a constant integer power (any real base); `where` is where(cmp(a, b), b, c). */
export type ScalarOpName = UnaryName | BinaryName | CompareName | 'powi' | 'where';

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
