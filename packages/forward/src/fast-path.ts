/**
 * Dual's fast path, as code templates (core's template.ts: TypeScript-only parts marked with
 * `tsOnly`, `typed` and `cast`). `pnpm generate` renders them as TypeScript around every
 * element-wise op's scalar rule into `fast-path.generated.ts`, which tsc checks and methods.ts
 * installs; for an op registered after the build, methods.ts renders them as JavaScript.
 *
 * The fast path: numeric duals of one derivative (or a plain number), first order. The
 * commonest case — two width-1 duals of one derivative — is the whole method, so V8 inlines it
 * into the caller and can drop the intermediate duals of an expression (f(x, y) = (x + y)(x − y)
 * at width 1: 27–48 ns before, 17–30 ns after, one process each on a quiet machine); the other
 * cases are a call away.
 */
import { cast, tsOnly, typed, type KernelScope, type ScalarFastPath } from '@ad/core/engine';
import type { Dual } from './dual.js';

/** What Dual's fast methods read from their scope. */
export interface DualScope extends KernelScope {
  readonly Dual: typeof Dual;
  /** The general path: the algebra's function of the method's op. */
  readonly slow: (self: Dual, ...operands: unknown[]) => Dual;
  readonly anomaly: { readonly on: boolean };
  readonly nanSafe: { readonly on: boolean };
}

// Inside the fast path the dual is numeric: its value and tangents are numbers.
const value = (d: string) => cast(`${d}.value`, 'number');
const first = (d: string) => cast(`${d}.first`, 'number');
const rest = (d: string) => cast(`${d}.rest`, 'readonly number[]');

// ẏ = d·ẋ over the seed vector: the first tangent in its field, the rest (if any) in an array.
const scaleRest = (d: string, t: string) => `${t}.rest === null ? null : scale(${d}, ${rest(t)})`;

const numberArray = `new Array${tsOnly('<number>')}(s.length)`;

/** Dual's fast path (see the module comment). */
export const dualFastPath: ScalarFastPath = {
  kind: 'Dual',
  scopeType: 'DualScope',
  scope: ['Dual', 'slow', 'anomaly', 'nanSafe'],
  imports: ["import type { Dual } from './dual.js';", "import type { DualScope } from './fast-path.js';"],
  hotUnary: `  if (this.rest === null && this.numeric && !anomaly.on && !nanSafe.on) {
    const x = ${value('this')};
    const out = primal(x);
    return new Dual(this.tag, out, d0(x, out) * ${first('this')}, null, true);
  }`,
  hotBinary: `  if (b instanceof Dual && this.rest === null && b.rest === null && this.numeric && b.numeric && b.tag === this.tag && !anomaly.on && !nanSafe.on) {
    const x = ${value('this')};
    const y = ${value('b')};
    const out = primal(x, y);
    return new Dual(this.tag, out, d0(x, y, out) * ${first('this')} + d1(x, y, out) * ${first('b')}, null, true);
  }`,
  helpers: `function scale(${typed('d', 'number')}, ${typed('s', 'readonly number[]')})${tsOnly(': number[]')} {
  const r = ${numberArray};
  for (let j = 0; j < s.length; j++) r[j] = d * s[j];
  return r;
}
function combine(${typed('dx', 'number')}, ${typed('s', 'readonly number[]')}, ${typed('dy', 'number')}, ${typed('t', 'readonly number[]')})${tsOnly(': number[]')} {
  const r = ${numberArray};
  for (let j = 0; j < s.length; j++) r[j] = dx * s[j] + dy * t[j];
  return r;
}`,
  unary: `  if (this.numeric && !anomaly.on && !nanSafe.on) {
    const x = ${value('this')};
    const out = primal(x);
    const d = d0(x, out);
    return new Dual(this.tag, out, d * ${first('this')}, ${scaleRest('d', 'this')}, true);
  }`,
  binary: `  if (this.numeric && !anomaly.on && !nanSafe.on) {
    if (typeof b === 'number') {
      const x = ${value('this')};
      const out = primal(x, b);
      const d = d0(x, b, out);
      return new Dual(this.tag, out, d * ${first('this')}, ${scaleRest('d', 'this')}, true);
    }
    if (b instanceof Dual && b.numeric && b.tag === this.tag && (b.rest === null) === (this.rest === null)) {
      const x = ${value('this')};
      const y = ${value('b')};
      const out = primal(x, y);
      const dx = d0(x, y, out);
      const dy = d1(x, y, out);
      if (this.rest === null) return new Dual(this.tag, out, dx * ${first('this')} + dy * ${first('b')}, null, true);
      if (this.rest.length === ${rest('b')}.length) {
        return new Dual(this.tag, out, dx * ${first('this')} + dy * ${first('b')}, combine(dx, ${rest('this')}, dy, ${rest('b')}), true);
      }
    }
  }`,
};
