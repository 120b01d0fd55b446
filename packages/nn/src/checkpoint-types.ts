/** What every checkpoint format shares: its error, what a loaded checkpoint holds, and the checks both formats make (browser-clean). */
import { AdError, DTypeError, ValueError } from '@ad/core';
import type { StateDict } from './module.js';
import type { OptimizerState } from './optim.js';

/** A checkpoint that cannot be read: missing, truncated, corrupted, edited, or of another format. */
export class CheckpointError extends AdError {}

/**
 * How much of a file a checksum vouches for: 'file' — header and data, by the SHA-256 this
 * library writes; 'data' — the tensor bytes only (the CRC-32 of files from earlier versions);
 * 'none' — a file another writer made (PyTorch writes no checksum). Restoring anything but a
 * 'file' checkpoint checks each tensor's stored dtype against the model as well as its shape.
 */
export type Verification = 'file' | 'data' | 'none';

/** A loaded checkpoint: the model's state dict, the optimizer's state (or null), and metadata. */
export interface Checkpoint {
  model: StateDict;
  optimizer: OptimizerState | null;
  meta: Record<string, unknown>;
  /** What the file's checksum covered. */
  verified: Verification;
  /** Every tensor of the file (the model's and the optimizer's) as stored: its dtype ('F64', 'F32', 'I64', …) and shape, by name. */
  stored: Record<string, { dtype: string; shape: number[] }>;
}

/**
 * Names no tensor may have: the empty name and every property a plain object inherits
 * (`__proto__`, `constructor`, `toString`, …). Such a key would reach a prototype, or be
 * shadowed by one, wherever a state dict is an ordinary object, so a file carrying one is
 * refused instead of being read into something else.
 */
const RESERVED = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `name` cannot name a tensor, or undefined when it can. */
export function badTensorName(name: string): string | undefined {
  if (name === '') return 'a tensor with an empty name';
  if (RESERVED.has(name)) return `a tensor named ${JSON.stringify(name)} (a property every JavaScript object has)`;
  return undefined;
}

/**
 * Checks that `meta` is a plain object that JSON gives back as it was: strings, finite numbers,
 * booleans, null, arrays and plain objects, no cycles. JSON.stringify would turn NaN and
 * Infinity into null, drop undefined and functions, throw a raw TypeError on a BigInt or a
 * cycle, and turn a Date into a string: each is refused here by its path (`meta.loss`).
 */
export function checkMeta(op: string, meta: unknown): void {
  if (!isPlainObject(meta)) throw new DTypeError(op, `meta must be a plain object of JSON values, got ${describe(meta)}`);
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: string): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new ValueError(op, `${path} is ${v}, which JSON cannot hold (it would load as null)`);
        return;
      case 'object':
        break;
      default:
        throw new DTypeError(op, `${path} is ${describe(v)}, which JSON cannot hold`);
    }
    if (v === null) return;
    if (ancestors.has(v)) throw new ValueError(op, `${path} refers back to an object that contains it (a cycle), which JSON cannot hold`);
    if (!Array.isArray(v) && !isPlainObject(v))
      throw new DTypeError(op, `${path} is ${describe(v)}; only plain objects and arrays come back from JSON as they were`);
    ancestors.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) throw new DTypeError(op, `${path}[${i}] is a hole, which JSON would turn into null`);
        visit(v[i], `${path}[${i}]`);
      }
    } else {
      for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
    }
    ancestors.delete(v);
  };
  visit(meta, 'meta');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `the BigInt ${v}n`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : `a ${(v as object).constructor?.name ?? 'non-plain object'}`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}
