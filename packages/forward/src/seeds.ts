/**
 * Seeds as named things. A seed matrix has one row per input and one column per direction: row i
 * is input i's seed vector (its tangent in each of the k directions). Unit seeds eᵢ give the
 * partial derivatives; a chunk of unit seeds is how `jacfwd` covers n inputs in ⌈n/k⌉ passes.
 */
import { ValueError } from '@ad/core';

/** The n × k seed matrix whose column c is e_(start + c): directions start … start + k − 1. */
export function unitSeeds(n: number, start: number, k: number): number[][] {
  checkChunk('unitSeeds', k);
  return Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(k).fill(0);
    if (i >= start && i < start + k) row[i - start] = 1;
    return row;
  });
}

/**
 * The default chunk width, as ForwardDiff.jl picks it: all inputs in one pass up to 12, else
 * the fewest passes of at most 12 with the inputs split evenly among them.
 */
export function defaultChunk(n: number, threshold = 12): number {
  if (!Number.isInteger(n) || n < 0) throw new ValueError('defaultChunk', `n must be a non-negative integer, got ${n}`);
  if (n <= threshold) return Math.max(n, 1);
  const passes = Math.ceil(n / threshold);
  return Math.ceil(n / passes);
}

/** Validates a user-given chunk width. */
export function checkChunk(op: string, chunk: number): number {
  if (!Number.isInteger(chunk) || chunk < 1) throw new ValueError(op, `chunk must be a positive integer, got ${chunk}`);
  return chunk;
}

/** The chunks of directions [start, start + width) that cover n inputs. */
export function chunks(n: number, k: number): { start: number; width: number }[] {
  checkChunk('chunks', k);
  const out: { start: number; width: number }[] = [];
  for (let start = 0; start < n; start += k) out.push({ start, width: Math.min(k, n - start) });
  return out;
}
