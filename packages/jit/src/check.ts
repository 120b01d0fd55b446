/**
 * check mode (`jit(f, { check: true })`): the compiled program's outputs against fn's eager
 * outputs on the same arguments, leaf by leaf, naming the first that differs.
 */
import { AdError, Tensor } from '@ad/core';
import { type Place, isPlainObject, whereOf } from './tree.js';

/** A jitted program's first call gave other outputs than fn run eagerly (check mode). */
export class JitCheckError extends AdError {}

/** How far a compiled output may be from eager mode's: |a − b| ≤ atol + rtol·max(|a|, |b|). */
export interface Tolerance {
  readonly rtol?: number;
  readonly atol?: number;
}

/** Whether two numbers agree: NaN with NaN, ±∞ with itself, finite values within the tolerance (+0 and −0 agree). */
function close(a: number, b: number, { rtol, atol }: Required<Tolerance>): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

function kind(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Tensor) return `a tensor of shape [${x.shape.join(',')}]`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys ${JSON.stringify(Object.keys(x))}`;
  return typeof x === 'number' ? `the number ${x}` : typeof x;
}

/**
 * The first place where `got` (the program's outputs) and `want` (eager's) differ, as
 * `the result[1].w[3] (element 5 of a tensor): 0 (compiled) vs NaN (eager)`, or null. Iterative:
 * results as deep as the arguments jit accepts.
 */
export function compareOutputs(got: unknown, want: unknown, tolerance: Required<Tolerance>): string | null {
  const stack: { got: unknown; want: unknown; at: Place }[] = [{ got, want, at: { parent: null, label: 'the result' } }];
  while (stack.length > 0) {
    const { got: g, want: w, at } = stack.pop()!;
    if (typeof g === 'number' && typeof w === 'number') {
      if (!close(g, w, tolerance)) return `${whereOf(at)}: ${g} (compiled) vs ${w} (eager)`;
      continue;
    }
    if (g instanceof Tensor && w instanceof Tensor) {
      if (g.shape.length !== w.shape.length || g.shape.some((d, i) => d !== w.shape[i])) return `${whereOf(at)}: ${kind(g)} (compiled) vs ${kind(w)} (eager)`;
      const a = g.toFloat64Array();
      const b = w.toFloat64Array();
      for (let i = 0; i < a.length; i++) {
        if (!close(a[i], b[i], tolerance)) return `${whereOf(at)} (element ${i} in row-major order): ${a[i]} (compiled) vs ${b[i]} (eager)`;
      }
      continue;
    }
    if (Array.isArray(g) && Array.isArray(w) && g.length === w.length) {
      for (let i = g.length - 1; i >= 0; i--) stack.push({ got: g[i], want: w[i], at: { parent: at, label: `[${i}]` } });
      continue;
    }
    if (isPlainObject(g) && isPlainObject(w)) {
      const keys = Object.keys(g);
      const wantKeys = Object.keys(w);
      if (keys.length === wantKeys.length && keys.every((k, i) => k === wantKeys[i])) {
        for (let i = keys.length - 1; i >= 0; i--) stack.push({ got: g[keys[i]], want: w[keys[i]], at: { parent: at, label: `.${keys[i]}` } });
        continue;
      }
    }
    return `${whereOf(at)}: ${kind(g)} (compiled) vs ${kind(w)} (eager)`;
  }
  return null;
}
