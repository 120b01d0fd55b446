/**
 * One seeded random generator for everything random in @ad: xoroshiro128+ from pure-rand
 * (fast, 2¹²⁸ − 1 period, passes BigCrush apart from the lowest bits, which the float
 * conversion drops). A fresh process starts from seed 0, so programs are reproducible by
 * default; `manualSeed(s)` reseeds the default generator, as `torch.manual_seed` does.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { DTypeError, ValueError } from './errors.js';

/** A seeded random generator (xoroshiro128+): uniform, normal, integers, shuffles; its state can be saved. */
export class Generator {
  private rng: JumpableRandomGenerator;
  private spare: number | null = null;

  constructor(seed = 0) {
    // Past 2⁵³ neighbouring integers are one double: two seeds a user tells apart would give one stream.
    if (!Number.isSafeInteger(seed)) throw new ValueError('Generator', `seed must be an integer within ±(2⁵³ − 1), got ${shown(seed)}`);
    this.rng = xoroshiro128plusFromState(seedState(seed));
  }

  /** Restores a generator from `state()`. */
  static fromState(state: readonly number[]): Generator {
    if (!Array.isArray(state) || state.length !== STATE_LENGTH || !state.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ValueError('Generator.fromState', `expected the array of ${STATE_LENGTH} finite numbers that state() returns, got ${describeState(state)}`);
    }
    const words = state.slice(0, -2);
    if (!words.every((w) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 31) || words.every((w) => w === 0)) {
      throw new ValueError(
        'Generator.fromState',
        `the generator's words must be 32-bit integers, not all zero (as state() returns them), got [${words.join(', ')}]`,
      );
    }
    if (state[state.length - 2] !== 0 && state[state.length - 2] !== 1) {
      throw new ValueError('Generator.fromState', `the entry after the words says whether a normal is waiting: 0 or 1, got ${state[state.length - 2]}`);
    }
    const g = new Generator(0);
    g.rng = xoroshiro128plusFromState(words);
    g.spare = state[state.length - 2] === 1 ? state[state.length - 1] : null;
    return g;
  }

  /**
   * The full state, so a training run can resume with the same stream: the generator's words,
   * then whether a second normal is waiting (1 or 0) and its value. Plain finite numbers, so
   * it survives JSON.
   */
  state(): number[] {
    return [...this.rng.getState(), this.spare === null ? 0 : 1, this.spare ?? 0];
  }

  /** Uniform in [0, 1), 53 random bits. */
  random(): number {
    return uniformFloat64(this.rng);
  }

  /**
   * Fills `out` with uniforms in [0, 1) and returns it: the numbers `random()` would draw one by
   * one (the same stream, pure-rand's 53-bit construction), drawn in one loop over the
   * library's generator, for a caller that needs many at once (Dropout's masks).
   */
  fillUniform(out: Float64Array): Float64Array {
    if (!(out instanceof Float64Array)) {
      const got =
        out === null ? 'null' : Array.isArray(out) ? 'an array' : typeof out === 'object' ? `a ${(out as object).constructor?.name ?? 'object'}` : typeof out;
      throw new DTypeError('Generator.fillUniform', `expected a Float64Array to fill, got ${got}`);
    }
    const rng = this.rng;
    for (let i = 0; i < out.length; i++) out[i] = uniformFloat64(rng);
    return out;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    if (typeof low !== 'number' || typeof high !== 'number')
      throw new DTypeError('Generator.uniform', `low and high must be numbers, got ${typeof low} and ${typeof high}`);
    // high − low must be finite too: uniform(−∞, ∞) would draw NaN.
    if (!Number.isFinite(high - low) || !(low <= high))
      throw new ValueError('Generator.uniform', `needs finite low ≤ high with a finite width, got low = ${low}, high = ${high}`);
    return low + (high - low) * this.random();
  }

  /** Standard normal, by the Box–Muller transform (two values per pair of uniforms). */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const u = 1 - this.random(); // in (0, 1], so log(u) is finite
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n), unbiased. */
  int(n: number): number {
    // pure-rand draws exactly up to 2⁵³; past it the integers are no longer all representable.
    if (!Number.isSafeInteger(n) || n <= 0) throw new ValueError('Generator.int', `n must be a positive integer up to 2⁵³ − 1, got ${String(n)}`);
    return uniformInt(this.rng, 0, n - 1);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    if (!Array.isArray(items)) {
      throw new DTypeError('Generator.shuffle', `expected an array to shuffle in place, got ${items === null ? 'null' : typeof items}`);
    }
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A permutation of 0 … n−1. */
  permutation(n: number): number[] {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PERMUTATION) {
      throw new ValueError('Generator.permutation', `n must be an integer in [0, ${MAX_PERMUTATION}], got ${shown(n)}`);
    }
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

/** Entries of `state()`: the generator's four 32-bit words, the waiting-normal flag and its value. */
const STATE_LENGTH = 6;

/** The longest permutation: the longest plain array V8 makes. */
const MAX_PERMUTATION = 2 ** 32 - 1;

/** A number as it is, anything else with its type: `string '1'`, not a bare 1. */
function shown(v: unknown): string {
  return typeof v === 'number' ? String(v) : `${typeof v} ${JSON.stringify(v) ?? String(v)}`;
}

function describeState(state: unknown): string {
  if (!Array.isArray(state)) return state === null ? 'null' : typeof state;
  return `an array of ${state.length}${state.every((v) => typeof v === 'number') ? ' numbers' : ' entries, not all numbers'}`;
}

/**
 * The 128-bit starting state for a seed. pure-rand's `xoroshiro128plus(seed)` puts the seed
 * into the state almost as is, and from such a sparse state the first outputs are nearly
 * constant (the first uniform for seed 0 is 0.99999999999, so the first normal is a 7σ
 * outlier). Each 32-bit word here comes from SplitMix32's finaliser over the seed's two
 * halves, so every bit of the seed affects every word, as xoroshiro's authors recommend.
 */
function seedState(seed: number): number[] {
  let s = (seed | 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x9e3779b9);
  const next = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  const state = [next(), next(), next(), next()];
  if (!state.some((w) => w !== 0)) state[0] = 1; // the all-zero state is a fixed point
  return state;
}

let defaultGenerator = new Generator(0);

/** The generator used when none is given. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Reseeds the default generator. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new ValueError('manualSeed', `seed must be an integer within ±(2⁵³ − 1), got ${shown(seed)}`);
  defaultGenerator = new Generator(seed);
}

/** Where a random function draws from: a seed (a fresh generator) or a generator to advance. */
export interface RandomOptions {
  seed?: number;
  generator?: Generator;
}

/**
 * The generator `op` draws from: the one given, a fresh one from the seed, or the default one.
 * Options of the wrong kind are refused by `op`'s name.
 */
export function resolveGenerator(options: RandomOptions | undefined, op = 'Generator'): Generator {
  if (options === undefined) return defaultGenerator;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DTypeError(
      op,
      `options must be an object ({ seed?, generator? }), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  const { seed, generator } = options;
  if (seed !== undefined && generator !== undefined) throw new ValueError(op, 'give either seed or generator, not both');
  if (generator !== undefined) {
    if (!(generator instanceof Generator)) {
      throw new DTypeError(op, `generator must be a Generator from @ad/core, got ${generator === null ? 'null' : typeof generator}`);
    }
    return generator;
  }
  if (seed !== undefined) {
    if (!Number.isSafeInteger(seed)) throw new ValueError(op, `seed must be an integer within ±(2⁵³ − 1), got ${shown(seed)}`);
    return new Generator(seed);
  }
  return defaultGenerator;
}
