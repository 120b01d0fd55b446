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
import { ValueError } from './errors.js';

/** A seeded random generator (xoroshiro128+): uniform, normal, integers, shuffles; its state can be saved. */
export class Generator {
  private rng: JumpableRandomGenerator;
  private spare: number | null = null;

  constructor(seed = 0) {
    if (!Number.isInteger(seed)) throw new ValueError('Generator', `seed must be an integer, got ${seed}`);
    this.rng = xoroshiro128plusFromState(seedState(seed));
  }

  /** Restores a generator from `state()`. */
  static fromState(state: readonly number[]): Generator {
    if (!Array.isArray(state) || state.length < 3 || !state.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ValueError('Generator.fromState', 'expected the array of finite numbers that state() returns');
    }
    const g = new Generator(0);
    g.rng = xoroshiro128plusFromState(state.slice(0, -2));
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

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
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
    if (!Number.isInteger(n) || n <= 0) throw new ValueError('Generator.int', `n must be a positive integer, got ${n}`);
    return uniformInt(this.rng, 0, n - 1);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
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
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
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
  defaultGenerator = new Generator(seed);
}

/** Where a random function draws from: a seed (a fresh generator) or a generator to advance. */
export interface RandomOptions {
  seed?: number;
  generator?: Generator;
}

export function resolveGenerator(options: RandomOptions | undefined): Generator {
  if (options?.generator !== undefined) return options.generator;
  if (options?.seed !== undefined) return new Generator(options.seed);
  return defaultGenerator;
}
