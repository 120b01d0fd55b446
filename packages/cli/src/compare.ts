/**
 * `ad compare`: forward mode against reverse mode, in one of four ways — the seeds of one
 * expression (--fn), the cost of whole Jacobians over a family of functions (--family), the
 * compressed seeds of sparse Jacobians (--sparse NAME), or the gradient of an MLP's loss (--mlp).
 * `--fn … --sparse` adds the expression's compressed seeds to its seeds.
 */
import { setNanSafeMode } from '@ad/core';
import { UsageError } from './errors.js';
import { SPARSE_FAMILIES } from './sparse-families.js';
import type { Streams } from './streams.js';

/** Largest n or m of --family: its Jacobians are dense. */
const FAMILY_LIMIT = 4096;

export interface CompareFlags {
  fn?: string;
  at?: string;
  tangent?: number[][];
  cotangent?: number[][];
  nanSafe?: boolean;
  family?: string;
  n?: number[];
  m?: number[];
  chunk?: number[];
  plot?: string | false;
  mlp?: string;
  subset?: number;
  batch?: number;
  seed?: number;
  /** A sparse family's name, or true (the flag without a name) beside --fn. */
  sparse?: string | true;
}

const MODE_FLAGS: Readonly<Record<'fn' | 'family' | 'sparse' | 'mlp', readonly (keyof CompareFlags)[]>> = {
  fn: ['at', 'tangent', 'cotangent', 'nanSafe', 'sparse'],
  family: ['n', 'm', 'chunk', 'plot', 'seed'],
  sparse: ['sparse', 'n', 'plot', 'seed'],
  mlp: ['subset', 'batch', 'seed', 'chunk'],
};

export async function compare(flags: CompareFlags, io: Streams): Promise<void> {
  if (flags.sparse === true && flags.fn === undefined) {
    throw new UsageError(`--sparse needs a family name (${SPARSE_FAMILIES.map((f) => f.name).join(', ')}), or goes with --fn`);
  }
  const given = (k: 'fn' | 'family' | 'sparse' | 'mlp') => (k === 'sparse' ? typeof flags.sparse === 'string' : flags[k] !== undefined);
  const modes = (['fn', 'family', 'sparse', 'mlp'] as const).filter(given);
  if (modes.length !== 1) {
    throw new UsageError(
      modes.length === 0
        ? 'give one of --fn (with --at), --family, --sparse or --mlp'
        : `give only one of --fn, --family, --sparse NAME, --mlp (got ${modes.map((m) => `--${m}`).join(' and ')})`,
    );
  }
  const mode = modes[0];
  // A flag of another mode is a mistake the user should hear about, not a silent no-op.
  for (const [other, owned] of Object.entries(MODE_FLAGS)) {
    if (other === mode) continue;
    for (const f of owned) {
      if (flags[f] !== undefined && !MODE_FLAGS[mode].includes(f)) throw new UsageError(`--${f} goes with --${other}, not --${mode}`);
    }
  }
  if (mode === 'fn') {
    if (flags.at === undefined) throw new UsageError('--fn needs --at, the point to differentiate at (e.g. --at x=3,y=2)');
    const { compareSeeds } = await import('./compare-seeds.js');
    const run = () => compareSeeds(flags.fn!, flags.at!, flags.tangent ?? [], flags.cotangent ?? [], io, flags.sparse === true);
    if (flags.nanSafe !== true) return run();
    setNanSafeMode(true);
    try {
      return await run();
    } finally {
      setNanSafeMode(false);
    }
  }
  if (mode === 'sparse') {
    return (await import('./compare-sparse.js')).compareSparse(
      {
        family: flags.sparse as string,
        n: flags.n ?? [16, 1000, 10000],
        plot: flags.plot === false ? null : (flags.plot ?? 'sparsity.svg'),
        seed: flags.seed ?? 0,
      },
      io,
    );
  }
  if (mode === 'family') {
    for (const flag of ['n', 'm'] as const) {
      const big = flags[flag]?.find((v) => v > FAMILY_LIMIT);
      if (big !== undefined) throw new UsageError(`--${flag} must be at most ${FAMILY_LIMIT} with --family, got ${big} (dense Jacobians)`);
    }
    return (await import('./compare-family.js')).compareFamily(
      {
        family: flags.family!,
        n: flags.n ?? [1, 2, 4, 8, 16, 32, 64],
        m: flags.m ?? [1, 2, 4, 8, 16, 32, 64],
        chunks: flags.chunk ?? [1, 8],
        plot: flags.plot === false ? null : (flags.plot ?? 'crossover.svg'),
        seed: flags.seed ?? 0,
      },
      io,
    );
  }
  if (flags.chunk !== undefined && flags.chunk.length !== 1) throw new UsageError('--chunk takes one width with --mlp');
  return (await import('./compare-mlp.js')).compareMlp(
    { sizes: flags.mlp!, subset: flags.subset ?? 64, batch: flags.batch ?? 32, chunk: flags.chunk?.[0] ?? 8, seed: flags.seed ?? 0 },
    io,
  );
}
