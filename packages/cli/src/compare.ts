/**
 * `ad compare`: forward mode against reverse mode, in one of three ways — the seeds of one
 * expression (--fn), the cost of whole Jacobians over a family of functions (--family), or the
 * gradient of an MLP's loss (--mlp).
 */
import { setNanSafeMode } from '@ad/core';
import { UsageError } from './errors.js';
import type { Streams } from './streams.js';

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
}

const MODE_FLAGS: Readonly<Record<'fn' | 'family' | 'mlp', readonly (keyof CompareFlags)[]>> = {
  fn: ['at', 'tangent', 'cotangent', 'nanSafe'],
  family: ['n', 'm', 'chunk', 'plot', 'seed'],
  mlp: ['subset', 'batch', 'seed', 'chunk'],
};

export async function compare(flags: CompareFlags, io: Streams): Promise<void> {
  const modes = (['fn', 'family', 'mlp'] as const).filter((k) => flags[k] !== undefined);
  if (modes.length !== 1) {
    throw new UsageError(
      modes.length === 0
        ? 'give one of --fn (with --at), --family or --mlp'
        : `give only one of --fn, --family, --mlp (got ${modes.map((m) => `--${m}`).join(' and ')})`,
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
    const run = () => compareSeeds(flags.fn!, flags.at!, flags.tangent ?? [], flags.cotangent ?? [], io);
    if (flags.nanSafe !== true) return run();
    setNanSafeMode(true);
    try {
      return await run();
    } finally {
      setNanSafeMode(false);
    }
  }
  if (mode === 'family') {
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
