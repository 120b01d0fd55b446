/**
 * Parsers for flag values. Each names the flag and says what it needed, so a bad value is one
 * clear line: `--lr must be a positive number, got "fast"`. They throw UsageError (exit 2).
 */
import { UsageError } from './errors.js';

export interface NumberRule {
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Whether min itself is excluded (for "positive"). */
  exclusiveMin?: boolean;
}

/** A finite decimal number written in full: `3`, `-0.5`, `1e-3` (not `0x10`, `Infinity`, ``). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  if (rule.min === 0 && rule.exclusiveMin) return `a positive ${rule.integer ? 'integer' : 'number'}${rule.max !== undefined ? ` ≤ ${rule.max}` : ''}`;
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} in [${rule.min}, ${rule.max}]${rule.exclusiveMin ? ` (not ${rule.min})` : ''}`;
  if (rule.min !== undefined) return `${kind} ≥ ${rule.min}`;
  if (rule.max !== undefined) return `${kind} ≤ ${rule.max}`;
  return kind;
}

/** Parses one number against a rule; `what` names it in the message (`--lr`, `x in --at`). */
export function parseNumber(what: string, text: string, rule: NumberRule = {}): number {
  const s = text.trim();
  const x = DECIMAL.test(s) ? Number(s) : NaN;
  const ok =
    Number.isFinite(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (rule.min === undefined || (rule.exclusiveMin ? x > rule.min : x >= rule.min)) &&
    (rule.max === undefined || x <= rule.max);
  if (!ok) throw new UsageError(`${what} must be ${describeRule(rule)}, got ${JSON.stringify(text)}`);
  return x;
}

/** A commander argument parser for a number flag. */
export function numberFlag(flag: string, rule: NumberRule): (value: string) => number {
  return (value) => parseNumber(flag, value, rule);
}

/** A comma-separated list of numbers: `128,64`. */
export function parseNumberList(flag: string, text: string, rule: NumberRule): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`${flag} must be a comma-separated list of numbers, got ${JSON.stringify(text)}`);
  return parts.map((p) => parseNumber(flag, p, rule));
}

/**
 * Sizes to sweep: `8` (one), `1,4,16` (a list) or `1..64` (a doubling range: 1, 2, 4, …, 64,
 * ending with 64 even when it is not a power of two from the start).
 */
export function parseSizes(flag: string, text: string, max: number): number[] {
  const rule: NumberRule = { integer: true, min: 1, max };
  const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  if (range === null) return [...new Set(parseNumberList(flag, text, rule))].sort((a, b) => a - b);
  const lo = parseNumber(flag, range[1], rule);
  const hi = parseNumber(flag, range[2], rule);
  if (hi < lo) throw new UsageError(`${flag} range ${JSON.stringify(text)} ends below its start`);
  const out: number[] = [];
  for (let v = lo; v < hi; v *= 2) out.push(v);
  out.push(hi);
  return out;
}

/** `x=3,y=2` → [['x', 3], ['y', 2]], in the order written (it is the order of the inputs). */
export function parseAssignments(flag: string, text: string): [string, number][] {
  const out: [string, number][] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(part);
    if (m === null) throw new UsageError(`${flag} must look like x=3,y=2, got ${JSON.stringify(text)}`);
    const [, name, value] = m;
    if (out.some(([n]) => n === name)) throw new UsageError(`${flag} gives ${name} twice`);
    out.push([name, parseNumber(`${name} in ${flag}`, value)]);
  }
  return out;
}

/** One of a fixed set of words; the message lists them. */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}`);
  };
}
