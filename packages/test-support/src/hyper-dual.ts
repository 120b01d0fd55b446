/**
 * The oracle of the scalar programs (scalar-ir.ts): the chain rule expanded by hand. Every op's
 * first and second derivatives are written out below, independently of the op table, carried as
 * hyper-dual numbers (f, ∂ₐf, ∂ᵦf, ∂ₐ∂ᵦf) with a running bound on the size of the terms summed
 * (for the rounding tolerance: |AD − oracle| ≤ c·u·bound, u the unit roundoff).
 */
import { ops } from '@ad/core/engine';
import { outputsOf, runScalar, type Backend, type BinaryName, type CompareName, type ScalarProgram, type UnaryName } from './scalar-ir.js';

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
